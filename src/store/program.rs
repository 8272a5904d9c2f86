//! Writing the whole program in one transaction, and reading it back.
//!
//! `replace_program` is keyed on the program's stable ids: a session or talk whose content is
//! unchanged is not touched, changed ones are updated in place (so rows that later refer to
//! them, such as announcements, survive), and ids no longer in the file are deleted. Either the
//! whole new program is stored or, on any error, the old one stays as it was.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension, Transaction};

use super::rooms::read_program_rooms;
use super::talk_index::TALK_TEXT;
use super::talks::{session_slot, SESSION_SLOT};
use super::{from_unix, links_at, Store};
use crate::program::{Conference, Link, Person, Program, ProgramDiff, Session, Talk, TalkKind};

impl Store {
    /// Stores `program` in place of the current one, in one transaction, and says what changed.
    /// Moves and cancellations of sessions are recorded for the bot to announce; announcements
    /// already made for a session that moved by more than their lead time are forgotten, so
    /// they are made again for the new time.
    pub fn replace_program(&self, program: &Program) -> anyhow::Result<ProgramDiff> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("starting the program import")?;
        let diff = replace(&tx, program).context("writing the program")?;
        tx.commit().context("committing the program import")?;
        drop(conn);
        self.refresh_search_index();
        Ok(diff)
    }

    /// What importing `program` would change, without changing anything.
    pub fn diff_program(&self, program: &Program) -> anyhow::Result<ProgramDiff> {
        let old = self.load_program()?;
        Ok(ProgramDiff::between(old.as_ref(), program))
    }

    /// The stored program, if one was imported.
    pub fn load_program(&self) -> anyhow::Result<Option<Program>> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("starting to read the program")?;
        load(&tx).context("reading the program")
    }

    /// The conference, if a program was imported.
    pub fn conference(&self) -> anyhow::Result<Option<Conference>> {
        conference(&self.read()).context("reading the conference")
    }
}

pub(super) fn conference(conn: &rusqlite::Connection) -> anyhow::Result<Option<Conference>> {
    let row = conn
        .query_row("SELECT name, time_zone, url FROM conference", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .optional()?;
    row.map(|(name, zone, url)| {
        let time_zone: Tz = zone
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown stored time zone {zone}"))?;
        Ok(Conference {
            name,
            time_zone,
            url,
        })
    })
    .transpose()
}

fn replace(tx: &Transaction, program: &Program) -> anyhow::Result<ProgramDiff> {
    let old = load(tx)?;
    let mut search = Vec::new();
    let diff = ProgramDiff::between(old.as_ref(), program);
    let old_sessions: HashMap<&str, &Session> = old
        .as_ref()
        .map(|p| {
            p.sessions()
                .iter()
                .map(|s| (s.slot.id.as_str(), s))
                .collect()
        })
        .unwrap_or_default();

    let conference = program.conference();
    let longest = |spans: Vec<(DateTime<Utc>, DateTime<Utc>)>| {
        spans
            .into_iter()
            .map(|(s, e)| (e - s).num_seconds())
            .max()
            .unwrap_or(0)
    };
    tx.execute(
        "INSERT INTO conference (id, name, time_zone, url, longest_session_secs, longest_talk_secs)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = ?1, time_zone = ?2, url = ?3,
             longest_session_secs = ?4, longest_talk_secs = ?5",
        params![
            conference.name,
            conference.time_zone.name(),
            conference.url,
            longest(
                program
                    .sessions()
                    .iter()
                    .map(|s| (s.slot.start, s.slot.end))
                    .collect()
            ),
            longest(program.talks().map(|t| (t.start, t.end)).collect()),
        ],
    )?;

    // Whether any talk's searchable text may have changed: a session written or deleted.
    let mut text_changed = false;
    for session in program.sessions() {
        if old_sessions.get(session.slot.id.as_str()) != Some(&session) {
            write_session(tx, session, old.is_some(), &mut search)?;
            text_changed = true;
        }
    }

    let new_sessions: HashSet<&str> = program
        .sessions()
        .iter()
        .map(|s| s.slot.id.as_str())
        .collect();
    for id in old_sessions.keys().filter(|id| !new_sessions.contains(*id)) {
        unindex_talks(tx, "s.id = ?1", [id])?;
        tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
        text_changed = true;
    }

    tx.execute("DELETE FROM program_rooms", [])?;
    for (room, facts) in program.rooms() {
        tx.prepare_cached(
            "INSERT INTO program_rooms (name, stream, capacity) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            room,
            facts.stream.as_ref().map(Link::as_str),
            facts.capacity
        ])?;
    }

    index_talks(tx, &search)?;
    if text_changed {
        tx.execute("UPDATE talk_text_version SET version = version + 1", [])?;
    }
    tx.execute_batch(
        "INSERT INTO people_search (people_search, rowid, name) SELECT 'delete', pk, name FROM people
           WHERE pk NOT IN (SELECT person FROM talk_speakers) AND pk NOT IN (SELECT person FROM session_moderators);
         DELETE FROM people
           WHERE pk NOT IN (SELECT person FROM talk_speakers) AND pk NOT IN (SELECT person FROM session_moderators);",
    )?;
    if let Some(old) = &old {
        for change in diff.changes.iter().filter(|c| c.is_material()) {
            super::changes::record(tx, change)?;
        }
        super::agenda::record_changes(tx, old, program)?;
        super::room_posts::record_published(tx, &diff)?;
    }
    Ok(diff)
}

