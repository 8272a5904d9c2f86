//! The core commands in-process on the imported database, one call at a time: per-call
//! percentiles, and the search floor (the same ranked FTS5 query, bare through rusqlite).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use confbot::commands;
use confbot::store::{fts_query, Store};
use confbot::synthetic::{search_mix, typed_prefixes};
use rusqlite::{Connection, OpenFlags};

use crate::stats::{ms, Summary};

/// Calls per measured operation (bounded by `BUDGET` too).
const CALLS: usize = 2_000;
/// At most this long per operation.
const BUDGET: Duration = Duration::from_secs(4);

/// Tuesday 12 December 2023 at 11:30 in the generated conference's zone: ten poster
/// sessions of 250 posters are running.
pub fn conference_now() -> DateTime<Utc> {
    chrono_tz::America::Chicago
        .with_ymd_and_hms(2023, 12, 12, 11, 30, 0)
        .unwrap()
        .to_utc()
}

/// The realistic search mix on the stored program (`synthetic::search_mix`).
pub fn searches(store: &Store) -> anyhow::Result<Vec<String>> {
    let program = store.load_program()?.context("a program")?;
    Ok(search_mix(&program))
}

pub fn run(db: &Path) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let now = conference_now();
    let searches = searches(&store)?;
    println!("\nsearch mix: {searches:?}");
    println!("\nIn-process, one call at a time ({CALLS} calls or {BUDGET:?} per row):\n");
    println!("| operation | calls | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let row = |name: &str, s: &Summary| {
        println!(
            "| {name} | {} | {} | {} | {} |",
            s.n,
            ms(s.p50),
            ms(s.p99),
            ms(s.max)
        );
    };
    row(
        "next",
        &measure(|_| drop(commands::next(&store, now, 5, None))),
    );
    row(
        "next (track)",
        &measure(|_| drop(commands::next(&store, now, 5, Some("Optimization")))),
    );
    row("now", &measure(|_| drop(commands::now(&store, now))));
    row(
        "talk",
        &measure(|i| {
            drop(commands::talk(
                &store,
                &format!("paper-{:05}", i * 7 % 50_000),
            ))
        }),
    );
    let mix = measure(|i| drop(commands::search(&store, &searches[i % searches.len()])));
    row("search, realistic mix", &mix);
    let learning = measure(|_| drop(commands::search(&store, "learning")));
    row("search \"learning\" (40% of talks)", &learning);
    row(
        "search, hostile input",
        &measure(|_| {
            drop(commands::search(
                &store,
                "\"(* NEAR -OR title:{x} ^ learning",
            ))
        }),
    );
    let prefixes = typed_prefixes();
    let complete = measure(|i| {
        drop(commands::talk_choices(
            &store,
            now,
            prefixes[i % prefixes.len()],
        ));
    });
    row("autocomplete, every prefix", &complete);
    let worst = prefixes
        .iter()
        .map(|p| {
            let s = measure_n(200, |_| drop(commands::talk_choices(&store, now, p)));
            (s.p99, *p)
        })
        .max()
        .unwrap_or_default();
    println!(
        "\nslowest autocomplete prefix: {:?} (p99 {} ms)",
        worst.1,
        ms(worst.0)
    );

    // The floor: the ranked query alone, on a bare read-only connection.
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut ranked = conn.prepare(
        "SELECT rowid, bm25(talk_search, 10.0, 1.0, 5.0, 2.0) AS rank
         FROM talk_search WHERE talk_search MATCH ?1 ORDER BY rank LIMIT 50",
    )?;
    let mut floor = |text: &str| {
        let query = fts_query(text).expect("a word");
        let rows = ranked.query_map([query], |r| r.get::<_, i64>(0));
        rows.map(|r| r.count()).unwrap_or(0);
    };
    let mix_floor = measure(|i| floor(&searches[i % searches.len()]));
    let learning_floor = measure(|_| floor("learning"));
    println!("\nFloor: the same ranked FTS5 query, bare through rusqlite:\n");
    println!("| search | floor p50 ms | floor p99 ms | confbot p99 / floor p99 |");
    println!("|---|---|---|---|");
    for (name, ours, floor) in [
        ("realistic mix", &mix, &mix_floor),
        ("\"learning\"", &learning, &learning_floor),
    ] {
        println!(
            "| {name} | {} | {} | {:.2}× |",
            ms(floor.p50),
            ms(floor.p99),
            ours.p99.as_secs_f64() / floor.p99.as_secs_f64()
        );
    }
    Ok(())
}

fn measure(call: impl FnMut(usize)) -> Summary {
    measure_n(CALLS, call)
}

fn measure_n(calls: usize, mut call: impl FnMut(usize)) -> Summary {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(calls);
    for i in 0..calls {
        let t = Instant::now();
        call(i);
        samples.push(t.elapsed());
        if started.elapsed() > BUDGET {
            break;
        }
    }
    Summary::of(&mut samples)
}
