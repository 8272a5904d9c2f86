//! `cargo bench`: confbot's store and commands at conference scale, next to their floor.
//!
//! - `import/N`: reading a generated N-talk program (JSON parse, validation) and storing it in
//!   a new database file.
//! - `query/*` at 50,000 talks: the core commands as the bot runs them (`next`, `now`, `search`
//!   over a mix of queries, `talk`, autocomplete; searches from the index the bot keeps), and
//!   `render/*`: a full reply split into pages and serialised as Discord's JSON.
//! - `floor/*`: the SQL of `next` and `talk` run directly through rusqlite with no confbot code
//!   around it (one prepared connection), so those read as a ratio to their floor; and FTS5's
//!   ranked search and autocomplete lookups bare, what answers while the bot's index is rebuilt.
//!
//! The database is generated once per run (the `synthetic` crate, 50,000 talks, seed 1) in a temporary
//! directory. `docs/PERFORMANCE.md` has the figures and how to read them.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use confbot::commands;
use confbot::program::{import_str, ImportOptions};
use confbot::store::{fts_query, Store};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rusqlite::{params, Connection, OpenFlags};
use synthetic::{program_json, GenOptions};

const TALKS: usize = 50_000;

fn options(talks: usize) -> GenOptions {
    GenOptions {
        talks,
        ..GenOptions::default()
    }
}

/// Tuesday 12 December 2023 at `hour:minute` in the generated conference's zone.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Chicago
        .with_ymd_and_hms(2023, 12, 12, hour, minute, 0)
        .unwrap()
        .to_utc()
}

/// The search mix: a common word, the 40% word, a rare word, a prefix, no match, hostile input.
fn queries(rare: &str) -> Vec<(&'static str, String)> {
    vec![
        ("common", "neural network".to_string()),
        ("learning", "learning".to_string()),
        ("rare", rare.to_string()),
        ("prefix", "gener".to_string()),
        ("no_match", "zzyzx quokka".to_string()),
        (
            "hostile",
            "\"learning\" OR NEAR(model* -title:{x}) ^ AND".to_string(),
        ),
    ]
}

/// A word of the titles found in only a few talks, for the rare-word search.
fn rare_word(store: &Store) -> String {
    let program = store.load_program().unwrap().unwrap();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for talk in program.talks() {
        for word in talk.title.split(|c: char| !c.is_alphanumeric()) {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .find(|(word, n)| (3..=8).contains(n) && word.len() >= 6)
        .map(|(word, _)| word)
        .expect("a rare title word")
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for talks in [1_000, 10_000, TALKS] {
        let json = program_json(&options(talks)).unwrap();
        group.measurement_time(Duration::from_secs(if talks == TALKS { 60 } else { 10 }));
        group.bench_function(talks.to_string(), |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let program = import_str("bench", &json, &ImportOptions::default())
                        .unwrap()
                        .program;
                    let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
                    store.replace_program(&program).unwrap();
                    dir
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn queries_at_scale(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).unwrap();
    let json = program_json(&options(TALKS)).unwrap();
    let program = import_str("bench", &json, &ImportOptions::default())
        .unwrap()
        .program;
    store.replace_program(&program).unwrap();
    store.keep_search_index().unwrap();
    drop((json, program));
    let rare = rare_word(&store);
    let now = at(11, 30);

    let mut group = c.benchmark_group("query");
    group.bench_function("next", |b| {
        b.iter(|| commands::next(&store, None, black_box(now), 5, None).unwrap())
    });
    group.bench_function("next_track", |b| {
        b.iter(|| commands::next(&store, None, black_box(now), 5, Some("Optimization")).unwrap())
    });
    group.bench_function("now", |b| {
        b.iter(|| commands::now(&store, None, black_box(now)).unwrap())
    });
    group.bench_function("talk", |b| {
        b.iter(|| commands::talk(&store, None, black_box("paper-12345"), now).unwrap())
    });
    for (name, query) in queries(&rare) {
        group.bench_function(format!("search_{name}"), |b| {
            b.iter(|| commands::search(&store, black_box(&query)).unwrap())
        });
    }
    for prefix in ["t", "tr", "tra", "transf", "we", "graph neu", "zhang"] {
        group.bench_function(format!("autocomplete_{}", prefix.replace(' ', "_")), |b| {
            b.iter(|| commands::talk_choices(&store, now, black_box(prefix)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render");
    let reply = commands::search(&store, "learning").unwrap();
    group.bench_function("search_50_results", |b| {
        b.iter(|| {
            let count = black_box(&reply).page(5, 0).count;
            let bytes: usize = (0..count)
                .map(|i| {
                    let page = reply.page(5, i).reply;
                    serde_json::to_vec(&confbot::discord::render::embed(&page))
                        .unwrap()
                        .len()
                })
                .sum();
            bytes
        })
    });
    group.finish();

    floor(c, &path, &rare, now);
}

/// The SQL behind the commands, bare: one read-only connection, prepared statements, rows read
/// into tuples and dropped.
fn floor(c: &mut Criterion, path: &Path, rare: &str, now: DateTime<Utc>) {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut group = c.benchmark_group("floor");
    let ranked = "SELECT rowid, bm25(talk_search, 10.0, 1.0, 5.0, 2.0) AS rank
                  FROM talk_search WHERE talk_search MATCH ?1 ORDER BY rank LIMIT 50";
    for (name, query) in queries(rare) {
        let Some(fts) = fts_query(&query) else {
            continue;
        };
        group.bench_function(format!("search_{name}"), |b| {
            let mut stmt = conn.prepare(ranked).unwrap();
            b.iter(|| {
                stmt.query_map([&fts], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?)))
                    .unwrap()
                    .count()
            })
        });
    }
    group.bench_function("next", |b| {
        let mut stmt = conn
            .prepare(
                "SELECT t.id, t.title, t.starts_at, s.title FROM talks t
                 JOIN sessions s ON s.pk = t.session
                 WHERE t.starts_at > ?1 ORDER BY t.starts_at, t.pk LIMIT 5",
            )
            .unwrap();
        b.iter(|| {
            stmt.query_map([now.timestamp()], |r| r.get::<_, String>(0))
                .unwrap()
                .count()
        })
    });
    group.bench_function("autocomplete_t", |b| {
        let mut stmt = conn
            .prepare("SELECT rowid FROM talk_search WHERE talk_search MATCH ?1 LIMIT 25")
            .unwrap();
        b.iter(|| {
            stmt.query_map(["{title speakers}: (\"t\"*)"], |r| r.get::<_, i64>(0))
                .unwrap()
                .count()
        })
    });
    group.bench_function("talk", |b| {
        let mut stmt = conn
            .prepare("SELECT id, title, abstract FROM talks WHERE id = ?1")
            .unwrap();
        b.iter(|| {
            stmt.query_row(params!["paper-12345"], |r| r.get::<_, String>(1))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = queries_at_scale, import
}
criterion_main!(benches);
