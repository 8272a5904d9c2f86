//! Server-side permission checks. Admin commands are also hidden from others by
//! `default_member_permissions`, but a server can override that, so each is checked again
//! here, from the permissions Discord computed into the interaction (no extra request).

use poise::serenity_prelude as serenity;

use super::{Context, Error};
use crate::error::UserError;

fn member_permissions(ctx: Context<'_>) -> Option<serenity::Permissions> {
    match ctx {
        poise::Context::Application(app) => app.interaction.member.as_ref()?.permissions,
        poise::Context::Prefix(_) => None,
    }
}

/// Manage Server (or Administrator).
pub async fn manage_guild(ctx: Context<'_>) -> Result<bool, Error> {
    let permissions = member_permissions(ctx).unwrap_or_default();
    if permissions.manage_guild() || permissions.administrator() {
        Ok(true)
    } else {
        Err(UserError("Only admins with the Manage Server permission can do this.".into()).into())
    }
}
