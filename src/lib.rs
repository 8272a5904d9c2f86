//! confbot: a Discord bot for conference communities.
//!
//! Data flows one way (see `docs/ARCHITECTURE.md`): a program file is imported by
//! [`program`] into a validated [`program::Program`], stored by [`store`] in SQLite, and read by
//! the core [`commands`], which answer with a plain-data [`reply::Reply`] that the CLI prints as
//! text (and the Discord layer renders as embeds).

pub mod agenda;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod discord;
pub mod error;
pub mod events;
pub mod format;
pub mod ics;
pub mod ids;
pub mod ops;
pub mod post;
pub mod program;
pub mod qa;
pub mod reminders;
pub mod reply;
pub mod source;
pub mod store;
pub mod synthetic;
#[cfg(test)]
mod testing;

/// The program confbot starts with when its database is empty: ICLR 2021, Tuesday 4 May.
pub const DEFAULT_PROGRAM: &str = include_str!("../data/iclr2021-tue-4-may.json");
/// The name the default program goes by in messages.
pub const DEFAULT_PROGRAM_NAME: &str = "data/iclr2021-tue-4-may.json";

/// The largest program file confbot reads, uploaded or fetched (50,000 talks of JSON is about
/// 40 MB).
pub const MAX_PROGRAM_BYTES: u64 = 50 << 20;
