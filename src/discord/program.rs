//! `/program reload file` (admins): upload a new program in Discord. It is validated first; a
//! bad file changes nothing and the admin reads why. Moves and cancellations are then announced
//! by the ticker (`reminders/changes.rs`).

use anyhow::Context as _;
use poise::serenity_prelude as serenity;

use super::checks::manage_guild;
use super::pages::{send, Visibility};
use super::{Context, Error};
use crate::commands::program as core;
use crate::error::UserError;

/// Larger files are refused before downloading (50,000 talks of JSON is about 40 MB).
const MAX_PROGRAM_BYTES: u32 = 50 << 20;

/// The conference program (admins)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "manage_guild",
    subcommands("reload"),
    subcommand_required
)]
pub async fn program(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Replace the program with an uploaded file, if it is valid, and show what changed
#[poise::command(slash_command, guild_only)]
async fn reload(
    ctx: Context<'_>,
    #[description = "confbot JSON, pretalx/frab schedule.json, Sessionize JSON or conference-page text"]
    file: serenity::Attachment,
) -> Result<(), Error> {
    // One database holds one program for every server the bot is in: only the organisers'
    // server may replace it.
    match ctx.data().home_guild {
        Some(home) if ctx.guild_id().map(|g| g.get()) == Some(home) => {}
        Some(_) => {
            return Err(UserError("The program can only be changed from the organisers' server.".into()).into())
        }
        None => {
            return Err(UserError(
                "Changing the program from Discord needs DISCORD_GUILD_ID set to the organisers' server; \
                 until then, use `confbot import`."
                    .into(),
            )
            .into())
        }
    }
    if file.size > MAX_PROGRAM_BYTES {
        return Err(UserError(format!(
            "{} is too large ({} bytes); the limit is 50 MB.",
            file.filename, file.size
        ))
        .into());
    }
    ctx.defer_ephemeral().await?;
    let bytes = file
        .download()
        .await
        .context("downloading an uploaded program")?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(UserError(format!(
            "Nothing changed: {} is not UTF-8 text.",
            file.filename
        ))
        .into());
    };
    let name = file.filename.clone();
    let reply = ctx
        .data()
        .run(move |store, _| core::reload(store, &name, &text))
        .await?;
    send(ctx, reply, 25, Visibility::Private).await
}