/// A talk to (re)index for search once every row is written: its row key, the talk, and its
/// session's title.
type SearchRow<'p> = (i64, &'p Talk, &'p str);

fn write_session<'p>(
    tx: &Transaction,
    session: &'p Session,
    replacing: bool,
    search: &mut Vec<SearchRow<'p>>,
) -> anyhow::Result<()> {
    let ids: Vec<&str> = session.talks.iter().map(|t| t.id.as_str()).collect();
    let ids = serde_json::to_string(&ids)?;
    if replacing {
        // Before any row changes: the search index must be told the text it holds for the
        // talks this session has now and those it takes from another session. Two statements,
        // so each is an index lookup (an OR would scan every talk, for every session).
        unindex_talks(tx, "s.id = ?1", [&session.slot.id])?;
        unindex_talks(
            tx,
            "t.id IN (SELECT value FROM json_each(?1)) AND s.id != ?2",
            params![ids, session.slot.id],
        )?;
    }
    let session_pk: i64 = tx.query_row(
        "INSERT INTO sessions (id, title, track, room, starts_at, ends_at, stream)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET title = ?2, track = ?3, room = ?4, starts_at = ?5,
             ends_at = ?6, stream = ?7
         RETURNING pk",
        params![
            session.slot.id,
            session.slot.title,
            session.slot.track,
            session.slot.room,
            session.slot.start.timestamp(),
            session.slot.end.timestamp(),
            session.slot.stream.as_ref().map(Link::as_str),
        ],
        |r| r.get(0),
    )?;
    tx.execute(
        "DELETE FROM session_moderators WHERE session = ?1",
        [session_pk],
    )?;
    for (position, person) in session.moderators.iter().enumerate() {
        let person_pk = person_pk(tx, person)?;
        tx.execute(
            "INSERT INTO session_moderators (session, position, person) VALUES (?1, ?2, ?3)",
            params![session_pk, position, person_pk],
        )?;
    }

    // Talks that left this session (dropped, or moved to a session written later).
    tx.execute(
        "DELETE FROM talks WHERE session = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
        params![session_pk, ids],
    )?;

    let mut upsert = tx.prepare_cached(
        "INSERT INTO talks (id, session, title, kind, starts_at, ends_at, abstract, url,
             stream, recording, slides, do_not_record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET session = ?2, title = ?3, kind = ?4, starts_at = ?5,
             ends_at = ?6, abstract = ?7, url = ?8, stream = ?9, recording = ?10, slides = ?11,
             do_not_record = ?12
         RETURNING pk",
    )?;
    for talk in &session.talks {
        let talk_pk: i64 = upsert.query_row(
            params![
                talk.id,
                session_pk,
                talk.title,
                talk.kind.label(),
                talk.start.timestamp(),
                talk.end.timestamp(),
                talk.abstract_text,
                talk.url,
                talk.links.stream.as_ref().map(Link::as_str),
                talk.links.recording.as_ref().map(Link::as_str),
                talk.links.slides.as_ref().map(Link::as_str),
                talk.links.do_not_record,
            ],
            |r| r.get(0),
        )?;
        tx.execute("DELETE FROM talk_speakers WHERE talk = ?1", [talk_pk])?;
        for (position, person) in talk.speakers.iter().enumerate() {
            let person_pk = person_pk(tx, person)?;
            tx.prepare_cached(
                "INSERT INTO talk_speakers (talk, position, person) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![talk_pk, position, person_pk])?;
        }
        search.push((talk_pk, talk, &session.slot.title));
    }
    Ok(())
}

/// Writes the search index of `talks` after all other rows. FTS5 flushes its pending writes to
/// disk at every statement savepoint (every upsert opens one), so indexing talk by talk in
/// between the upserts wrote one tiny segment per talk and merged them endlessly: at 50,000
/// talks, 3 of every 4 seconds of an import. In one run at the end it batches as designed.
fn index_talks(tx: &Transaction, talks: &[SearchRow]) -> anyhow::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO talk_search (rowid, title, abstract, speakers, session) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (pk, talk, session) in talks {
        let speakers = talk
            .speakers
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        insert.execute(params![
            pk,
            talk.title,
            talk.abstract_text,
            speakers,
            session
        ])?;
    }
    Ok(())
}

