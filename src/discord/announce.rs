//! `/announce` (admins): the announcements coming up, and a test post into every configured
//! channel to check that confbot may post there.

use std::sync::Arc;

use super::checks::manage_guild;
use super::pages::{run_private, send_private};
use super::poster::SerenityPoster;
use super::{guild, Context, Error};
use crate::commands::setup as core;
use crate::domain::ports::{Outgoing, Poster};
use crate::ids::Nonce;
use crate::reply::{Reply, Text};

/// Session announcements: what is coming up, and a test post (admins)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "manage_guild",
    subcommands("pending", "test"),
    subcommand_required
)]
pub async fn announce(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The next announcements, with their times and channels
#[poise::command(slash_command, guild_only)]
async fn pending(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild(ctx);
    let rules = ctx.data().rules().clone();
    run_private(ctx, move |store, now| {
        core::pending(store, guild, &rules, now)
    })
    .await
}

/// Post a sample announcement into each configured channel, to check permissions
#[poise::command(slash_command, guild_only)]
async fn test(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild(ctx);
    ctx.defer_ephemeral().await?;
    let (channels, sample) = ctx
        .data()
        .run(move |store, now| core::sample(store, guild, now))
        .await?;
    let poster = SerenityPoster::new(Arc::clone(&ctx.serenity_context().http), ctx.data().pacer());
    let mut lines = Vec::new();
    for channel in channels {
        let outgoing = Outgoing {
            guild_id: guild,
            channel_id: channel,
            // One test per command and channel: a retried request is not posted twice.
            nonce: Nonce::of(&format!("test\u{1f}{}\u{1f}{channel}", ctx.id())),
            content: Text::from(
                "**Test** from confbot: this is how announcements will look here.\n",
            ) + &sample.0,
            embed: sample.1.clone(),
            mention_role: None,
        };
        let outcome = poster.post(&outgoing).await;
        let line = ctx
            .data()
            .run(move |store, now| core::tested(store, guild, channel, outcome, now))
            .await?;
        lines.push(line);
    }
    send_private(
        ctx,
        Reply::new("Test announcements").description(Text::join(lines, "\n")),
    )
    .await
}
