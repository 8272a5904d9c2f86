//! `gen-program`: writes a synthetic program of any size (confbot JSON), for benchmarks and
//! load tests: `cargo run --release -p synthetic -- --talks 50000 -o program.json`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use synthetic::{write_program, GenOptions};

/// Write a synthetic program (confbot JSON) of any size, for benchmarks and load tests.
#[derive(Parser)]
#[command(name = "gen-program")]
struct Args {
    /// How many talks.
    #[arg(long)]
    talks: usize,
    /// Over how many days (1 to 28).
    #[arg(long, default_value_t = 5)]
    days: u32,
    /// How many parallel tracks, each with four sessions a day.
    #[arg(long, default_value_t = 10)]
    tracks: u32,
    /// The seed: the same seed gives the same program.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = GenOptions {
        talks: args.talks,
        days: args.days,
        tracks: args.tracks,
        seed: args.seed,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    write_program(&options, &mut out)?;
    out.flush().context("writing the program")?;
    Ok(())
}