/// Takes the talks matching `condition` (over `talks t` and `sessions s`) out of the search
/// index with FTS5's `delete` command and the very text they were indexed with
/// ([`TALK_TEXT`], as `index_talks` writes it). A contentless table deleted by rowid alone
/// keeps counting the old text in bm25's statistics, so a reloaded program would rank unlike a
/// fresh import.
fn unindex_talks(
    tx: &Transaction,
    condition: &str,
    params: impl rusqlite::Params,
) -> anyhow::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO talk_search (talk_search, rowid, title, abstract, speakers, session)
         SELECT 'delete', * FROM ({TALK_TEXT} WHERE {condition})"
    ))?
    .execute(params)?;
    Ok(())
}

/// The row of a person, created (and made searchable) on first sight.
fn person_pk(tx: &Transaction, person: &Person) -> anyhow::Result<i64> {
    if let Some(pk) = tx
        .prepare_cached("SELECT pk FROM people WHERE name = ?1")?
        .query_row([&person.name], |r| r.get(0))
        .optional()?
    {
        return Ok(pk);
    }
    let pk: i64 = tx
        .prepare_cached("INSERT INTO people (name) VALUES (?1) RETURNING pk")?
        .query_row([&person.name], |r| r.get(0))?;
    tx.prepare_cached("INSERT INTO people_search (rowid, name) VALUES (?1, ?2)")?
        .execute(params![pk, person.name])?;
    Ok(pk)
}

