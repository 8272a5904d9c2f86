//! `confbot status`: for someone on the server over SSH, what `/setup show`, `/announce
//! pending` and `/program status` would say, read from the database alone (no Discord, no
//! token): the program, each server's channels with their last post and error, the Events
//! mirror, the announcements and DM reminders due next, and the live source.

use chrono::{DateTime, Utc};

use crate::commands::{self, CommandResult};
use crate::error::CommandError;
use crate::jobs::delivery::Rules;
use crate::reply::Reply;
use crate::source::Settings as SourceSettings;
use crate::store::Store;

/// The report, as the replies the CLI prints one after the other.
pub fn report(
    store: &Store,
    rules: &Rules,
    source: Option<&SourceSettings>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Reply>> {
    let mut out = Vec::new();
    let mut add = |result: CommandResult| -> anyhow::Result<()> {
        match result {
            Ok(reply) => out.push(reply),
            // A user error here says why there is nothing to show ("no live source").
            Err(CommandError::User(message)) => {
                out.push(Reply::new("Live source").description(message.0))
            }
            Err(CommandError::Internal(error)) => return Err(error),
        }
        Ok(())
    };
    if store.conference()?.is_none() {
        add(Ok(Reply::new("No program").description(
            "The database holds no program yet: `confbot import FILE`.",
        )))?;
    } else {
        add(commands::about(store))?;
    }
    let guilds = store.announcing_guilds()?;
    if guilds.is_empty() {
        add(Ok(Reply::new("No server set up").description(
            "No server has an announcements channel yet: `/setup announcements` on Discord, \
             or CONFBOT_ANNOUNCE_CHANNEL_ID.",
        )))?;
    }
    for guild in guilds {
        add(Ok(Reply::new(format!("Server {}", guild.guild_id))))?;
        add(commands::setup::show(store, guild.guild_id, rules))?;
        add(commands::setup::pending(store, guild.guild_id, rules, now))?;
    }
    if store.conference()?.is_some() {
        add(commands::setup::pending_dms(store, now))?;
    }
    // Without a source, `/program status` says so as a user error.
    add(commands::program::status(store, source))?;
    Ok(out)
}
