//! confbot: a Discord bot for conference communities.
//!
//! Data flows one way (see `docs/ARCHITECTURE.md`): a program file is imported by
//! [`program`] into a validated [`program::Program`], stored by [`store`] in SQLite, and read by
//! the core [`commands`], which answer with a plain-data [`reply::Reply`] that the CLI prints as
//! text (and the Discord layer renders as embeds).

pub mod cli;
pub mod clock;
pub mod commands;
pub mod discord;
pub mod domain;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod ops;
pub mod picture;
pub mod program;
pub mod reply;
pub mod source;
pub mod store;
#[cfg(test)]
mod testing;

/// The program confbot starts with when its database is empty: ICLR 2021, Tuesday 4 May.
pub const DEFAULT_PROGRAM: &str = include_str!("../data/iclr2021-tue-4-may.json");
/// The name the default program goes by in messages.
pub const DEFAULT_PROGRAM_NAME: &str = "data/iclr2021-tue-4-may.json";

/// The default program, read: what an empty database starts with (and what tests use).
pub fn bundled_program() -> anyhow::Result<program::Imported> {
    use anyhow::Context;
    program::import_str(
        DEFAULT_PROGRAM_NAME,
        DEFAULT_PROGRAM,
        &program::ImportOptions::default(),
    )
    .context("reading the bundled program")
}

/// The largest program file confbot reads, uploaded or fetched (50,000 talks of JSON is about
/// 40 MB).
pub const MAX_PROGRAM_BYTES: u64 = 50 << 20;
