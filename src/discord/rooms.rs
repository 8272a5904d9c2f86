//! `/setup rooms create` on Discord: reads the guild's channels, asks the core
//! (`crate::commands::rooms`) what to make, then makes each channel through the bot's pacing
//! and records it at once, so a refusal half-way leaves only channels that are recorded and
//! listed in the answer. Without Manage Channels nothing is tried.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{ChannelType, CreateChannel, GuildId};

use super::checks::bot_has;
use super::pages::send_private;
use super::poster::{describe, SerenityPoster};
use super::{guild, Context, Error};
use crate::commands::rooms::{self as core, Category, Guild, NewChannel};
use crate::ids;
use crate::user_error;

/// The guild's categories and how many channels it holds, as Discord lists them.
fn summary(channels: &[serenity::GuildChannel]) -> Guild {
    let categories = channels
        .iter()
        .filter(|c| c.kind == ChannelType::Category)
        .map(|c| Category {
            id: c.id.into(),
            name: c.name.clone(),
            channels: channels
                .iter()
                .filter(|o| o.parent_id == Some(c.id))
                .count(),
        })
        .collect();
    Guild {
        categories,
        channels: channels.len(),
    }
}

/// Make a channel for every room of the program: its chat, and its voice if asked (admins)
#[poise::command(slash_command, guild_only, rename = "create")]
pub async fn rooms_create(
    ctx: Context<'_>,
    #[description = "The category they go in (default: the conference's name)"]
    #[max_length = 90]
    category: Option<String>,
    #[description = "Also a voice channel for each room (default: no)"] voice: Option<bool>,
) -> Result<(), Error> {
    if !bot_has(ctx, serenity::Permissions::MANAGE_CHANNELS) {
        user_error!(
            "confbot needs the **Manage Channels** permission to make the rooms' channels. \
             Grant it to confbot's role and run this again; nothing was made."
        );
    }
    ctx.defer_ephemeral().await?;
    let guild_id = guild(ctx);
    let http = Arc::clone(&ctx.serenity_context().http);
    let poster = SerenityPoster::new(Arc::clone(&http), ctx.data().pacer());
    let listed = poster
        .paced(None, GuildId::from(guild_id).channels(&http))
        .await?;
    let listed: Vec<serenity::GuildChannel> = listed.into_values().collect();
    let guild_now = summary(&listed);
    let voice = voice.unwrap_or(false);
    let plan = ctx
        .data()
        .run(move |store, _| core::plan(store, guild_id, category.as_deref(), voice, &guild_now))
        .await?;
    let mut shelves: Vec<Option<ids::ChannelId>> =
        plan.shelves.iter().map(|s| s.existing).collect();
    let mut made: Vec<(NewChannel, ids::ChannelId)> = Vec::new();
    let mut failure = None;
    for (i, new) in plan.channels.iter().enumerate() {
        let created = make(&poster, &http, guild_id, &plan.shelves, &mut shelves, new).await;
        match created {
            Ok(channel) => {
                let recorded = new.clone();
                ctx.data()
                    .run(move |store, _| Ok(core::record(store, guild_id, &recorded, channel)?))
                    .await?;
                made.push((new.clone(), channel));
            }
            Err(error) => {
                tracing::warn!(guild = %guild_id, error = %describe(&error), "a room's channel was not made");
                failure = Some((describe(&error), plan.channels.len() - i));
                break;
            }
        }
    }
    let reply = match &failure {
        Some((why, left)) => core::report(&made, Some(why), *left),
        None => core::report(&made, None, 0),
    };
    send_private(ctx, reply).await
}

/// Makes one room's channel, and its category first if that is not made yet.
async fn make(
    poster: &SerenityPoster,
    http: &serenity::Http,
    guild_id: ids::GuildId,
    plan: &[core::Shelf],
    shelves: &mut [Option<ids::ChannelId>],
    new: &NewChannel,
) -> Result<ids::ChannelId, serenity::Error> {
    let guild = GuildId::from(guild_id);
    let category = match shelves[new.shelf] {
        Some(category) => category,
        None => {
            let builder = CreateChannel::new(&plan[new.shelf].name).kind(ChannelType::Category);
            let made: ids::ChannelId = poster
                .paced(None, guild.create_channel(http, builder))
                .await?
                .id
                .into();
            shelves[new.shelf] = Some(made);
            made
        }
    };
    let kind = if new.voice {
        ChannelType::Voice
    } else {
        ChannelType::Text
    };
    let builder = CreateChannel::new(&new.name)
        .kind(kind)
        .category(serenity::ChannelId::from(category));
    let made = poster
        .paced(None, guild.create_channel(http, builder))
        .await?;
    Ok(made.id.into())
}
