//! The read side: the queries behind the commands, on the store's read connections. Every time
//! query is an index range scan: "running at t" only looks at starts in `[t - longest, t]`,
//! where `longest` is the longest talk or session of the program, stored at import.
//!
//! Lists that stop after a few talks ("next", a session's current and next talk) break ties of
//! start time by row key, not by id: the start indexes hold the row key, so the scan stops
//! after a few rows, whereas ordering by id would sort every talk of the same start (a poster
//! session of hundreds). Row keys follow program order (session, then talk) at import.
//!
//! Costs stay bounded at any program size: a list's speakers come in one query (not one per
//! talk), a search counts its matches only up to [`MAX_COUNTED`], and `/now` reads the current
//! and next talk of a session rather than all of its (possibly hundreds of) posters.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::search::fts_query;
use super::Store;
use super::{from_unix, link_at, links_at};
use crate::program::{Person, SessionSlot, Talk, TalkKind};

/// A talk with its session.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledTalk {
    pub talk: Talk,
    pub session: SessionSlot,
}

/// A person found by name, with how many talks they give.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    pub name: String,
    pub talks: usize,
    pk: i64,
}

/// What an autocomplete needs to show a talk.
#[derive(Debug, Clone, PartialEq)]
pub struct TalkChoice {
    pub id: String,
    pub title: String,
    pub first_speaker: Option<String>,
    pub start: DateTime<Utc>,
}

/// A search counts its matches up to one more than this.
pub const MAX_COUNTED: usize = 1000;

const SCHEDULED_TALK: &str =
    "SELECT t.pk, t.id, t.title, t.kind, t.starts_at, t.ends_at, t.abstract, t.url,
        s.id, s.title, s.track, s.room, s.starts_at, s.ends_at, s.stream,
        t.stream, t.recording, t.slides, t.do_not_record
    FROM talks t JOIN sessions s ON s.pk = t.session";

pub(super) const SESSION_SLOT: &str =
    "SELECT s.pk, s.id, s.title, s.track, s.room, s.starts_at, s.ends_at, s.stream FROM sessions s";

pub(super) fn session_slot(r: &Row, at: usize) -> rusqlite::Result<SessionSlot> {
    Ok(SessionSlot {
        id: r.get(at)?,
        title: r.get(at + 1)?,
        track: r.get(at + 2)?,
        room: r.get(at + 3)?,
        start: from_unix(r.get(at + 4)?),
        end: from_unix(r.get(at + 5)?),
        stream: link_at(r, at + 6)?,
    })
}

/// A row of (pk, name, talk count) as a [`PersonMatch`].
fn person_match(r: &Row) -> rusqlite::Result<PersonMatch> {
    Ok(PersonMatch {
        pk: r.get(0)?,
        name: r.get(1)?,
        talks: r.get::<_, i64>(2)? as usize,
    })
}