fn load(tx: &Transaction) -> anyhow::Result<Option<Program>> {
    let Some(conference) = conference(tx)? else {
        return Ok(None);
    };
    let names_by_parent = |sql: &str| -> anyhow::Result<HashMap<i64, Vec<Person>>> {
        let mut map: HashMap<i64, Vec<Person>> = HashMap::new();
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (parent, name) = row?;
            map.entry(parent).or_default().push(Person { name });
        }
        Ok(map)
    };
    let mut speakers = names_by_parent(
        "SELECT ts.talk, p.name FROM talk_speakers ts JOIN people p ON p.pk = ts.person ORDER BY ts.talk, ts.position",
    )?;
    let mut moderators = names_by_parent(
        "SELECT sm.session, p.name FROM session_moderators sm JOIN people p ON p.pk = sm.person
         ORDER BY sm.session, sm.position",
    )?;

    let mut talks_by_session: HashMap<i64, Vec<Talk>> = HashMap::new();
    let mut stmt = tx.prepare(
        "SELECT pk, session, id, title, kind, starts_at, ends_at, abstract, url,
             stream, recording, slides, do_not_record
         FROM talks ORDER BY starts_at, id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let talk = Talk {
            id: r.get(2)?,
            title: r.get(3)?,
            kind: TalkKind::parse(&r.get::<_, String>(4)?),
            start: from_unix(r.get(5)?),
            end: from_unix(r.get(6)?),
            speakers: speakers.remove(&r.get(0)?).unwrap_or_default(),
            abstract_text: r.get(7)?,
            url: r.get(8)?,
            links: links_at(r, 9)?,
        };
        talks_by_session.entry(r.get(1)?).or_default().push(talk);
    }

    let mut stmt = tx.prepare(SESSION_SLOT)?;
    let sessions = stmt
        .query_map([], |r| {
            let pk: i64 = r.get(0)?;
            Ok(Session {
                slot: session_slot(r, 1)?,
                moderators: moderators.remove(&pk).unwrap_or_default(),
                talks: talks_by_session.remove(&pk).unwrap_or_default(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let rooms = read_program_rooms(tx)?.into_iter().collect();
    Ok(Some(Program::new(conference, sessions)?.with_rooms(rooms)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Item;
    use crate::program::RoomFacts;
    use crate::testing::bundled;

    /// The bundled program with one talk retitled, one removed and one added.
    fn edited() -> Program {
        let program = bundled();
        let mut sessions = program.sessions().to_vec();
        let talks = &mut sessions[0].talks;
        talks[0].title = "Retitled".into();
        talks.remove(1);
        let mut extra = talks[0].clone();
        extra.id = "extra".into();
        extra.title = "Extra".into();
        talks.push(extra);
        Program::new(program.conference().clone(), sessions).unwrap()
    }

    #[test]
    fn a_program_round_trips() {
        let store = Store::open_in_memory().unwrap();
        let diff = store.replace_program(&bundled()).unwrap();
        assert_eq!(
            (diff.counts(Item::Session), diff.counts(Item::Talk)),
            ((1, 0, 0), (12, 0, 0))
        );
        assert_eq!(store.load_program().unwrap().unwrap(), bundled());
    }

    #[test]
    fn links_and_room_facts_round_trip() {
        let link = |text: &str| Some(Link::parse(text).unwrap());
        let program = bundled();
        let mut sessions = program.sessions().to_vec();
        sessions[0].slot.stream = link("https://youtu.be/session");
        let links = &mut sessions[0].talks[0].links;
        links.stream = link("https://youtu.be/talk");
        links.recording = link("https://media.example.org/v/1");
        links.slides = link("https://slides.example.org/1.pdf");
        links.do_not_record = true;
        let rooms = [
            ("Room 1", link("https://youtu.be/room"), None),
            ("Room 2", None, Some(300)),
        ]
        .map(|(name, stream, capacity)| (name.to_string(), RoomFacts { stream, capacity }));
        let program = Program::new(program.conference().clone(), sessions)
            .unwrap()
            .with_rooms(rooms.into_iter().collect());
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&program).unwrap();
        assert_eq!(store.load_program().unwrap().unwrap(), program);
        store.replace_program(&bundled()).unwrap();
        assert_eq!(store.load_program().unwrap().unwrap(), bundled());
    }

    #[test]
    fn importing_the_same_program_twice_changes_nothing() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        let before = store.conn().total_changes();
        assert!(store.replace_program(&bundled()).unwrap().is_empty());
        let writes = store.conn().total_changes() - before;
        assert_eq!(writes, 1, "only the conference row is rewritten");
    }

    #[test]
    fn a_changed_program_is_updated_in_place_by_id() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        let diff = store.replace_program(&edited()).unwrap();
        assert_eq!(
            diff.counts(Item::Session),
            (0, 0, 0),
            "the session itself is as it was"
        );
        assert_eq!(diff.counts(Item::Talk), (1, 1, 1));
        assert_eq!(store.load_program().unwrap().unwrap(), edited());
        let (total, _) = store.search("Retitled", 5).unwrap();
        assert_eq!(total, 1, "the search index follows the update");
        let (total, _) = store.search("Gameplay", 5).unwrap();
        assert_eq!(total, 0, "the removed talk left the search index");
    }

    #[test]
    fn only_a_change_of_the_talks_text_bumps_its_version() {
        let store = Store::open_in_memory().unwrap();
        let version = || super::super::talk_index::text_version(&store.read()).unwrap();
        store.replace_program(&bundled()).unwrap();
        let first = version();
        store.replace_program(&bundled()).unwrap();
        assert_eq!(version(), first, "the same program again");
        store.replace_program(&edited()).unwrap();
        assert_eq!(version(), first + 1);
    }

    #[test]
    fn a_kept_search_index_follows_this_stores_imports_at_once() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        assert!(!store.search_index_is_current().unwrap(), "not kept yet");
        store.keep_search_index().unwrap();
        assert!(store.search_index_is_current().unwrap());
        store.replace_program(&edited()).unwrap();
        assert!(store.search_index_is_current().unwrap());
        finds_the_edited_program(&store);
    }

    /// Search and autocomplete find the retitled talk and not the removed one.
    fn finds_the_edited_program(store: &Store) {
        assert_eq!(store.search("Retitled", 5).unwrap().0, 1);
        assert_eq!(store.search("Gameplay", 5).unwrap().0, 0);
        let choices = store.talk_choices("retit", Utc::now(), 5).unwrap();
        assert_eq!(choices.len(), 1);
    }

    #[test]
    fn an_import_by_another_process_is_never_answered_from_the_old_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confbot.sqlite3");
        let bot = Store::open(&path).unwrap();
        bot.replace_program(&bundled()).unwrap();
        bot.keep_search_index().unwrap();
        assert!(bot.search_index_is_current().unwrap());
        // `confbot import` in another process: another store on the same file.
        Store::open(&path)
            .unwrap()
            .replace_program(&edited())
            .unwrap();
        assert!(!bot.search_index_is_current().unwrap());
        // FTS5 answers, and that search starts a rebuild in the background.
        finds_the_edited_program(&bot);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !bot.search_index_is_current().unwrap() {
            assert!(std::time::Instant::now() < deadline, "the index is rebuilt");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        finds_the_edited_program(&bot);
    }

    #[test]
    fn a_failed_import_keeps_the_old_program() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        // Fail halfway through the write, after the session row has been updated.
        store
            .conn()
            .execute_batch(
                "CREATE TEMP TRIGGER fail BEFORE INSERT ON talks WHEN NEW.id = 'extra'
                 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;",
            )
            .unwrap();
        let error = store.replace_program(&edited()).unwrap_err();
        assert!(format!("{error:#}").contains("disk on fire"));
        assert_eq!(store.load_program().unwrap().unwrap(), bundled());
        assert_eq!(store.search("Gameplay", 5).unwrap().0, 1);
    }

    #[test]
    fn removing_a_session_removes_its_talks_and_people() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        let mut sessions = bundled().sessions().to_vec();
        let mut other = sessions[0].clone();
        other.slot.id = "other".into();
        other.talks.truncate(1);
        for talk in &mut other.talks {
            talk.id = format!("other-{}", talk.id).into();
        }
        sessions[0] = other;
        let program = Program::new(bundled().conference().clone(), sessions).unwrap();
        let diff = store.replace_program(&program).unwrap();
        assert_eq!(diff.counts(Item::Session), (1, 0, 1));
        assert_eq!(diff.counts(Item::Talk), (1, 0, 12));
        assert!(
            store.people_named("Bengio", 5).unwrap().is_empty(),
            "people without talks are gone"
        );
        assert_eq!(store.search("learning", 50).unwrap().0, 1);
    }
}
