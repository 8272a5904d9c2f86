//! `/announce` (admins): the announcements coming up, and a test post into every configured
//! channel to check that confbot may post there.

use std::sync::Arc;

use super::checks::manage_guild;
use super::pages::{send, Visibility};
use super::poster::SerenityPoster;
use super::{guild, Context, Error};
use crate::commands::setup as core;
use crate::error::UserError;
use crate::reminders::{render, Outgoing, PostError, Poster};
use crate::reply::Reply;

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
    let rules = ctx.data().rules.clone();
    let reply = ctx
        .data()
        .run(move |store, now| core::pending(store, guild, &rules, now))
        .await?;
    send(ctx, reply, 25, Visibility::Private).await
}

/// Post a sample announcement into each configured channel, to check permissions
#[poise::command(slash_command, guild_only)]
async fn test(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild(ctx);
    ctx.defer_ephemeral().await?;
    let (settings, sample) = ctx
        .data()
        .run(move |store, now| {
            let settings = store.guild_settings(guild)?;
            // The next session makes the most telling sample; after the conference, the first.
            let session = match store.first_session_from(now)? {
                Some(session) => Some(session),
                None => store.first_session_from(chrono::DateTime::<chrono::Utc>::MIN_UTC)?,
            };
            let Some(session) = session else {
                return Err(
                    UserError("The program has no sessions to use as a sample.".into()).into(),
                );
            };
            let sample = render(store, &session, chrono::TimeDelta::minutes(10), false, None)?;
            Ok((settings, sample))
        })
        .await?;
    let channels = settings.channels();
    if channels.is_empty() {
        return Err(UserError(
            "No announcements channel is set yet. Use `/setup announcements` first.".into(),
        )
        .into());
    }
    let poster = SerenityPoster::new(Arc::clone(&ctx.serenity_context().http));
    let mut lines = Vec::new();
    for channel in channels {
        let outgoing = Outgoing {
            guild_id: guild,
            channel_id: channel,
            nonce: format!("t{}{}", ctx.id() % 1_000_000_000, channel % 1_000_000_000),
            content: format!(
                "**Test** from confbot: this is how announcements will look here.\n{}",
                sample.0
            ),
            embed: sample.1.clone(),
            mention_role: None,
        };
        let result = poster.post(&outgoing).await;
        let now = ctx.data().clock.now();
        let store = Arc::clone(&ctx.data().store);
        lines.push(match result {
            Ok(_) => {
                store.record_post(guild, channel, now)?;
                format!("<#{channel}>: posted")
            }
            Err(PostError::Transient(error)) => {
                store.record_post_error(guild, channel, &error, false, now)?;
                format!("<#{channel}>: failed for now ({error}); try again later")
            }
            Err(PostError::Rejected(error)) => {
                store.record_post_error(guild, channel, &error, false, now)?;
                format!("<#{channel}>: Discord refused the sample ({error})")
            }
            Err(PostError::Permanent(error)) => {
                store.record_post_error(guild, channel, &error, true, now)?;
                format!("<#{channel}>: **cannot post here** ({error}); check confbot's permissions, then set the channel again")
            }
        });
    }
    send(
        ctx,
        Reply::new("Test announcements").description(lines.join("\n")),
        25,
        Visibility::Private,
    )
    .await
}
