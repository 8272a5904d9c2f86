//! Channel messages (create, get, list, edit, delete) and reactions.
//!
//! Creating a message honours `nonce` + `enforce_nonce` as Discord does: the same nonce in the
//! same channel within a few minutes returns the message that already exists instead of
//! posting it again. That is what makes confbot's announcements exactly-once across restarts.

use std::sync::Arc;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::Value;
use serenity::model::id::{ChannelId, UserId};
use serenity::model::Permissions;

use super::{no_content, ok, Answer, Body, DiscordError};
use crate::model::{self, Ids, MessageRec};
use crate::state::{Rule, Shared, World};

/// How long Discord remembers an enforced nonce.
pub(crate) const NONCE_WINDOW_MS: u64 = 5 * 60 * 1000;

/// Message flags a bot may set itself: SUPPRESS_EMBEDS, EPHEMERAL (interactions only),
/// SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2.
const SETTABLE_FLAGS: u64 = 4 | 64 | 4096 | 32768;

/// A new message from a request body; `interaction` links responses to their interaction.
pub(crate) fn new_message(
    shared: &Shared,
    channel_id: ChannelId,
    author: UserId,
    body: &Value,
    interaction: Option<u64>,
) -> MessageRec {
    let mut m = MessageRec {
        id: shared.next_id(),
        channel_id,
        author,
        content: String::new(),
        embeds: Vec::new(),
        components: Vec::new(),
        flags: 0,
        nonce: body.get("nonce").filter(|n| !n.is_null()).cloned(),
        allowed_mentions: None,
        timestamp: model::now_iso(),
        edited: None,
        created_ms: model::unix_ms(),
        reactions: Vec::new(),
        pinned: false,
        interaction,
        thread: None,
        deleted: false,
        files: Vec::new(),
    };
    apply_fields(&mut m, body);
    m
}

/// Applies the message fields of a create or edit body.
pub(crate) fn apply_fields(m: &mut MessageRec, body: &Value) {
    if let Some(content) = body.get("content").filter(|c| !c.is_null()) {
        m.content = content.as_str().unwrap_or_default().to_owned();
    }
    if let Some(embeds) = body.get("embeds").filter(|e| !e.is_null()) {
        m.embeds = embeds
            .as_array()
            .map(|es| es.iter().map(model::stored_embed).collect())
            .unwrap_or_default();
    }
    if let Some(components) = body.get("components").filter(|c| !c.is_null()) {
        m.components = components.as_array().cloned().unwrap_or_default();
    }
    if let Some(allowed) = body.get("allowed_mentions").filter(|a| !a.is_null()) {
        m.allowed_mentions = Some(allowed.clone());
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        m.flags = (m.flags & !SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    }
}

fn is_empty_message(body: &Value) -> bool {
    let present = |k: &str| match body.get(k) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    };
    ![
        "content",
        "embeds",
        "components",
        "sticker_ids",
        "poll",
        "attachments",
    ]
    .iter()
    .any(|k| present(k))
}

pub(crate) fn empty_message_error() -> DiscordError {
    DiscordError::new(
        StatusCode::BAD_REQUEST,
        50006,
        "Cannot send an empty message",
    )
    .violation(
        Rule::Request,
        "a message needs content, embeds, components or stickers",
    )
}

/// Whether the bot may post in `channel`, as Discord decides from roles and overwrites: View
/// Channel, and Send Messages (Send Messages in Threads in a thread). DMs are not the guild's.
fn may_post(w: &World, channel: ChannelId) -> bool {
    let Some(c) = w.channel(channel) else {
        return false;
    };
    if c.kind == 1 {
        return true;
    }
    let send = if c.is_thread() {
        Permissions::SEND_MESSAGES_IN_THREADS
    } else {
        Permissions::SEND_MESSAGES
    };
    w.channel_permissions(Ids::FIXED.bot, c)
        .contains(Permissions::VIEW_CHANNEL | send)
}

fn same_nonce(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    text(a) == text(b)
}

fn find_message(w: &World, channel_id: u64, message_id: u64) -> Result<usize, DiscordError> {
    if w.channel(ChannelId::new(channel_id)).is_none() {
        return Err(DiscordError::unknown_channel());
    }
    w.messages
        .iter()
        .position(|m| m.id == message_id && m.channel_id.get() == channel_id && !m.deleted)
        .ok_or_else(DiscordError::unknown_message)
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    let channel = ChannelId::new(channel_id);
    if shared.read(|w| w.channel(channel).is_none()) {
        return Err(DiscordError::unknown_channel());
    }
    let refused = shared.read(|w| {
        w.channel(channel)
            .is_some_and(|c| c.kind == 1 && c.owner_id.is_some_and(|u| w.refusing_dms.contains(&u)))
    });
    if refused {
        return Err(DiscordError::new(
            StatusCode::FORBIDDEN,
            50007,
            "Cannot send messages to this user",
        ));
    }
    if !shared.read(|w| may_post(w, channel)) {
        return Err(DiscordError::new(
            StatusCode::FORBIDDEN,
            50013,
            "Missing Permissions",
        ));
    }
    if is_empty_message(&body) {
        return Err(empty_message_error());
    }
    let enforce = body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let message = new_message(&shared, channel, Ids::FIXED.bot, &body, None);
    shared.update(|w| {
        if let (true, Some(nonce)) = (enforce, &message.nonce) {
            let now = model::unix_ms();
            let existing = w.messages.iter().find(|m| {
                m.channel_id == channel
                    && m.nonce.as_ref().is_some_and(|n| same_nonce(n, nonce))
                    && now.saturating_sub(m.created_ms) < NONCE_WINDOW_MS
            });
            if let Some(existing) = existing {
                return ok(w.message_json(existing));
            }
        }
        let json = w.message_json(&message);
        if let Some(c) = w.channels.iter_mut().find(|c| c.id == channel) {
            c.message_count += 1;
            // Posting in an archived (but not locked) thread unarchives it, as on Discord.
            if c.is_thread() && !c.locked {
                c.archived = false;
            }
        }
        w.push_message(message);
        ok(json)
    })
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
) -> Answer {
    shared.read(|w| {
        let i = find_message(w, channel_id, message_id)?;
        ok(w.message_json(&w.messages[i]))
    })
}

