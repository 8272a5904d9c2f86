//! The program every engine is measured on and the inputs they all get: the `synthetic` crate's
//! generator (seed 1), stored through `Store::replace_program` as `confbot import` stores it;
//! the realistic search mix and the typed autocomplete prefixes, the load bench's too
//! (`synthetic::search_mix`, `typed_prefixes`), so the figures compare with its own.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use confbot::program::{import_str, ImportOptions};
use confbot::store::Store;
use rusqlite::Connection;
use synthetic::{program_json, search_mix, GenOptions, TalkText};

/// The word found in 40% of the talks (`synthetic::LEARNING_SHARE`), as the load bench asks.
pub const COMMON_WORD: &str = "learning";

/// Generates the `talks`-talk program and stores it in a new database at `db`; returns how
/// long the import (parse, validate, store) took.
pub fn create(db: &Path, talks: usize) -> anyhow::Result<Duration> {
    let json = program_json(&GenOptions {
        talks,
        ..GenOptions::default()
    })?;
    let started = Instant::now();
    let program = import_str("searchbench", &json, &ImportOptions::default())?.program;
    drop(json);
    Store::open(db)?.replace_program(&program)?;
    Ok(started.elapsed())
}

/// The realistic search mix on the stored program (`synthetic::search_mix`).
pub fn searches(store: &Store) -> anyhow::Result<Vec<String>> {
    let program = store.load_program()?.context("a program")?;
    let talks: Vec<TalkText> = program
        .talks()
        .map(|t| TalkText {
            title: &t.title,
            speaker: &t.speakers[0].name,
        })
        .collect();
    Ok(search_mix(&talks))
}

/// A talk's text as the search index holds it: the very columns and text `store/program.rs`
/// (`index_talks`) gives FTS5.
#[derive(Debug, Clone)]
pub struct IndexedTalk {
    pub pk: i64,
    pub title: String,
    pub abstract_text: String,
    pub speakers: String,
    pub session: String,
}

/// Every talk's indexed text, in row-key order (the text migration 09 rebuilds FTS5 from).
pub fn indexed_talks(conn: &Connection) -> anyhow::Result<Vec<IndexedTalk>> {
    let mut stmt = conn.prepare(
        "SELECT t.pk, t.title, t.abstract,
            ifnull((SELECT string_agg(p.name, ', ' ORDER BY ts.position)
                    FROM talk_speakers ts JOIN people p ON p.pk = ts.person WHERE ts.talk = t.pk), ''),
            s.title
         FROM talks t JOIN sessions s ON s.pk = t.session ORDER BY t.pk",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(IndexedTalk {
            pk: r.get(0)?,
            title: r.get(1)?,
            abstract_text: r.get(2)?,
            speakers: r.get(3)?,
            session: r.get(4)?,
        })
    })?;
    rows.collect::<Result<_, _>>()
        .context("reading the talks' indexed text")
}
