//! `/program reload [file]` (admins): upload a new program in Discord, or without a file poll
//! the live source now. It is validated first; a bad file changes nothing and the admin reads
//! why. Moves and cancellations are then announced by the ticker (`reminders/changes.rs`).
//! `/program status`: how polling the live source has gone.

use anyhow::Context as _;
use poise::serenity_prelude as serenity;

use super::checks::manage_guild;
use super::data::shown_to_user;
use super::pages::{run_private, send_private};
use super::{Context, Error};
use crate::commands::program as core;
use crate::user_error;

/// The conference program (admins)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "manage_guild",
    subcommands("reload", "status"),
    subcommand_required
)]
pub async fn program(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Replace the program with an uploaded file, or from the live source, and show what changed
#[poise::command(slash_command, guild_only)]
async fn reload(
    ctx: Context<'_>,
    #[description = "confbot JSON, pretalx/frab schedule.json, Sessionize JSON or conference-page text"]
    file: Option<serenity::Attachment>,
) -> Result<(), Error> {
    organisers_server(ctx)?;
    let Some(file) = file else {
        return reload_from_source(ctx).await;
    };
    if u64::from(file.size) > crate::MAX_PROGRAM_BYTES {
        user_error!(
            "{} is too large ({} bytes); the limit is 50 MB.",
            file.filename,
            file.size
        );
    }
    ctx.defer_ephemeral().await?;
    let bytes = file
        .download()
        .await
        .context("downloading an uploaded program")?;
    let Ok(text) = String::from_utf8(bytes) else {
        user_error!("Nothing changed: {} is not UTF-8 text.", file.filename);
    };
    let name = file.filename.clone();
    run_private(ctx, move |store, _| core::reload(store, &name, &text)).await
}

/// One database holds one program for every server the bot is in: only the organisers' server
/// may replace it (or see where it comes from).
fn organisers_server(ctx: Context<'_>) -> Result<(), Error> {
    match ctx.data().home_guild() {
        Some(home) if ctx.guild_id().map(Into::into) == Some(home) => Ok(()),
        Some(_) => user_error!("The program can only be managed from the organisers' server."),
        None => user_error!(
            "Managing the program from Discord needs DISCORD_GUILD_ID set to the organisers' server; \
             until then, use `confbot import`."
        ),
    }
}

/// Polls the live source now and answers with what changed (or why nothing did).
async fn reload_from_source(ctx: Context<'_>) -> Result<(), Error> {
    let Some(source) = ctx.data().source().cloned() else {
        user_error!("{}", core::NO_SOURCE);
    };
    ctx.defer_ephemeral().await?;
    let outcome = source.poll_now().await?;
    let reply = core::reload_from_source(source.config(), &outcome).map_err(shown_to_user)?;
    send_private(ctx, reply).await
}

/// Show the live program source: last fetch, last change, last error, next poll
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Context<'_>) -> Result<(), Error> {
    organisers_server(ctx)?;
    let config = ctx.data().source().map(|s| s.config().clone());
    run_private(ctx, move |store, _| core::status(store, config.as_ref())).await
}
