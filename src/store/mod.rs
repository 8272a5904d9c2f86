//! SQLite storage: one file, opened with WAL, foreign keys and a busy timeout; schema only in
//! `migrations/`, applied at open. Domain types go in and out; no Discord types here.
//!
//! Each file owns a group of tables: `program.rs` writes and loads the whole program,
//! `talks.rs` answers the read queries of the commands, `search.rs` turns user text into the
//! words to search for and a safe FTS5 query, `talk_index.rs` is the bot's own search index of
//! the talks (tantivy, kept current with the database), `source.rs` keeps the live program
//! source's state, `agenda.rs` attendees' bookmarks, `outbox.rs` what every exactly-once delivery
//! shares (claim, lease, settle), `announcements.rs`, `changes.rs` and `reminders.rs` the
//! deliveries of each kind, `rooms.rs` each guild's settings of the program's rooms, `room_posts.rs` posts into them, and `mirror.rs` the Events tab mirror (settings, health, session →
//! event, Interested bookmarks). Each
//! connection sits behind a mutex that is held for one synchronous unit of work (a query, or a
//! whole import's transaction on the writer), never across an `.await`.
//!
//! A database file has one connection that writes and a few read-only ones for the commands'
//! queries (`Store::read`): in WAL mode readers never wait for each other or for the writer, so
//! a thousand attendees asking at once are answered in parallel instead of queueing on one
//! mutex. An in-memory database cannot be shared between connections, so it has just the one.

mod agenda;
mod announcements;
mod changes;
mod digests;
mod feedback;
mod mirror;
mod ops;
pub mod outbox;
mod program;
mod qa;
mod rehearsal;
mod reminders;
mod room_posts;
mod rooms;
mod search;
mod settings;
mod source;
mod stage;
mod talk_index;
mod talks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use talk_index::{Lookup, SearchIndex, TalkIndex};

pub use agenda::{AgendaUser, Bookmark, Forgotten};
pub use announcements::{Announcement, NewAnnouncement};
pub use changes::{ChangeNotice, NewNotice, ProgramChange};
pub use digests::Digest;
pub use feedback::{Bookmarked, BusyThread, EndedTalk, FeedbackPrompt, Rating, TalkFeedback};
pub use mirror::{EventMirror, EventRoom, EventStatus, MirroredEvent};
pub use qa::{OpenedThread, QaSettings, QaState, QaThread, Question};
pub use reminders::{
    change_dm_nonce, reminder_nonce, AgendaChange, ChangeDm, DmReminder, DueBookmark, DuePage,
    TalkAt,
};
pub use room_posts::{NewRoomPost, RecordingToTell, RoomPost, RoomPostKind};
pub use rooms::{RoomChange, RoomPlaces, RoomSetting};
pub use search::fts_query;
pub use settings::{ChannelHealth, GuildSettings};
pub use source::{PollResult, SourceState};
pub use stage::StageRoom;
pub use talks::{PersonMatch, ScheduledTalk, TalkChoice, MAX_COUNTED};

/// Every migration, in order. Append only: a released migration is never edited.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/01-program/up.sql")),
        M::up(include_str!("../../migrations/02-announcements/up.sql")),
        M::up(include_str!("../../migrations/03-qa/up.sql")),
        M::up(include_str!("../../migrations/04-program-changes/up.sql")),
        M::up(include_str!("../../migrations/05-program-source/up.sql")),
        M::up(include_str!("../../migrations/06-agenda/up.sql")),
        M::up(include_str!("../../migrations/07-rehearsal/up.sql")),
        M::up(include_str!("../../migrations/08-qa-openings/up.sql")),
        M::up(include_str!(
            "../../migrations/09-exact-search-statistics/up.sql"
        )),
        M::up(include_str!("../../migrations/10-events/up.sql")),
        M::up(include_str!("../../migrations/11-notice-claimed-at/up.sql")),
        M::up(include_str!(
            "../../migrations/12-change-dm-claimed-at/up.sql"
        )),
        M::up(include_str!("../../migrations/13-talk-text-version/up.sql")),
        M::up(include_str!(
            "../../migrations/14-fts5-without-prefix-indexes/up.sql"
        )),
        M::up(include_str!("../../migrations/15-outbox/up.sql")),
        M::up(include_str!("../../migrations/16-digests/up.sql")),
        M::up(include_str!("../../migrations/17-mirror-repairs/up.sql")),
        M::up(include_str!("../../migrations/18-room-places/up.sql")),
        M::up(include_str!("../../migrations/19-feedback/up.sql")),
        M::up(include_str!("../../migrations/20-voice-status/up.sql")),
        M::up(include_str!("../../migrations/21-dm-channels-ahead/up.sql")),
        M::up(include_str!("../../migrations/22-room-capacity/up.sql")),
        M::up(include_str!(
            "../../migrations/23-program-room-capacity/up.sql"
        )),
    ])
});

