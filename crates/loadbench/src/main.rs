//! confbot's load bench: how far below Discord's limits confbot runs at conference scale.
//!
//! ```sh
//! cargo build --release -p confbot && cargo run --release -p loadbench
//! ```
//!
//! 1. **Import**: the `synthetic` generator writes a 50,000-talk program, `confbot import` stores it
//!    (wall time and the child's peak RSS).
//! 2. **In-process**: the core commands on that database, opened as the bot opens it (its
//!    search index built first, timed), one call at a time, per-call p50 / p99 / max.
//! 3. **End to end**: the release `confbot serve` binary against the loopback Discord
//!    (`crates/fake-discord`) through the real serenity client; a mix of `/next`, `/search`
//!    and `/talk` autocomplete kept 1, 50 and 500 in flight, then a burst of 1,000 at once.
//!    Latency is what the fake records: from the dispatch leaving it to the answer (a deferred
//!    command's follow-up, not its "thinking" placeholder).
//!    The bot's RSS is read from `/proc/<pid>/status` idle and after the load.
//!
//! 4. **DMs**: 5,000 and 30,000 attendees' reminders for one talk, their DM channels opened
//!    ahead, against the fake enforcing Discord's global 50 requests a second, with the
//!    announcements due at the same instant (`dm.rs`).
//!
//! 5. **Burst**: 10,000 interactions dispatched at once (`e2e::burst`); `--only-burst` runs
//!    only the import and this.
//!
//! Options: `--talks N` (default 50000), `--skip-e2e`, `--skip-inproc`, `--skip-dm`,
//! `--skip-burst`, `--dm-crowds 5000,30000` (the DM phase's crowds), `--bin PATH` (default
//! `target/release/confbot`). Everything runs on loopback and ends in about half an hour (a
//! crowd of 30,000 needs ten minutes of Discord's limit).

mod dm;
mod e2e;
mod inproc;
mod stats;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

struct Args {
    talks: usize,
    bin: PathBuf,
    inproc: bool,
    e2e: bool,
    dm: bool,
    burst: bool,
    dm_crowds: Vec<usize>,
}

fn args() -> anyhow::Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = Args {
        talks: 50_000,
        bin: root.join("target/release/confbot"),
        inproc: true,
        e2e: true,
        dm: true,
        burst: true,
        dm_crowds: vec![5_000, 30_000],
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--talks" => args.talks = it.next().context("--talks N")?.parse()?,
            "--bin" => args.bin = it.next().context("--bin PATH")?.into(),
            "--skip-e2e" => args.e2e = false,
            "--skip-inproc" => args.inproc = false,
            "--skip-dm" => args.dm = false,
            "--skip-burst" => args.burst = false,
            "--dm-crowds" => {
                args.dm_crowds = it
                    .next()
                    .context("--dm-crowds 5000,30000")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--only-burst" => (args.inproc, args.e2e, args.dm) = (false, false, false),
            other => bail!("unknown argument {other}; see the module doc of crates/loadbench"),
        }
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    anyhow::ensure!(
        args.bin.exists(),
        "{} is missing: run `cargo build --release -p confbot` first",
        args.bin.display()
    );
    let dir = tempfile::tempdir()?;
    let program = dir.path().join("program.json");
    let db = dir.path().join("confbot.sqlite3");
    println!("machine: {} cores, load {}", cores(), loadavg());

    let started = Instant::now();
    let talks = args.talks.to_string();
    let options = synthetic::GenOptions {
        talks: args.talks,
        ..synthetic::GenOptions::default()
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&program)?);
    synthetic::write_program(&options, &mut out)?;
    std::io::Write::flush(&mut out)?;
    println!(
        "generated {talks} talks ({:.0} MB of JSON) in {:.1} s",
        std::fs::metadata(&program)?.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut import = Command::new(&args.bin);
    import.arg("--db").arg(&db).arg("import").arg(&program);
    let output = import.output().context("running confbot import")?;
    anyhow::ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!(
        "\n| import of {talks} talks | {:.2} s | peak RSS {:.0} MB |",
        started.elapsed().as_secs_f64(),
        stats::children_peak_rss_kb() as f64 / 1024.0
    );

    if args.inproc {
        inproc::run(&db)?;
    }
    if args.e2e {
        e2e::run(&args.bin, &db, &program)?;
    }
    if args.dm {
        dm::run(&args.bin, &db, &args.dm_crowds)?;
    }
    if args.burst {
        e2e::burst(&args.bin, &db, &program)?;
    }
    Ok(())
}

/// Runs `confbot ARGS PATH`, failing with its stderr.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
