//! The places people meet: creating guild channels (text, voice, stage, category), a voice
//! channel's status, and stage instances (a live stage and its topic).
//!
//! Discord's rules that the spec does not carry are enforced here: creating a channel needs
//! Manage Channels (50013); a parent must be a category of the guild, a category holds at most
//! 50 channels (`CHANNEL_PARENT_MAX_CHANNELS`) and a guild 500 (30013); a text channel's name
//! is made lower case with dashes for spaces, as Discord does. A voice status is for voice
//! channels only (50024) and needs Set Voice Channel Status, and Manage Channels too since the
//! bot is never connected to voice. Stage instances need the stage moderator's permissions
//! (Manage Channels, Mute Members, Move Members), one per stage channel (150006), and answer
//! 10067 when the stage is not live. Every change is dispatched as Discord does
//! (`CHANNEL_CREATE`, `VOICE_CHANNEL_STATUS_UPDATE`, `STAGE_INSTANCE_*`) to a bot with the
//! GUILDS intent.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{json, Value};
use serenity::model::id::ChannelId;
use serenity::model::Permissions;

use super::events::{check_guild, missing_permissions};
use super::{no_content, ok, Answer, Body, DiscordError};
use crate::limits::FieldError;
use crate::model::{self, ChannelRec, Ids, StageRec};
use crate::session::intents;
use crate::state::{Rule, Shared, World};

/// At most this many channels in one category.
pub const CATEGORY_CHANNELS: usize = 50;
/// At most this many channels (categories included, threads not) in one guild.
pub const GUILD_CHANNELS: usize = 500;

/// What a stage moderator has, and what managing a stage instance needs.
fn stage_moderator() -> Permissions {
    Permissions::MANAGE_CHANNELS | Permissions::MUTE_MEMBERS | Permissions::MOVE_MEMBERS
}

fn needs(w: &World, permissions: Permissions) -> Result<(), DiscordError> {
    if w.bot_permissions().contains(permissions) {
        Ok(())
    } else {
        Err(missing_permissions())
    }
}

fn wrong_channel_type(detail: String) -> DiscordError {
    DiscordError::new(
        StatusCode::BAD_REQUEST,
        50024,
        "Cannot execute action on this channel type",
    )
    .violation(Rule::Request, detail)
}

fn unknown_stage() -> DiscordError {
    DiscordError::new(StatusCode::NOT_FOUND, 10067, "Unknown Stage Instance")
}

