//! Server-side permission checks. Admin commands are also hidden from others by
//! `default_member_permissions`, but a server can override that, so each is checked again
//! here, from the permissions Discord computed into the interaction (no extra request).

use poise::serenity_prelude as serenity;
use poise::CommandInteractionType;

use super::{Context, Error};
use crate::commands::qa::moderator_role;
use crate::ids::RoleId;
use crate::store::Store;
use crate::user_error;

fn member_permissions(ctx: Context<'_>) -> Option<serenity::Permissions> {
    match ctx {
        poise::Context::Application(app) => app.interaction.member.as_ref()?.permissions,
        poise::Context::Prefix(_) => None,
    }
}

/// Whether confbot itself has `permission` where the command was used, as Discord computed
/// it into the interaction (`app_permissions`).
pub fn bot_has(ctx: Context<'_>, permission: serenity::Permissions) -> bool {
    match ctx {
        poise::Context::Application(app) => app
            .interaction
            .app_permissions
            .is_some_and(|p| p.contains(permission) || p.administrator()),
        poise::Context::Prefix(_) => false,
    }
}

/// Manage Server (or Administrator).
pub async fn manage_guild(ctx: Context<'_>) -> Result<bool, Error> {
    let permissions = member_permissions(ctx).unwrap_or_default();
    if permissions.manage_guild() || permissions.administrator() {
        Ok(true)
    } else {
        user_error!("Only admins with the Manage Server permission can do this.")
    }
}

/// Whether a member moderates Q&A: Manage Threads (or Administrator), or the guild's Q&A
/// moderator role. `member.permissions` is what Discord computed into the interaction.
pub fn is_moderator(member: &serenity::Member, moderator_role: Option<RoleId>) -> bool {
    let permissions = member.permissions.unwrap_or_default();
    permissions.manage_threads()
        || permissions.administrator()
        || moderator_role.is_some_and(|role| member.roles.iter().any(|r| RoleId::from(*r) == role))
}

/// Q&A moderators only (see [`is_moderator`]). Permissions alone settle it without the
/// database; the moderator role is looked up, for an autocomplete as urgent work (poise checks
/// autocompletes too, and one that waits behind a queue of commands answers too late).
pub async fn moderator(ctx: Context<'_>) -> Result<bool, Error> {
    let poise::Context::Application(app) = ctx else {
        user_error!("{MODERATORS_ONLY}")
    };
    let Some(member) = app.interaction.member.as_deref() else {
        user_error!("{MODERATORS_ONLY}")
    };
    if is_moderator(member, None) {
        return Ok(true);
    }
    let role = match ctx.guild_id() {
        Some(guild) => {
            let guild = guild.into();
            let lookup = move |store: &Store, _| Ok(moderator_role(store, guild)?);
            match app.interaction_type {
                // No slot in time: not known to be a moderator, so nothing is offered.
                CommandInteractionType::Autocomplete => {
                    ctx.data().run_urgent(lookup).await?.flatten()
                }
                CommandInteractionType::Command => ctx.data().run(lookup).await?,
            }
        }
        None => None,
    };
    if is_moderator(member, role) {
        Ok(true)
    } else {
        user_error!("{MODERATORS_ONLY}")
    }
}

/// The refusal of a moderator-only command or button.
pub const MODERATORS_ONLY: &str =
    "Only Q&A moderators (Manage Threads, or the moderator role set by an admin) can do this.";