/// Read-only connections of a database file. Queries are short, so a few per core are plenty;
/// each keeps its own page cache (SQLite's default, 2 MB at most).
const READERS: usize = 4;

/// The database.
pub struct Store {
    /// The connection that writes (and, in memory, also reads).
    conn: Mutex<Connection>,
    /// Read-only connections for the commands' queries; empty in memory.
    readers: Vec<Mutex<Connection>>,
    /// Where the next reader search starts, so load spreads over the readers.
    next_reader: AtomicUsize,
    /// The database file, for a connection of its own in the search index's rebuilds; `None`
    /// in memory.
    path: Option<PathBuf>,
    /// The bot's search index, when kept (`keep_search_index`).
    search_index: Arc<SearchIndex>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date. A file
    /// that is not a database, cannot be written or stays locked is an error that says so.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        Self::open_file(path).map_err(|error| explain_open_error(error, path))
    }

    fn open_file(path: &Path) -> anyhow::Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        // SQLite quietly opens a file it may not write read-only, and a schema already up to
        // date needs no write: the first claim or vote would fail instead, mid-conference.
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some("the file is read-only".into()),
            ))
            .with_context(|| format!("opening the database {}", path.display()));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .context("switching the database to WAL")?;
        let mut store = Self::setup(conn)
            .with_context(|| format!("preparing the database {}", path.display()))?;
        // Opened after the migrations, so the readers see the schema.
        for _ in 0..READERS {
            store.readers.push(Mutex::new(open_reader(path)?));
        }
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// Writes a consistent copy of the whole database to `path` (a new file), with SQLite's
    /// online backup in one step: it reads one snapshot, so a bot writing meanwhile (WAL)
    /// neither waits nor tears the copy.
    pub fn backup_to(&self, path: &Path) -> anyhow::Result<()> {
        if path.exists() {
            anyhow::bail!("{} exists already: back up to a new file", path.display());
        }
        let source = self.read();
        let mut copy = Connection::open(path)
            .with_context(|| format!("creating the backup {}", path.display()))?;
        rusqlite::backup::Backup::new(&source, &mut copy)
            .and_then(|backup| backup.run_to_completion(i32::MAX, Duration::ZERO, None))
            .with_context(|| format!("backing up to {}", path.display()))?;
        Ok(())
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn open_in_memory() -> anyhow::Result<Store> {
        Self::setup(Connection::open_in_memory().context("opening an in-memory database")?)
    }

    fn setup(mut conn: Connection) -> anyhow::Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // An import writes the whole program in one transaction; in SQLite's default 2 MB
        // cache it spills to the WAL and is read back. The cache only grows while writing.
        conn.pragma_update(None, "cache_size", -16 * 1024)?;
        MIGRATIONS
            .to_latest(&mut conn)
            .context("applying migrations")?;
        set_fts_hash_size(&conn).context("tuning the search index")?;
        Ok(Store {
            conn: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            path: None,
            search_index: Arc::default(),
        })
    }

    /// From now on, answers searches and autocompletes from a search index that ranks only the
    /// best matches (`talk_index.rs`), built now from the stored talks and kept current: at
    /// once after this store imports, in the background (FTS5 answering meanwhile) after
    /// another process does. For the bot; the index costs a build at each start.
    pub fn keep_search_index(&self) -> anyhow::Result<()> {
        self.search_index.keep(&self.read())
    }

    /// Whether searches are answered from the kept search index now: it is built and holds
    /// the talks as stored. (After another process imports, FTS5 answers until it is rebuilt.)
    pub fn search_index_is_current(&self) -> anyhow::Result<bool> {
        Ok(self.search_index.current(&self.read())?.is_some())
    }

    /// Rebuilds the search index, if kept, after this store changed the program. A failure
    /// leaves searches with FTS5 (and a rebuild is tried again later): the import has landed.
    fn refresh_search_index(&self) {
        if self.search_index.is_kept() {
            if let Err(error) = self.search_index.rebuild_now(&self.read()) {
                tracing::warn!(error = ?error, "searches use FTS5 until the index is rebuilt");
            }
        }
    }

    /// The search index to answer from within `conn`'s read transaction, if it is current for
    /// what that transaction sees; when it is not, FTS5 answers and a rebuild may start.
    fn search_index(&self, conn: &Connection) -> anyhow::Result<Option<Arc<TalkIndex>>> {
        match self.search_index.lookup(conn)? {
            Lookup::Current(index) => return Ok(Some(index)),
            Lookup::Rebuild(claim) => {
                // A file's other connections see what another process imported; in memory
                // only this store imports, and it rebuilds at once.
                if let Some(path) = self.path.clone() {
                    let spawned = std::thread::Builder::new()
                        .name("search-index".into())
                        .spawn(move || {
                            let built = open_reader(&path).and_then(|conn| claim.run(&conn));
                            if let Err(error) = built {
                                tracing::warn!(error = ?error, "searches use FTS5 until the index is rebuilt");
                            }
                        });
                    if let Err(error) = spawned {
                        tracing::warn!(error = ?error, "cannot start rebuilding the search index");
                    }
                }
            }
            Lookup::Fts5 => {}
        }
        Ok(None)
    }

    /// The connection, for one synchronous unit of work. A poisoned lock is recovered: SQLite
    /// rolls back any transaction a panicking holder left open.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.conn)
    }

    /// A connection for one read-only query: a free reader if there is one (trying each once,
    /// starting from a different one each time), else the next in turn once it is free. In
    /// memory, the one connection.
    fn read(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.conn();
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        (0..n)
            .find_map(|i| self.readers[(start + i) % n].try_lock().ok())
            .unwrap_or_else(|| lock(&self.readers[start % n]))
    }
}

