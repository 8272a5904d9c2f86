//! `/setup rooms create` on Discord: reads the guild's channels, asks the core
//! (`crate::commands::rooms::create`) what to make, then makes each channel through the bot's pacing
//! and records it at once, so a refusal half-way leaves only channels that are recorded and
//! listed in the answer. Without Manage Channels nothing is tried, nor while another run is
//! making a server's channels.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{ChannelType, CreateChannel, GuildId};

use super::checks::bot_has;
use super::pages::send_private;
use super::poster::{describe, SerenityPoster, Slot};
use super::{guild, Context, Error};
use crate::commands::rooms::create::{self as core, Category, Guild, NewChannel};
use crate::ids;
use crate::user_error;

/// The guild's categories, how many channels it holds and their names, as Discord lists them.
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
        names: channels
            .iter()
            .filter(|c| c.kind != ChannelType::Category)
            .map(|c| c.name.clone())
            .collect(),
        ids: channels.iter().map(|c| c.id.into()).collect(),
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
    let guild_id = guild(ctx);
    let Some(run) = ctx.data().making_rooms().start(guild_id) else {
        user_error!(
            "confbot is making the rooms' channels in this server already: wait for that \
             answer, then run this again if anything is missing. Nothing more was made."
        );
    };
    ctx.defer_ephemeral().await?;
    let http = Arc::clone(&ctx.serenity_context().http);
    let poster = SerenityPoster::new(Arc::clone(&http), ctx.data().pacer());
    let listed = poster
        .paced(Slot::Due, GuildId::from(guild_id).channels(&http))
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
    let maker = Maker {
        poster: &poster,
        http: &http,
        guild: GuildId::from(guild_id),
    };
    for (i, new) in plan.channels.iter().enumerate() {
        let created = maker.room(&plan.shelves, &mut shelves, new).await;
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
    // Done before the answer says so, so that an admin who reads it can run this again.
    drop(run);
    send_private(ctx, reply).await
}

/// What makes the channels: the guild, through the bot's pacing.
struct Maker<'a> {
    poster: &'a SerenityPoster,
    http: &'a serenity::Http,
    guild: GuildId,
}

impl Maker<'_> {
    /// Makes one channel of `kind` named `name`, in `category` if there is one.
    async fn channel(
        &self,
        name: &str,
        kind: ChannelType,
        category: Option<ids::ChannelId>,
    ) -> Result<ids::ChannelId, serenity::Error> {
        let mut builder = CreateChannel::new(name).kind(kind);
        if let Some(category) = category {
            builder = builder.category(serenity::ChannelId::from(category));
        }
        let made = self
            .poster
            .paced(Slot::Due, self.guild.create_channel(self.http, builder))
            .await?;
        Ok(made.id.into())
    }

    /// Makes one room's channel, and its category first if that is not made yet.
    async fn room(
        &self,
        plan: &[core::Shelf],
        shelves: &mut [Option<ids::ChannelId>],
        new: &NewChannel,
    ) -> Result<ids::ChannelId, serenity::Error> {
        let category = match shelves[new.shelf] {
            Some(category) => category,
            None => {
                let name = &plan[new.shelf].name;
                let made = self.channel(name, ChannelType::Category, None).await?;
                shelves[new.shelf] = Some(made);
                made
            }
        };
        let kind = if new.voice {
            ChannelType::Voice
        } else {
            ChannelType::Text
        };
        self.channel(&new.name, kind, Some(category)).await
    }
}
