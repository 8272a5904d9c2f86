//! `/program reload file` (admins): upload a new program in Discord. It is validated first; a
//! bad file changes nothing and the admin reads why. Moves and cancellations are then announced
//! by the ticker (`reminders/changes.rs`).

use anyhow::Context as _;
use poise::serenity_prelude as serenity;

use super::checks::manage_guild;
use super::pages::send_private;
use super::{Context, Error};
use crate::commands::program as core;
use crate::user_error;

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
    match ctx.data().home_guild() {
        Some(home) if ctx.guild_id().map(Into::into) == Some(home) => {}
        Some(_) => {
            user_error!("The program can only be changed from the organisers' server.")
        }
        None => {
            user_error!(
                "Changing the program from Discord needs DISCORD_GUILD_ID set to the organisers' server; \
                 until then, use `confbot import`."
            )
        }
    }
    if file.size > MAX_PROGRAM_BYTES {
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
    let reply = ctx
        .data()
        .run(move |store, _| core::reload(store, &name, &text))
        .await?;
    send_private(ctx, reply).await
}