/// A read-only connection to the database file `path`.
fn open_reader(path: &Path) -> anyhow::Result<Connection> {
    let reader = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening the database {} to read", path.display()))?;
    reader.busy_timeout(Duration::from_secs(5))?;
    Ok(reader)
}

/// FTS5 buffers index writes in memory up to this size (its default is 1 MB) before writing a
/// segment. An import indexes every talk in one go: a larger buffer writes fewer, larger
/// segments and merges them far less (a 50,000-talk import: 7.5 s with 1 MB, 4.3 s with 32 MB).
const FTS_HASH_SIZE: i64 = 32 << 20;

/// Sets [`FTS_HASH_SIZE`], which FTS5 keeps in the database (its `_config` table), once.
fn set_fts_hash_size(conn: &Connection) -> anyhow::Result<()> {
    let current: Option<i64> = conn
        .query_row(
            "SELECT v FROM talk_search_config WHERE k = 'hashsize'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if current != Some(FTS_HASH_SIZE) {
        conn.execute(
            "INSERT INTO talk_search (talk_search, rank) VALUES ('hashsize', ?1)",
            [FTS_HASH_SIZE],
        )?;
    }
    Ok(())
}

/// Locks a connection, recovering a poisoned lock: SQLite rolls back any transaction a
/// panicking holder left open.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An open failure in words an organiser can act on, naming the file.
fn explain_open_error(error: anyhow::Error, path: &Path) -> anyhow::Error {
    use rusqlite::ErrorCode;
    let code = error
        .chain()
        .find_map(|cause| match cause.downcast_ref::<rusqlite::Error>() {
            Some(rusqlite::Error::SqliteFailure(failure, _)) => Some(failure.code),
            _ => None,
        });
    let path = path.display();
    let explained = match code {
        Some(ErrorCode::NotADatabase) => format!(
            "{path} is not a confbot database (not an SQLite file at all): check CONFBOT_DB / --db"
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => format!(
            "cannot open {path} for writing: check that the file and its folder are writable"
        ),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{path} is locked by another process (another confbot, or a tool holding a transaction) \
             for longer than 5 s: stop it and try again"
        ),
        Some(ErrorCode::DiskFull) => format!("the disk holding {path} is full"),
        _ => return error,
    };
    error.context(explained)
}

