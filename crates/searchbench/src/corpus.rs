//! The program every engine is measured on and the inputs they all get: `confbot gen-program`'s
//! generator (seed 1), stored through `Store::replace_program` as `confbot import` stores it;
//! the realistic search mix and the typed autocomplete prefixes, drawn as `crates/loadbench`
//! draws them (`inproc::searches`, `inproc::TYPED`), so the figures compare with its own.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use confbot::program::{import_str, ImportOptions};
use confbot::store::Store;
use confbot::synthetic::{program_json, GenOptions};
use rusqlite::Connection;

/// The word found in 40% of the talks (`synthetic::LEARNING_SHARE`), as the load bench asks.
pub const COMMON_WORD: &str = "learning";

/// What an attendee types into `/talk`, one keystroke at a time: every prefix of these.
pub const TYPED: [&str; 5] = [
    "transformer",
    "generalization",
    "we demonstrate",
    "graph neural",
    "kai zhang",
];

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

/// The realistic search mix: words of a title half remembered, a speaker's name, a method's
/// name, a topic, a prefix (as `loadbench::inproc::searches`).
pub fn searches(store: &Store) -> anyhow::Result<Vec<String>> {
    let program = store.load_program()?.context("a program")?;
    let talks: Vec<_> = program.talks().collect();
    let mut mix = Vec::new();
    for i in [101, 12_345, 33_333] {
        let words: Vec<&str> = talks[i % talks.len()].title.split(' ').collect();
        mix.push(words[words.len() - 2..].join(" "));
    }
    for i in [7, 25_000] {
        mix.push(talks[i % talks.len()].speakers[0].name.clone());
    }
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for talk in &talks {
        for word in talk.title.split(|c: char| !c.is_alphanumeric()) {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    let rare = counts
        .into_iter()
        .filter(|(w, n)| (2..=6).contains(n) && w.len() > 6)
        .map(|(w, _)| w);
    mix.extend(rare.take(2));
    mix.extend(["diffusion", "privacy", "gener"].map(String::from));
    Ok(mix)
}

/// Every prefix of every typed phrase, from one letter.
pub fn typed_prefixes() -> Vec<&'static str> {
    TYPED
        .iter()
        .flat_map(|phrase| (1..=phrase.len()).map(move |n| &phrase[..n]))
        .collect()
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
