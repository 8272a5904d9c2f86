//! Search engines side by side (issue 16): `Store::search` and `Store::talk_choices` answering
//! with FTS5 alone (as `confbot import` opens the database) and from the search index the bot
//! keeps (`store/talk_index.rs`, tantivy), on the same generated program with the same inputs.
//!
//! ```sh
//! cargo run --release -p searchbench     # 50,000 talks; --talks N, --dir PATH (kept)
//! ```
//!
//! Each step runs in a process of its own (this binary again, with the step's name), so the
//! memory each reports is its own: `setup` generates and imports the program (as `confbot
//! import`) and builds FTS5's search index alone into a file of its own, for its build time
//! and size; `query fts5` and `query index` open the store (the second building the kept
//! index, timed) and answer the realistic mix, the 40% word and every autocomplete prefix, one
//! call at a time, each with the talks a reply shows. No engine caches results.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, TimeZone, Utc};
use confbot::store::{fts_query, ScheduledTalk, Store};
use rusqlite::{Connection, OpenFlags};
use searchbench::corpus::{self, IndexedTalk, COMMON_WORD};
use searchbench::stats::{measure, memory, ms, size_mb, Timing, CALLS};
use synthetic::typed_prefixes;

/// The results the bot asks the store for (`MAX_RESULTS` in `commands/search.rs`, private to
/// it), and autocomplete's choices.
const PAGE: usize = 50;
const CHOICES: usize = confbot::reply::limits::AUTOCOMPLETE_CHOICES;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["setup", dir, talks] => setup(Path::new(dir), talks.parse()?),
        ["query", "fts5", dir] => query_fts5(Path::new(dir)),
        ["query", "index", dir] => query_index(Path::new(dir)),
        _ => run_all(&args),
    }
}

fn run_all(args: &[&str]) -> anyhow::Result<()> {
    let mut talks = 50_000usize;
    let mut kept: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "--talks" => talks = it.next().context("--talks N")?.parse()?,
            "--dir" => kept = Some(PathBuf::from(it.next().context("--dir PATH")?)),
            other => bail!("unknown argument {other:?} (--talks N, --dir PATH)"),
        }
    }
    let temp = tempfile::tempdir()?;
    let dir = match &kept {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            anyhow::ensure!(
                std::fs::read_dir(dir)?.next().is_none(),
                "{} is not empty",
                dir.display()
            );
            dir.clone()
        }
        None => temp.path().to_path_buf(),
    };
    let dir = dir.to_str().context("a UTF-8 directory")?.to_string();
    let talks = talks.to_string();
    for step in [
        vec!["setup", &dir, &talks],
        vec!["query", "fts5", &dir],
        vec!["query", "index", &dir],
    ] {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "\n## {} (load average before: {})",
            step.join(" "),
            load.trim()
        );
        let status = Command::new(std::env::current_exe()?)
            .args(&step)
            .status()?;
        anyhow::ensure!(status.success(), "step {step:?} failed: {status}");
    }
    Ok(())
}

fn db(dir: &Path) -> PathBuf {
    dir.join("confbot.sqlite3")
}

/// The search mix, drawn once by `setup` and kept in a file: drawing it loads the whole program,
/// which would stay in the memory of the step measuring an engine.
fn mix_file(dir: &Path) -> PathBuf {
    dir.join("mix.txt")
}

fn read_mix(dir: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(mix_file(dir))?;
    Ok(text.lines().map(String::from).collect())
}

fn print_memory(when: &str) {
    let m = memory();
    println!(
        "- RSS {when}: {:.0} MB ({:.0} MB heap, {:.0} MB mapped files; peak so far {:.0} MB)",
        m.rss, m.anon, m.file, m.peak
    );
}

