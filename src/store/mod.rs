//! SQLite storage: one file, opened with WAL, foreign keys and a busy timeout; schema only in
//! `migrations/`, applied at open. Domain types go in and out; no Discord types here.
//!
//! Each file owns a group of tables: `program.rs` writes and loads the whole program,
//! `talks.rs` answers the read queries of the commands, `search.rs` turns user text into a
//! safe FTS5 query. The connection sits behind a mutex that is only ever held for one short,
//! synchronous piece of SQL, never across an `.await`.

mod announcements;
mod program;
mod qa;
mod search;
mod settings;
mod talks;

use std::path::Path;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

pub use announcements::{Announcement, AnnouncementState, NewAnnouncement};
pub use program::Changes;
pub use qa::{QaSettings, QaState, QaThread, Question};
pub use settings::{ChannelHealth, GuildSettings};
pub use talks::{PersonRow, SessionInfo, TalkChoice, TalkRow};

/// Every migration, in order. Append only: a released migration is never edited.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/01-program/up.sql")),
        M::up(include_str!("../../migrations/02-announcements/up.sql")),
        M::up(include_str!("../../migrations/03-qa/up.sql")),
    ])
});

/// The database.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .context("switching the database to WAL")?;
        Self::setup(conn).with_context(|| format!("preparing the database {}", path.display()))
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn open_in_memory() -> anyhow::Result<Store> {
        Self::setup(Connection::open_in_memory().context("opening an in-memory database")?)
    }

    fn setup(mut conn: Connection) -> anyhow::Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        MIGRATIONS
            .to_latest(&mut conn)
            .context("applying migrations")?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// The connection, for one synchronous unit of work. A poisoned lock is recovered: SQLite
    /// rolls back any transaction a panicking holder left open.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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
}
