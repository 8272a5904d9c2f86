//! The core of every slash command, without Discord: each command is a plain function of the
//! store, the time `now` (where it matters) and typed arguments, returning a [`Reply`] or a
//! [`CommandError`]. The Discord wrappers and the CLI's `ask` both call these, so what a user
//! sees can be tested here at a fixed `now`.
//!
//! One file per command (`rooms.rs`: `/setup rooms create`); how times, talks and people are written is `crate::format`.

mod about;
pub mod agenda;
mod autocomplete;
pub mod export;
pub mod feedback;
pub mod mirror;
mod next;
mod now;
pub mod program;
pub mod qa;
pub mod rooms;
mod schedule;
mod search;
pub mod setup;
mod speaker;
pub mod stats;
mod talk;

pub use about::about;
pub use autocomplete::{day_choices, speaker_choices, talk_choices, track_choices};
pub use next::{next, DEFAULT_COUNT, MAX_COUNT};
pub use now::now;
pub use schedule::{conference_days, schedule, schedule_pictures};
pub use search::search;
pub use speaker::speaker;
pub use talk::talk;

use crate::error::CommandError;
use crate::program::Conference;
use crate::reply::Reply;
use crate::store::{ScheduledTalk, Store};
use crate::user_error;

/// What every command returns.
pub type CommandResult = Result<Reply, CommandError>;

/// The conference, or a user error if no program has been imported yet.
fn conference(store: &Store) -> Result<Conference, CommandError> {
    match store.conference()? {
        Some(conference) => Ok(conference),
        None => {
            user_error!(
                "No program is loaded yet. An organiser can load one with `confbot import`."
            )
        }
    }
}

/// The talk an option names (its id, as autocomplete gives it), or a user error saying how to
/// find one.
fn known_talk(store: &Store, id: &str) -> Result<ScheduledTalk, CommandError> {
    let id = id.trim();
    match store.talk(id)? {
        Some(row) => Ok(row),
        None => user_error!(
            "There is no talk with id `{}`. Pick one from the suggestions, or find it with `/search`.",
            crate::reply::truncate(id, 100)
        ),
    }
}

#[cfg(test)]
mod tests;