fn setup(dir: &Path, talks: usize) -> anyhow::Result<()> {
    let import = corpus::create(&db(dir), talks)?;
    println!("- generated and imported {talks} talks in {import:.2?} (the bot's whole import)");
    print_memory("after the import");
    std::fs::write(
        mix_file(dir),
        corpus::searches(&Store::open(&db(dir))?)?.join("\n"),
    )?;
    let conn = Connection::open(db(dir))?;
    let started = Instant::now();
    let indexed = corpus::indexed_talks(&conn)?;
    println!(
        "- read the talks' indexed text back in {:.2?}",
        started.elapsed()
    );
    let common: i64 = conn.query_row(
        "SELECT count(*) FROM talk_search WHERE talk_search MATCH ?1",
        [fts_query(COMMON_WORD)],
        |r| r.get(0),
    )?;
    println!(
        "- {COMMON_WORD:?} matches {common} of {} talks ({:.0}%)",
        indexed.len(),
        common as f64 * 100.0 / indexed.len() as f64
    );
    let path = dir.join("fts5-only.sqlite3");
    let started = Instant::now();
    fts5_only(&path, &indexed)?;
    println!(
        "- FTS5: the search index alone (`talk_search`, as the migration declares it) built in \
         {:.2?}, {:.1} MB on disk (the bot's whole database: {:.1} MB)",
        started.elapsed(),
        size_mb(&path),
        size_mb(&db(dir))
    );
    Ok(())
}

/// `talk_search` in a file of its own, written as `Store::replace_program` writes it (one
/// transaction, FTS5's 32 MB write buffer), for its build time and size alone.
fn fts5_only(path: &Path, talks: &[IndexedTalk]) -> anyhow::Result<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "CREATE VIRTUAL TABLE talk_search USING fts5 (
            title, abstract, speakers, session,
            content = '', tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO talk_search (talk_search, rank) VALUES ('hashsize', 33554432);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO talk_search (rowid, title, abstract, speakers, session) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for t in talks {
            insert.execute((t.pk, &t.title, &t.abstract_text, &t.speakers, &t.session))?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Tuesday 12 December 2023 at 11:30 in the generated conference's zone (as the load bench):
/// autocomplete needs a `now` only for empty text.
fn conference_now() -> DateTime<Utc> {
    chrono_tz::America::Chicago
        .with_ymd_and_hms(2023, 12, 12, 11, 30, 0)
        .unwrap()
        .to_utc()
}

fn table_header() {
    println!("\n| operation | calls | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms |");
    println!("|---|---|---|---|---|---|---|");
}

fn row(name: &str, t: &Timing) {
    println!(
        "| {name} | {} | {} | {} | {} | {} | {} |",
        t.wall.n,
        ms(t.wall.p50),
        ms(t.wall.p99),
        ms(t.wall.max),
        ms(t.cpu.p50),
        ms(t.cpu.p99)
    );
}

/// Each query of the mix alone (200 calls each).
fn per_query(mix: &[String], mut call: impl FnMut(&str)) {
    println!("\n| query of the mix | p50 ms | p99 ms | CPU p99 ms |");
    println!("|---|---|---|---|");
    for q in mix {
        let t = measure(200, |_| call(q));
        println!(
            "| {q:?} | {} | {} | {} |",
            ms(t.wall.p50),
            ms(t.wall.p99),
            ms(t.cpu.p99)
        );
    }
}

fn query_fts5(dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&db(dir))?;
    print_memory("after opening the store");
    let mix = read_mix(dir)?;
    let prefixes = typed_prefixes();
    let now = conference_now();
    println!("\nsearch mix: {mix:?}");
    table_header();
    let search = |q: &str| drop(store.search(q, PAGE).expect("search"));
    row(
        "FTS5 (`Store::search`, the bot): realistic mix",
        &measure(CALLS, |i| search(&mix[i % mix.len()])),
    );
    row(
        &format!("FTS5 (`Store::search`): {COMMON_WORD:?}"),
        &measure(CALLS, |_| search(COMMON_WORD)),
    );
    row(
        "FTS5 (`Store::talk_choices`): autocomplete, every prefix",
        &measure(CALLS, |i| {
            drop(
                store
                    .talk_choices(prefixes[i % prefixes.len()], now, CHOICES)
                    .expect("choices"),
            )
        }),
    );
    // The floor: the ranked query alone on a bare read-only connection (the load bench's).
    let conn = Connection::open_with_flags(db(dir), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut ranked = conn.prepare(
        "SELECT rowid, bm25(talk_search, 10.0, 1.0, 5.0, 2.0) AS rank
         FROM talk_search WHERE talk_search MATCH ?1 ORDER BY rank LIMIT ?2",
    )?;
    let mut floor = |text: &str| {
        let rows = ranked.query_map((fts_query(text), PAGE as i64), |r| r.get::<_, i64>(0));
        rows.map(|r| r.count()).expect("ranked query");
    };
    row(
        "FTS5 ranked query alone (the floor): realistic mix",
        &measure(CALLS, |i| floor(&mix[i % mix.len()])),
    );
    row(
        &format!("FTS5 ranked query alone: {COMMON_WORD:?}"),
        &measure(CALLS, |_| floor(COMMON_WORD)),
    );
    per_query(&mix, search);
    print_memory("after the queries");
    Ok(())
}

fn query_index(dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&db(dir))?;
    print_memory("after opening the store");
    let started = Instant::now();
    store.keep_search_index()?;
    println!(
        "- the kept search index (tantivy) built in {:.2?}",
        started.elapsed()
    );
    anyhow::ensure!(store.search_index_is_current()?, "the index is in use");
    print_memory("after building the index");
    let mix = read_mix(dir)?;
    let prefixes = typed_prefixes();
    let now = conference_now();
    table_header();
    let search = |q: &str| drop(store.search(q, PAGE).expect("search"));
    row(
        "index (`Store::search`, the bot): realistic mix",
        &measure(CALLS, |i| search(&mix[i % mix.len()])),
    );
    row(
        &format!("index (`Store::search`): {COMMON_WORD:?}"),
        &measure(CALLS, |_| search(COMMON_WORD)),
    );
    row(
        "index (`Store::talk_choices`): autocomplete, every prefix",
        &measure(CALLS, |i| {
            drop(
                store
                    .talk_choices(prefixes[i % prefixes.len()], now, CHOICES)
                    .expect("choices"),
            )
        }),
    );
    per_query(&mix, search);
    print_memory("after the queries");
    agreement(&store, &Store::open(&db(dir))?, &mix)
}