/// `GET /channels/{id}/messages?limit&before&after`: newest first, as Discord pages them
/// (`around` is not supported: a fake's channels are short).
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let id = |k: &str| query.get(k).and_then(|v| v.parse::<u64>().ok());
    let limit = id("limit").unwrap_or(50).clamp(1, 100) as usize;
    let (before, after) = (id("before"), id("after"));
    shared.read(|w| {
        if w.channel(ChannelId::new(channel_id)).is_none() {
            return Err(DiscordError::unknown_channel());
        }
        let visible: Vec<&MessageRec> = w
            .messages
            .iter()
            .filter(|m| m.channel_id.get() == channel_id && !m.deleted && m.flags & 64 == 0)
            .filter(|m| before.is_none_or(|b| m.id < b) && after.is_none_or(|a| m.id > a))
            .collect();
        // After an id: the oldest `limit` after it; otherwise the newest `limit`.
        let page: Vec<&MessageRec> = if after.is_some() {
            visible.into_iter().take(limit).collect()
        } else {
            visible.into_iter().rev().take(limit).rev().collect()
        };
        ok(Value::Array(
            page.into_iter().rev().map(|m| w.message_json(m)).collect(),
        ))
    })
}

pub(super) async fn edit(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        let i = find_message(w, channel_id, message_id)?;
        if w.messages[i].author != Ids::FIXED.bot {
            return Err(DiscordError::new(
                StatusCode::FORBIDDEN,
                50005,
                "Cannot edit a message authored by another user",
            )
            .violation(Rule::Request, "the bot edited someone else's message"));
        }
        apply_fields(&mut w.messages[i], &body);
        w.messages[i].edited = Some(model::now_iso());
        w.message_event(i, "MESSAGE_UPDATE");
        ok(w.message_json(&w.messages[i]))
    })
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| {
        let i = find_message(w, channel_id, message_id)?;
        w.messages[i].deleted = true;
        w.message_event(i, "MESSAGE_DELETE");
        no_content()
    })
}

fn react_as(
    w: &mut World,
    channel_id: u64,
    message_id: u64,
    emoji: &str,
    user: UserId,
    add: bool,
) -> Answer {
    let i = find_message(w, channel_id, message_id)?;
    w.set_reaction(i, emoji, user, add);
    no_content()
}

pub(super) async fn react(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id, emoji)): Path<(u64, u64, String)>,
) -> Answer {
    shared.update(|w| react_as(w, channel_id, message_id, &emoji, Ids::FIXED.bot, true))
}

pub(super) async fn unreact(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id, emoji)): Path<(u64, u64, String)>,
) -> Answer {
    shared.update(|w| react_as(w, channel_id, message_id, &emoji, Ids::FIXED.bot, false))
}

pub(super) async fn remove_reaction(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id, emoji, user_id)): Path<(u64, u64, String, u64)>,
) -> Answer {
    shared.update(|w| {
        react_as(
            w,
            channel_id,
            message_id,
            &emoji,
            UserId::new(user_id),
            false,
        )
    })
}

pub(super) async fn delete_all_reactions(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| {
        let i = find_message(w, channel_id, message_id)?;
        w.messages[i].reactions.clear();
        no_content()
    })
}

/// `GET .../reactions/{emoji}`: the users who reacted with it.
pub(super) async fn reactions(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id, emoji)): Path<(u64, u64, String)>,
) -> Answer {
    shared.read(|w| {
        let i = find_message(w, channel_id, message_id)?;
        let users: Vec<Value> = w.messages[i]
            .reactions
            .iter()
            .filter(|(e, _)| *e == emoji)
            .flat_map(|(_, users)| users.iter().filter_map(|u| w.user(*u)).map(model::user))
            .collect();
        ok(Value::Array(users))
    })
}

fn pin_as(w: &mut World, channel_id: u64, message_id: u64, pinned: bool) -> Answer {
    let i = find_message(w, channel_id, message_id)?;
    w.messages[i].pinned = pinned;
    no_content()
}

/// `PUT /channels/{id}/pins/{message_id}`.
pub(super) async fn pin(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| pin_as(w, channel_id, message_id, true))
}

pub(super) async fn unpin(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| pin_as(w, channel_id, message_id, false))
}

/// `GET /channels/{id}/pins`: the pinned messages, newest first.
pub(super) async fn pins(State(shared): State<Arc<Shared>>, Path(channel_id): Path<u64>) -> Answer {
    shared.read(|w| {
        if w.channel(ChannelId::new(channel_id)).is_none() {
            return Err(DiscordError::unknown_channel());
        }
        let list = w
            .messages
            .iter()
            .rev()
            .filter(|m| m.channel_id.get() == channel_id && m.pinned && !m.deleted);
        ok(Value::Array(list.map(|m| w.message_json(m)).collect()))
    })
}
