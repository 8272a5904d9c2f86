//! The core commands in-process on the imported database, opened as the bot opens it (searches
//! from the index it keeps, built first and timed), one call at a time: per-call percentiles.
//! FTS5's search beside it is `crates/searchbench`'s.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use confbot::commands;
use confbot::store::Store;
use synthetic::{search_mix, typed_prefixes, TalkText};

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
    let talks: Vec<TalkText> = program
        .talks()
        .map(|t| TalkText {
            title: &t.title,
            speaker: &t.speakers[0].name,
        })
        .collect();
    Ok(search_mix(&talks))
}

pub fn run(db: &Path) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let started = Instant::now();
    store.keep_search_index()?;
    println!(
        "\nthe bot's search index built in {:.2} s",
        started.elapsed().as_secs_f64()
    );
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
        &measure(|_| drop(commands::next(&store, None, now, 5, None))),
    );
    row(
        "next (track)",
        &measure(|_| drop(commands::next(&store, None, now, 5, Some("Optimization")))),
    );
    row("now", &measure(|_| drop(commands::now(&store, None, now))));
    row(
        "talk",
        &measure(|i| {
            drop(commands::talk(
                &store,
                None,
                &format!("paper-{:05}", i * 7 % 50_000),
                now,
            ))
        }),
    );
    row(
        "search, realistic mix",
        &measure(|i| drop(commands::search(&store, &searches[i % searches.len()]))),
    );
    row(
        "search \"learning\" (40% of talks)",
        &measure(|_| drop(commands::search(&store, "learning"))),
    );
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