/// A text channel's name as Discord stores it: lower case, a dash for each run of spaces,
/// without the punctuation Discord drops.
pub(crate) fn text_channel_name(name: &str) -> String {
    let dropped = |c: char| "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~".contains(c);
    name.to_lowercase()
        .split_whitespace()
        .map(|word| word.chars().filter(|c| !dropped(*c)).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn parent_error(code: &'static str, message: &str) -> DiscordError {
    DiscordError::invalid_form_body(&[FieldError {
        path: vec!["parent_id".into()],
        code,
        message: message.into(),
    }])
}

/// The category a new channel goes in, checked as Discord does.
fn parent(w: &World, kind: u8, body: &Value) -> Result<Option<ChannelId>, DiscordError> {
    let Some(id) = body.get("parent_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    let id = id.parse::<u64>().ok().map(ChannelId::new);
    let category = id.and_then(|id| w.channel(id)).filter(|c| c.kind == 4);
    let Some(category) = category.filter(|_| kind != 4) else {
        return Err(
            parent_error("CHANNEL_PARENT_INVALID", "Invalid parent channel").violation_at(
                Rule::Request,
                "parent_id",
                "not a category of the guild",
            ),
        );
    };
    let inside = w
        .channels
        .iter()
        .filter(|c| c.parent_id == Some(category.id) && !c.is_thread())
        .count();
    if inside >= CATEGORY_CHANNELS {
        return Err(parent_error(
            "CHANNEL_PARENT_MAX_CHANNELS",
            "Maximum number of channels in category reached (50)",
        )
        .violation_at(Rule::Request, "parent_id", "a 51st channel in a category"));
    }
    Ok(Some(category.id))
}

/// `POST /guilds/{guild_id}/channels`.
pub(super) async fn create_channel(
    State(shared): State<Arc<Shared>>,
    Path(guild_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_guild(guild_id)?;
    let id = ChannelId::new(shared.next_id());
    shared.update(|w| {
        needs(w, Permissions::MANAGE_CHANNELS)?;
        let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
        let kind = match u8::try_from(kind) {
            Ok(kind @ (0 | 2 | 4 | 13)) => kind,
            _ => {
                return Err(wrong_channel_type(format!(
                    "fake-discord makes text, voice, stage and category channels, not type {kind}"
                )))
            }
        };
        let guild_channels = w
            .channels
            .iter()
            .filter(|c| !c.is_thread() && c.kind != 1)
            .count();
        if guild_channels >= GUILD_CHANNELS {
            return Err(DiscordError::new(
                StatusCode::BAD_REQUEST,
                30013,
                "Maximum number of guild channels reached (500)",
            ));
        }
        let parent_id = parent(w, kind, &body)?;
        let name = body["name"].as_str().unwrap_or_default();
        let name = if kind == 0 {
            text_channel_name(name)
        } else {
            name.to_owned()
        };
        if name.is_empty() {
            return Err(DiscordError::invalid_form_body(&[FieldError {
                path: vec!["name".into()],
                code: "BASE_TYPE_REQUIRED",
                message: "This field is required".into(),
            }])
            .violation_at(Rule::Request, "name", "nothing left of the name"));
        }
        let position = u16::try_from(guild_channels).unwrap_or(u16::MAX);
        let channel = ChannelRec {
            parent_id,
            ..ChannelRec::guild(id, kind, &name, position)
        };
        let json = w.channel_json(&channel);
        w.channels.push(channel);
        w.dispatch_with_intent(intents::GUILDS, "CHANNEL_CREATE", json.clone());
        ok(json)
    })
}

/// Sets a voice channel's status and dispatches VOICE_CHANNEL_STATUS_UPDATE (an empty status
/// is none).
pub(crate) fn set_status(w: &mut World, channel: ChannelId, status: Option<&str>) {
    let status = status.filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(c) = w.channels.iter_mut().find(|c| c.id == channel) {
        c.status.clone_from(&status);
    }
    let event = json!({"id": channel.to_string(), "guild_id": Ids::FIXED.guild.to_string(),
                       "status": status});
    w.dispatch_with_intent(intents::GUILDS, "VOICE_CHANNEL_STATUS_UPDATE", event);
}

/// `PUT /channels/{channel_id}/voice-status` (the spec checks the 500 characters).
pub(super) async fn voice_status(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    let channel = ChannelId::new(channel_id);
    shared.update(|w| {
        let c = w
            .channel(channel)
            .ok_or_else(DiscordError::unknown_channel)?;
        if c.kind != 2 {
            return Err(wrong_channel_type(format!(
                "a voice status for a channel of type {}",
                c.kind
            )));
        }
        // The bot is never connected to voice, so Manage Channels is needed too.
        needs(
            w,
            Permissions::SET_VOICE_CHANNEL_STATUS | Permissions::MANAGE_CHANNELS,
        )?;
        set_status(w, channel, body.get("status").and_then(Value::as_str));
        no_content()
    })
}

fn stage_at(w: &World, channel: ChannelId) -> Result<usize, DiscordError> {
    w.stages
        .iter()
        .position(|s| s.channel_id == channel)
        .ok_or_else(unknown_stage)
}

/// Starts a stage: a stage instance in a stage channel, dispatched as STAGE_INSTANCE_CREATE.
pub(crate) fn start_stage(w: &mut World, stage: StageRec) -> Answer {
    let c = w
        .channel(stage.channel_id)
        .ok_or_else(DiscordError::unknown_channel)?;
    if c.kind != 13 {
        return Err(wrong_channel_type(format!(
            "a stage instance in a channel of type {}",
            c.kind
        )));
    }
    if w.stages.iter().any(|s| s.channel_id == stage.channel_id) {
        return Err(DiscordError::new(
            StatusCode::BAD_REQUEST,
            150006,
            "Stage already open",
        ));
    }
    let json = model::stage_instance(&stage);
    w.stages.push(stage);
    w.dispatch_with_intent(intents::GUILDS, "STAGE_INSTANCE_CREATE", json.clone());
    ok(json)
}

/// `POST /stage-instances`.
pub(super) async fn create_stage(
    State(shared): State<Arc<Shared>>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    let id = shared.next_id();
    let channel = body["channel_id"].as_str().and_then(|c| c.parse().ok());
    shared.update(|w| {
        needs(w, stage_moderator())?;
        let channel_id = channel
            .map(ChannelId::new)
            .ok_or_else(DiscordError::unknown_channel)?;
        let topic = body["topic"].as_str().unwrap_or_default().to_owned();
        start_stage(
            w,
            StageRec {
                id,
                channel_id,
                topic,
            },
        )
    })
}

/// `GET /stage-instances/{channel_id}`.
pub(super) async fn get_stage(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.read(|w| {
        let at = stage_at(w, ChannelId::new(channel_id))?;
        ok(model::stage_instance(&w.stages[at]))
    })
}

/// `PATCH /stage-instances/{channel_id}`: a new topic (the spec checks 1 to 120 characters).
pub(super) async fn edit_stage(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        needs(w, stage_moderator())?;
        let at = stage_at(w, ChannelId::new(channel_id))?;
        if let Some(topic) = body.get("topic").and_then(Value::as_str) {
            w.stages[at].topic = topic.to_owned();
        }
        let json = model::stage_instance(&w.stages[at]);
        w.dispatch_with_intent(intents::GUILDS, "STAGE_INSTANCE_UPDATE", json.clone());
        ok(json)
    })
}

/// Ends a stage, dispatched as STAGE_INSTANCE_DELETE; `None` if it was not live.
pub(crate) fn end_stage(w: &mut World, channel: ChannelId) -> Option<StageRec> {
    let at = stage_at(w, channel).ok()?;
    let stage = w.stages.remove(at);
    let json = model::stage_instance(&stage);
    w.dispatch_with_intent(intents::GUILDS, "STAGE_INSTANCE_DELETE", json);
    Some(stage)
}

/// `DELETE /stage-instances/{channel_id}`.
pub(super) async fn delete_stage(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.update(|w| {
        needs(w, stage_moderator())?;
        end_stage(w, ChannelId::new(channel_id)).ok_or_else(unknown_stage)?;
        no_content()
    })
}