/// How far the index's top 50 agree with FTS5's: the talks both put in the top 50, the first
/// talk of each (as the reply shows them first), and how many of each top 50 have every word in
/// their title.
fn agreement(indexed: &Store, fts5: &Store, mix: &[String]) -> anyhow::Result<()> {
    println!(
        "\n| query | in both top {PAGE} | same first talk | title holds every word: index / FTS5 |"
    );
    println!("|---|---|---|---|");
    let in_title = |q: &str, talks: &[ScheduledTalk]| -> usize {
        let typed = words(q);
        talks
            .iter()
            .filter(|t| {
                let title = words(&t.talk.title);
                typed
                    .iter()
                    .all(|w| title.iter().any(|t| t.starts_with(w.as_str())))
            })
            .count()
    };
    let ids = |talks: &[ScheduledTalk]| -> Vec<String> {
        talks.iter().map(|t| t.talk.id.to_string()).collect()
    };
    for q in mix.iter().map(String::as_str).chain([COMMON_WORD]) {
        let (_, theirs) = fts5.search(q, PAGE)?;
        let (_, ours) = indexed.search(q, PAGE)?;
        let (theirs_ids, ours_ids) = (ids(&theirs), ids(&ours));
        let both = ours_ids.iter().filter(|id| theirs_ids.contains(id)).count();
        let first = if ours_ids.first() == theirs_ids.first() {
            "yes"
        } else {
            "no"
        };
        println!(
            "| {q:?} | {both} of {} | {first} | {} / {} |",
            theirs.len(),
            in_title(q, &ours),
            in_title(q, &theirs)
        );
    }
    Ok(())
}

/// The words of `text`, lowercased (the generated titles have no accents to fold).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}
