//! Reading the talks an engine found, as the bot reads a page of search results
//! (`store/talks.rs`, `scheduled_talks`: the talk with its abstract, its session, then every
//! talk's speakers in one more query), so an engine's figure can include what a reply costs
//! beside the engine. Bare rusqlite on a read-only connection: the bot's search path is not
//! changed here.

use std::collections::HashMap;

use anyhow::Context;
use rusqlite::Connection;

/// What a page of results shows of a talk.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundTalk {
    pub id: String,
    pub title: String,
    pub starts_at: i64,
    pub abstract_text: String,
    pub session: String,
    pub room: String,
    pub speakers: Vec<String>,
}

/// The talks with row keys `pks`, in that order.
pub fn read(conn: &Connection, pks: &[i64]) -> anyhow::Result<Vec<FoundTalk>> {
    if pks.is_empty() {
        return Ok(Vec::new());
    }
    let list = format!(
        "[{}]",
        pks.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT t.pk, t.id, t.title, t.starts_at, t.ends_at, t.kind, t.url, t.abstract,
            s.id, s.title, s.track, s.room, s.starts_at, s.ends_at
         FROM talks t JOIN sessions s ON s.pk = t.session
         WHERE t.pk IN (SELECT value FROM json_each(?1))",
    )?;
    let mut talks: HashMap<i64, FoundTalk> = stmt
        .query_map([&list], |r| {
            Ok((
                r.get(0)?,
                FoundTalk {
                    id: r.get(1)?,
                    title: r.get(2)?,
                    starts_at: r.get(3)?,
                    abstract_text: r.get(7)?,
                    session: r.get(9)?,
                    room: r.get(11)?,
                    speakers: Vec::new(),
                },
            ))
        })?
        .collect::<Result<_, _>>()
        .context("reading found talks")?;
    let mut stmt = conn.prepare_cached(
        "SELECT ts.talk, p.name FROM talk_speakers ts JOIN people p ON p.pk = ts.person
         WHERE ts.talk IN (SELECT value FROM json_each(?1)) ORDER BY ts.talk, ts.position",
    )?;
    let mut names = stmt.query([&list])?;
    while let Some(r) = names.next()? {
        if let Some(talk) = talks.get_mut(&r.get(0)?) {
            talk.speakers.push(r.get(1)?);
        }
    }
    Ok(pks.iter().filter_map(|pk| talks.remove(pk)).collect())
}
