//! `confbot gen-program`: a synthetic program of any size, for benchmarks and load tests.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::synthetic::{write_program, GenOptions};

#[derive(Args)]
pub(super) struct GenArgs {
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

pub(super) fn gen_program(args: &GenArgs) -> anyhow::Result<()> {
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