/// Reads rows of `SCHEDULED_TALK` (plus a tail of `sql`), with each talk's speakers.
pub(super) fn scheduled_talks(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> anyhow::Result<Vec<ScheduledTalk>> {
    let mut stmt = conn.prepare_cached(&format!("{SCHEDULED_TALK} {sql}"))?;
    let rows = stmt
        .query_map(params, |r| {
            let pk: i64 = r.get(0)?;
            let talk = Talk {
                id: r.get(1)?,
                title: r.get(2)?,
                kind: TalkKind::parse(&r.get::<_, String>(3)?),
                start: from_unix(r.get(4)?),
                end: from_unix(r.get(5)?),
                speakers: Vec::new(),
                abstract_text: r.get(6)?,
                url: r.get(7)?,
                links: links_at(r, 15)?,
            };
            Ok((
                pk,
                ScheduledTalk {
                    talk,
                    session: session_slot(r, 8)?,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Every talk's speakers in one query: a list of 50 talks is 2 queries, not 51.
    let pks = serde_json::to_string(&rows.iter().map(|(pk, _)| pk).collect::<Vec<_>>())?;
    let mut speakers: HashMap<i64, Vec<Person>> = HashMap::with_capacity(rows.len());
    let mut stmt = conn.prepare_cached(
        "SELECT ts.talk, p.name FROM talk_speakers ts JOIN people p ON p.pk = ts.person
         WHERE ts.talk IN (SELECT value FROM json_each(?1)) ORDER BY ts.talk, ts.position",
    )?;
    let mut names = stmt.query([pks])?;
    while let Some(r) = names.next()? {
        speakers
            .entry(r.get(0)?)
            .or_default()
            .push(Person { name: r.get(1)? });
    }
    Ok(rows
        .into_iter()
        .map(|(pk, mut row)| {
            row.talk.speakers = speakers.remove(&pk).unwrap_or_default();
            row
        })
        .collect())
}

fn longest(conn: &Connection, column: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT {column} FROM conference");
    Ok(conn
        .query_row(&sql, [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

impl Store {
    /// Talks starting after `now`, soonest first; `track` matches a session's track or room.
    pub fn talks_starting_after(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        track: Option<&str>,
    ) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        scheduled_talks(
            &conn,
            "WHERE t.starts_at > ?1
               AND (?2 IS NULL OR s.track = ?2 COLLATE NOCASE OR s.room = ?2 COLLATE NOCASE)
             ORDER BY t.starts_at, t.pk LIMIT ?3",
            params![now.timestamp(), track, limit as i64],
        )
        .context("reading upcoming talks")
    }

    /// Sessions running at `now`.
    pub fn sessions_running_at(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<SessionSlot>> {
        let conn = self.read();
        let longest = longest(&conn, "longest_session_secs")?;
        let now = now.timestamp();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} WHERE s.starts_at BETWEEN ?1 AND ?2 AND s.ends_at > ?2 ORDER BY s.starts_at, s.id"
        ))?;
        let rows = stmt.query_map(params![now - longest, now], |r| session_slot(r, 1))?;
        rows.collect::<Result<_, _>>()
            .context("reading running sessions")
    }

    /// Sessions starting in `[from, to)`, in order.
    pub fn sessions_starting_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<SessionSlot>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} WHERE s.starts_at >= ?1 AND s.starts_at < ?2 ORDER BY s.starts_at, s.id"
        ))?;
        let rows = stmt.query_map(params![from.timestamp(), to.timestamp()], |r| {
            session_slot(r, 1)
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading a day's sessions")
    }

    /// The first session starting at or after `at`.
    pub fn first_session_from(&self, at: DateTime<Utc>) -> anyhow::Result<Option<SessionSlot>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} WHERE s.starts_at >= ?1 ORDER BY s.starts_at, s.id LIMIT 1"
        ))?;
        let mut rows = stmt.query_map([at.timestamp()], |r| session_slot(r, 1))?;
        rows.next().transpose().context("reading the next session")
    }

    /// The start of every session, in order (for the list of conference days).
    pub fn session_starts(&self) -> anyhow::Result<Vec<DateTime<Utc>>> {
        let conn = self.read();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT starts_at FROM sessions ORDER BY starts_at")?;
        let rows = stmt.query_map([], |r| Ok(from_unix(r.get(0)?)))?;
        rows.collect::<Result<_, _>>()
            .context("reading session starts")
    }

    /// The talks of a session, in order.
    pub fn talks_of_session(&self, session_id: &str) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        scheduled_talks(
            &conn,
            "WHERE s.id = ?1 ORDER BY t.starts_at, t.id",
            [session_id],
        )
        .context("reading a session's talks")
    }

    /// The talk of a session running at `now` (the first, if several are, as posters are) and
    /// the first starting after it: two index lookups, however many talks the session has.
    pub fn current_and_next_talk(
        &self,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(Option<ScheduledTalk>, Option<ScheduledTalk>)> {
        let conn = self.read();
        let now = now.timestamp();
        let mut current = scheduled_talks(
            &conn,
            "WHERE s.id = ?1 AND t.starts_at <= ?2 AND t.ends_at > ?2 ORDER BY t.starts_at, t.pk LIMIT 1",
            params![session_id, now],
        )
        .context("reading a session's current talk")?;
        let mut next = scheduled_talks(
            &conn,
            "WHERE s.id = ?1 AND t.starts_at > ?2 ORDER BY t.starts_at, t.pk LIMIT 1",
            params![session_id, now],
        )
        .context("reading a session's next talk")?;
        Ok((current.pop(), next.pop()))
    }

    /// The moderators of a session, in order.
    pub fn moderators(&self, session_id: &str) -> anyhow::Result<Vec<Person>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT p.name FROM session_moderators sm JOIN sessions s ON s.pk = sm.session
               JOIN people p ON p.pk = sm.person WHERE s.id = ?1 ORDER BY sm.position",
        )?;
        let rows = stmt.query_map([session_id], |r| Ok(Person { name: r.get(0)? }))?;
        rows.collect::<Result<_, _>>().context("reading moderators")
    }

    /// The program's tracks and rooms, for validating and suggesting a `track` argument.
    pub fn tracks_and_rooms(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT track FROM sessions WHERE track IS NOT NULL UNION SELECT room FROM sessions WHERE room IS NOT NULL
             ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()
            .context("reading tracks and rooms")
    }

    /// The program's rooms: each session's room, else its track (where it happens, as
    /// `SessionSlot::place` says), for `/setup rooms create`.
    pub fn places(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT coalesce(room, track) FROM sessions
             WHERE coalesce(room, track) IS NOT NULL ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>().context("reading rooms")
    }

    /// One session by id, without its talks.
    pub fn session(&self, id: &str) -> anyhow::Result<Option<SessionSlot>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!("{SESSION_SLOT} WHERE s.id = ?1"))?;
        let mut rows = stmt.query_map([id], |r| session_slot(r, 1))?;
        rows.next().transpose().context("reading a session")
    }

    /// Sessions whose title contains `text` (any case), nearest to `now` first.
    pub fn sessions_titled(
        &self,
        text: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> anyhow::Result<Vec<SessionSlot>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} WHERE instr(lower(s.title), lower(?1)) > 0
             ORDER BY abs(s.starts_at - ?2), s.id LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![text.trim(), now.timestamp(), limit as i64], |r| {
            session_slot(r, 1)
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading sessions by title")
    }

    /// Whether a session has talks (a break has none).
    pub fn has_talks(&self, session_id: &str) -> anyhow::Result<bool> {
        self.read()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM talks t JOIN sessions s ON s.pk = t.session WHERE s.id = ?1)",
                [session_id],
                |r| r.get(0),
            )
            .context("reading whether a session has talks")
    }

    /// How many talks the program has.
    pub fn talk_count(&self) -> anyhow::Result<usize> {
        let count: i64 = self
            .read()
            .query_row("SELECT count(*) FROM talks", [], |r| r.get(0))?;
        Ok(count as usize)
    }

    /// The talks with these ids that are in the program, in time order.
    pub fn talks_by_id(&self, ids: &[String]) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        scheduled_talks(
            &conn,
            "WHERE t.id IN (SELECT value FROM json_each(?1)) ORDER BY t.starts_at, t.pk",
            [serde_json::to_string(ids)?],
        )
        .context("reading talks by id")
    }

    /// Every talk of the program, in time order.
    pub fn all_talks(&self) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        scheduled_talks(&conn, "ORDER BY t.starts_at, t.pk", []).context("reading every talk")
    }

    /// One talk by id.
    pub fn talk(&self, id: &str) -> anyhow::Result<Option<ScheduledTalk>> {
        let conn = self.read();
        let mut rows = scheduled_talks(&conn, "WHERE t.id = ?1", [id]).context("reading a talk")?;
        Ok(rows.pop())
    }

    /// The best `limit` matches for what a user typed (bm25; titles weigh most, then speakers,
    /// session, abstract), and how many match in all, counted up to [`MAX_COUNTED`] + 1 (more
    /// means "more than `MAX_COUNTED`"). Text with no word matches nothing. From the kept
    /// search index when it is current, else from FTS5.
    pub fn search(&self, text: &str, limit: usize) -> anyhow::Result<(usize, Vec<ScheduledTalk>)> {
        let Some(query) = fts_query(text) else {
            return Ok((0, Vec::new()));
        };
        let conn = self.read();
        // One snapshot: the index's version check and the rows it points to agree.
        let tx = conn.unchecked_transaction()?;
        if let Some(index) = self.search_index(&tx)? {
            let (total, mut found) = index.search(text, limit, MAX_COUNTED + 1)?;
            // Past the limit, only the talks tied with the last one kept are worth reading.
            if let Some(&(cut, _)) = found.get(limit.saturating_sub(1)) {
                let mut i = 0;
                found.retain(|&(score, _)| {
                    i += 1;
                    i <= limit || score == cut
                });
            }
            let pks: Vec<i64> = found.iter().map(|(_, pk)| *pk).collect();
            let rows = scheduled_talks(
                &tx,
                "JOIN json_each(?1) m ON m.value = t.pk ORDER BY m.key",
                [serde_json::to_string(&pks)?],
            )
            .context("reading the talks found")?;
            anyhow::ensure!(
                rows.len() == found.len(),
                "the search index and the rows disagree"
            );
            // Equal scores in start and id order, whatever row keys the talks have.
            let mut scored: Vec<(f32, ScheduledTalk)> =
                found.iter().map(|(score, _)| *score).zip(rows).collect();
            scored.sort_by(|(a, x), (b, y)| {
                b.total_cmp(a)
                    .then(x.talk.start.cmp(&y.talk.start))
                    .then_with(|| x.talk.id.cmp(&y.talk.id))
            });
            let rows = scored.into_iter().take(limit).map(|(_, row)| row).collect();
            return Ok((total, rows));
        }
        let rows = scheduled_talks(
            &tx,
            "JOIN (SELECT rowid AS pk, bm25(talk_search, 10.0, 1.0, 5.0, 2.0) AS rank
                   FROM talk_search WHERE talk_search MATCH ?1 ORDER BY rank LIMIT ?2) m ON m.pk = t.pk
             ORDER BY m.rank, t.starts_at, t.id",
            params![query, limit as i64],
        )
        .context("searching talks")?;
        if rows.len() < limit {
            return Ok((rows.len(), rows));
        }
        // Counting every match of a word in 40% of the talks costs more than ranking them;
        // nobody needs to know there are 21,403 rather than "more than 1,000".
        let total: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM talk_search WHERE talk_search MATCH ?1 LIMIT ?2)",
            )?
            .query_row(params![query, MAX_COUNTED as i64 + 1], |r| r.get(0))
            .context("counting search matches")?;
        Ok((total as usize, rows))
    }

    /// Talks whose title or speakers start with the words typed, for autocomplete. No ranking:
    /// the first `limit` matches in row-key order come back at once, even for one letter, in
    /// time order. Empty text gives the next talks after `now`.
    pub fn talk_choices(
        &self,
        text: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> anyhow::Result<Vec<TalkChoice>> {
        let conn = self.read();
        const CHOICE: &str = "SELECT t.id, t.title, t.starts_at,
              (SELECT p.name FROM talk_speakers ts JOIN people p ON p.pk = ts.person
                WHERE ts.talk = t.pk ORDER BY ts.position LIMIT 1)
            FROM talks t";
        let read = |r: &Row| {
            Ok(TalkChoice {
                id: r.get(0)?,
                title: r.get(1)?,
                start: from_unix(r.get(2)?),
                first_speaker: r.get(3)?,
            })
        };
        let Some(query) = fts_query(text) else {
            let mut stmt = conn.prepare_cached(&format!(
                "{CHOICE} WHERE t.starts_at > ?1 ORDER BY t.starts_at, t.pk LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![now.timestamp(), limit as i64], read)?;
            return rows
                .collect::<Result<Vec<_>, _>>()
                .context("reading the next talks");
        };
        let tx = conn.unchecked_transaction()?;
        let rows = match self.search_index(&tx)? {
            Some(index) => {
                let pks = serde_json::to_string(&index.complete(text, limit)?)?;
                let mut stmt = tx.prepare_cached(&format!(
                    "{CHOICE} WHERE t.pk IN (SELECT value FROM json_each(?1)) ORDER BY t.starts_at, t.id"
                ))?;
                let rows = stmt.query_map([pks], read)?;
                rows.collect::<Result<Vec<_>, _>>()
            }
            None => {
                let query = format!("{{title speakers}}: ({query})");
                let mut stmt = tx.prepare_cached(&format!(
                    "{CHOICE} WHERE t.pk IN (SELECT rowid FROM talk_search WHERE talk_search MATCH ?1 LIMIT ?2)
                     ORDER BY t.starts_at, t.id"
                ))?;
                let rows = stmt.query_map(params![query, limit as i64], read)?;
                rows.collect::<Result<Vec<_>, _>>()
            }
        };
        rows.context("reading talk choices")
    }

    /// People whose name has words starting with the words typed (case and accents ignored),
    /// speakers with the most talks first.
    pub fn people_named(&self, text: &str, limit: usize) -> anyhow::Result<Vec<PersonMatch>> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT p.pk, p.name, (SELECT count(*) FROM talk_speakers ts WHERE ts.person = p.pk) AS n
             FROM people p WHERE p.pk IN (SELECT rowid FROM people_search WHERE people_search MATCH ?1)
             ORDER BY n DESC, p.name LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], person_match)?;
        rows.collect::<Result<_, _>>()
            .context("finding people by name")
    }

    /// The speakers of the talks starting after `now`, soonest first: what `/speaker` offers
    /// before anything is typed, as `/talk` offers the next talks. Reads only the next few
    /// talks (a range scan of the start index), however large the program.
    pub fn next_speakers(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> anyhow::Result<Vec<PersonMatch>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT p.pk, p.name, (SELECT count(*) FROM talk_speakers c WHERE c.person = p.pk)
             FROM (SELECT pk, starts_at FROM talks WHERE starts_at > ?1 ORDER BY starts_at, pk LIMIT ?3) t
             JOIN talk_speakers ts ON ts.talk = t.pk JOIN people p ON p.pk = ts.person
             GROUP BY p.pk ORDER BY min(t.starts_at), p.name LIMIT ?2",
        )?;
        // A talk has a few speakers: four times as many talks as names fills the list.
        let talks = (limit * 4) as i64;
        let rows = stmt.query_map(params![now.timestamp(), limit as i64, talks], person_match)?;
        rows.collect::<Result<_, _>>()
            .context("reading the next speakers")
    }

    /// The talks a person gives, in order.
    pub fn talks_of(&self, person: &PersonMatch) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        scheduled_talks(
            &conn,
            "JOIN talk_speakers ts ON ts.talk = t.pk WHERE ts.person = ?1 ORDER BY t.starts_at, t.id",
            [person.pk],
        )
        .context("reading a person's talks")
    }

    /// The sessions a person moderates, in order.
    pub fn sessions_moderated_by(&self, person: &PersonMatch) -> anyhow::Result<Vec<SessionSlot>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} JOIN session_moderators sm ON sm.session = s.pk WHERE sm.person = ?1 ORDER BY s.starts_at"
        ))?;
        let rows = stmt.query_map([person.pk], |r| session_slot(r, 1))?;
        rows.collect::<Result<_, _>>()
            .context("reading moderated sessions")
    }
}
