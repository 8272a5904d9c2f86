//! Who and where: the gateway URL, the bot user, the application, the guild, its roles,
//! channels and members (what serenity and poise ask for at start and in permission checks).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Value};
use serenity::model::id::{GuildId, UserId};

use super::{ok, Answer, DiscordError};
use crate::model::{self, Ids};
use crate::state::Shared;

/// `GET /gateway`: always the fake's own websocket, since serenity falls back to the real
/// gateway when this fails.
pub(super) async fn gateway(State(shared): State<Arc<Shared>>) -> Answer {
    let url = format!("ws://{}/ws", shared.addr);
    ok(model::checked::<serenity::model::gateway::Gateway>(
        "gateway",
        json!({"url": url}),
    ))
}

pub(super) async fn gateway_bot(State(shared): State<Arc<Shared>>) -> Answer {
    let body = json!({
        "url": format!("ws://{}/ws", shared.addr),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
    });
    ok(model::checked::<serenity::model::gateway::BotGateway>(
        "gateway/bot",
        body,
    ))
}

pub(super) async fn current_user(State(shared): State<Arc<Shared>>) -> Answer {
    ok(shared.read(|w| model::current_user(w.user(Ids::FIXED.bot).expect("the bot user exists"))))
}

/// `GET /users/@me/guilds`: the one guild, with the bot's permissions in it.
pub(super) async fn current_user_guilds(State(shared): State<Arc<Shared>>) -> Answer {
    let guild = json!({
        "id": Ids::FIXED.guild.to_string(),
        "name": model::GUILD_NAME,
        "icon": null,
        "owner": false,
        "permissions": shared.read(|w| w.bot_permissions()).bits().to_string(),
        "features": [],
    });
    ok(model::checked::<Vec<serenity::model::guild::GuildInfo>>(
        "current user's guilds",
        json!([guild]),
    ))
}

pub(super) async fn user(State(shared): State<Arc<Shared>>, Path(user_id): Path<u64>) -> Answer {
    shared
        .read(|w| w.user(UserId::new(user_id)).map(model::user))
        .map_or_else(unknown_user, ok)
}

pub(super) async fn application(State(shared): State<Arc<Shared>>) -> Answer {
    ok(shared.read(|w| {
        let bot = w.user(Ids::FIXED.bot).expect("the bot user exists");
        let owner = w.user(Ids::FIXED.admin).expect("the admin user exists");
        model::application(bot, owner)
    }))
}

fn check_guild(guild_id: u64) -> Result<(), DiscordError> {
    if GuildId::new(guild_id) == Ids::FIXED.guild {
        Ok(())
    } else {
        Err(DiscordError::new(
            StatusCode::NOT_FOUND,
            10004,
            "Unknown Guild",
        ))
    }
}

pub(super) async fn guild(State(shared): State<Arc<Shared>>, Path(guild_id): Path<u64>) -> Answer {
    check_guild(guild_id)?;
    let mut guild =
        shared.read(|w| model::guild_create(&w.users, &w.roles, &w.channels, &w.stages));
    let obj = guild.as_object_mut().expect("a guild is an object");
    // `GET /guilds/{id}` has no GUILD_CREATE extras.
    for extra in [
        "joined_at",
        "large",
        "unavailable",
        "member_count",
        "voice_states",
        "members",
        "channels",
        "threads",
        "presences",
        "stage_instances",
        "guild_scheduled_events",
    ] {
        obj.remove(extra);
    }
    ok(model::checked::<serenity::model::guild::PartialGuild>(
        "guild", guild,
    ))
}

pub(super) async fn guild_channels(
    State(shared): State<Arc<Shared>>,
    Path(guild_id): Path<u64>,
) -> Answer {
    check_guild(guild_id)?;
    ok(shared.read(|w| {
        Value::Array(
            w.channels
                .iter()
                .filter(|c| c.is_guild_channel())
                .map(|c| w.channel_json(c))
                .collect(),
        )
    }))
}

pub(super) async fn roles(State(shared): State<Arc<Shared>>, Path(guild_id): Path<u64>) -> Answer {
    check_guild(guild_id)?;
    ok(shared.read(|w| Value::Array(w.roles.iter().map(model::role).collect())))
}

pub(super) async fn member(
    State(shared): State<Arc<Shared>>,
    Path((guild_id, user_id)): Path<(u64, u64)>,
) -> Answer {
    check_guild(guild_id)?;
    shared
        .read(|w| w.user(UserId::new(user_id)).map(|u| model::member(u, None)))
        .map_or_else(
            || {
                Err(DiscordError::new(
                    StatusCode::NOT_FOUND,
                    10007,
                    "Unknown Member",
                ))
            },
            ok,
        )
}

fn unknown_user() -> Answer {
    Err(DiscordError::new(
        StatusCode::NOT_FOUND,
        10013,
        "Unknown User",
    ))
}

/// `GET /attachments/{id}/{filename}`: a file a user attached, as the CDN serves it.
pub(crate) async fn attachment(
    State(shared): State<Arc<Shared>>,
    Path((id, filename)): Path<(u64, String)>,
) -> Result<Vec<u8>, StatusCode> {
    shared
        .read(|w| {
            w.attachments
                .iter()
                .find(|a| a.id == id && a.filename == filename)
                .map(|a| a.bytes.clone())
        })
        .ok_or(StatusCode::NOT_FOUND)
}