/// A failed `replace_program` in words an organiser can act on: it was one transaction, so
/// nothing changed; a full disk (or a file size limit) is named as such.
pub fn explain_import_error(error: anyhow::Error, path: &Path) -> anyhow::Error {
    use rusqlite::ErrorCode;
    let full = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(failure, _))
                if matches!(failure.code, ErrorCode::DiskFull | ErrorCode::SystemIoFailure)
        )
    });
    let path = path.display();
    let explained = if full {
        format!(
            "could not write {path}: its disk is full (or the file reached a size limit, or the \
             disk is failing). Nothing was imported: the previous program is unchanged"
        )
    } else {
        format!("nothing was imported into {path}: the previous program is unchanged")
    };
    error.context(explained)
}

/// An instant from the unix seconds SQLite keeps.
fn from_unix(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A stored link, checked again as it is read (a row written by hand is no exception).
fn link_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Option<crate::program::Link>> {
    r.get::<_, Option<String>>(at)?
        .map(|text| {
            crate::program::Link::parse(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, e.into())
            })
        })
        .transpose()
}

/// A talk's links from the columns `stream, recording, slides, do_not_record` from `at`.
fn links_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<crate::program::Links> {
    Ok(crate::program::Links {
        stream: link_at(r, at)?,
        recording: link_at(r, at + 1)?,
        slides: link_at(r, at + 2)?,
        do_not_record: r.get(at + 3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn opening_a_file_twice_keeps_it_usable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confbot.sqlite3");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn an_import_that_fills_the_database_leaves_the_old_program_and_says_the_disk_is_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confbot.sqlite3");
        let store = Store::open(&path).unwrap();
        let generated = |talks| {
            let json = synthetic::program_json(&synthetic::GenOptions {
                talks,
                days: 2,
                tracks: 3,
                seed: 7,
            })
            .unwrap();
            crate::program::import_str("generated", &json, &Default::default())
                .unwrap()
                .program
        };
        let old = generated(20);
        store.replace_program(&old).unwrap();
        // The database may grow by a few pages, as if the disk were nearly full.
        let pages: i64 = store
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        store
            .conn()
            .pragma_update(None, "max_page_count", pages + 4)
            .unwrap();
        let error = store.replace_program(&generated(2000)).unwrap_err();
        let message = format!("{:#}", explain_import_error(error, &path));
        assert!(
            message.contains("its disk is full")
                && message.contains("the previous program is unchanged"),
            "{message}"
        );
        assert!(message.contains("database or disk is full"), "{message}");
        assert_eq!(store.load_program().unwrap(), Some(old));
    }

    #[test]
    fn readers_see_what_the_writer_committed_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("confbot.sqlite3")).unwrap();
        assert_eq!(store.readers.len(), READERS);
        store
            .conn()
            .execute("CREATE TABLE t (x INTEGER)", [])
            .unwrap();
        store
            .conn()
            .execute("INSERT INTO t VALUES (1)", [])
            .unwrap();
        for _ in 0..READERS {
            let read = store.read();
            let x: i64 = read.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
            assert_eq!(x, 1);
            assert!(read.execute("INSERT INTO t VALUES (2)", []).is_err());
        }
    }
}
