//! Channels: get, edit (archive, lock, rename) and delete, threads from a message and without one, and
//! DM channels.
//!
//! A thread made without a message is private (type 12) unless type 11 is asked for, as on
//! Discord; a thread made from a message has the message's id. New threads are also
//! dispatched as THREAD_CREATE, so serenity's cache sees them as it would in production.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{json, Value};
use serenity::model::id::{ChannelId, UserId};

use super::{no_content, ok, Answer, Body, DiscordError};
use crate::model::{self, ChannelRec, Ids};
use crate::session::intents;
use crate::state::{Rule, Shared, World};

pub(super) async fn get(State(shared): State<Arc<Shared>>, Path(channel_id): Path<u64>) -> Answer {
    shared
        .read(|w| {
            w.channel(ChannelId::new(channel_id))
                .map(|c| w.channel_json(c))
        })
        .map_or_else(|| Err(DiscordError::unknown_channel()), ok)
}

pub(super) async fn edit(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        let c = w
            .channels
            .iter_mut()
            .find(|c| c.id.get() == channel_id)
            .ok_or_else(DiscordError::unknown_channel)?;
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            c.name = name.to_owned();
        }
        if c.is_thread() {
            if let Some(archived) = body.get("archived").and_then(Value::as_bool) {
                c.archived = archived;
            }
            if let Some(locked) = body.get("locked").and_then(Value::as_bool) {
                c.locked = locked;
            }
            if let Some(invitable) = body.get("invitable").and_then(Value::as_bool) {
                c.invitable = invitable;
            }
            if let Some(d) = body.get("auto_archive_duration").and_then(Value::as_u64) {
                c.auto_archive_duration = d;
            }
        }
        let c = c.clone();
        let json = w.channel_json(&c);
        dispatch(
            w,
            if c.is_thread() {
                "THREAD_UPDATE"
            } else {
                "CHANNEL_UPDATE"
            },
            json.clone(),
        );
        ok(json)
    })
}

/// `DELETE /channels/{id}`: a thread (or channel) is removed with its messages; the bot gets
/// THREAD_DELETE (or CHANNEL_DELETE), and the answer is the channel as it was.
pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.update(|w| {
        let at = w
            .channels
            .iter()
            .position(|c| c.id.get() == channel_id)
            .ok_or_else(DiscordError::unknown_channel)?;
        let json = w.channel_json(&w.channels[at].clone());
        let removed = w.channels.remove(at);
        w.messages.retain(|m| m.channel_id != removed.id);
        let event = if removed.is_thread() {
            "THREAD_DELETE"
        } else {
            "CHANNEL_DELETE"
        };
        dispatch(w, event, json.clone());
        ok(json)
    })
}

/// Channel and thread events need the GUILDS intent.
fn dispatch(w: &mut World, t: &str, channel: Value) {
    w.dispatch_with_intent(intents::GUILDS, t, channel);
}

fn new_thread(id: ChannelId, parent: ChannelId, kind: u8, body: &Value) -> ChannelRec {
    ChannelRec {
        id,
        kind,
        name: body["name"].as_str().unwrap_or_default().to_owned(),
        parent_id: Some(parent),
        position: 0,
        owner_id: Some(Ids::FIXED.bot),
        archived: false,
        locked: false,
        invitable: body
            .get("invitable")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        auto_archive_duration: body
            .get("auto_archive_duration")
            .and_then(Value::as_u64)
            .unwrap_or(4320),
        created: model::now_iso(),
        message_count: 0,
        members: vec![Ids::FIXED.bot],
        status: None,
    }
}

fn text_parent(w: &World, channel_id: u64) -> Result<ChannelId, DiscordError> {
    let c = w
        .channel(ChannelId::new(channel_id))
        .ok_or_else(DiscordError::unknown_channel)?;
    if c.kind != 0 {
        return Err(DiscordError::new(
            StatusCode::BAD_REQUEST,
            50024,
            "Cannot execute action on this channel type",
        )
        .violation(
            Rule::Request,
            format!("threads need a text channel, not type {}", c.kind),
        ));
    }
    Ok(c.id)
}

fn add_thread(w: &mut World, thread: ChannelRec) -> Answer {
    let json = w.channel_json(&thread);
    w.channels.push(thread);
    let mut event = json.clone();
    event["newly_created"] = json!(true);
    dispatch(w, "THREAD_CREATE", event);
    ok(json)
}

/// `POST /channels/{id}/threads`: a thread without a message.
pub(super) async fn create_thread(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    let parent = shared.read(|w| text_parent(w, channel_id))?;
    // Discord's default for a thread without a message is a private thread.
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(12);
    let kind = u8::try_from(kind).unwrap_or(12);
    let thread = new_thread(ChannelId::new(shared.next_id()), parent, kind, &body);
    shared.update(|w| add_thread(w, thread))
}

/// `POST /channels/{id}/messages/{mid}/threads`: a public thread on a message, with its id.
pub(super) async fn create_thread_from_message(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, message_id)): Path<(u64, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        let parent = text_parent(w, channel_id)?;
        let i = w
            .messages
            .iter()
            .position(|m| m.id == message_id && m.channel_id == parent && !m.deleted)
            .ok_or_else(DiscordError::unknown_message)?;
        if w.messages[i].thread.is_some() {
            return Err(DiscordError::new(
                StatusCode::BAD_REQUEST,
                160004,
                "A thread has already been created for this message",
            )
            .violation(Rule::Request, "a second thread on the same message"));
        }
        let id = ChannelId::new(message_id);
        w.messages[i].thread = Some(id);
        add_thread(w, new_thread(id, parent, 11, &body))
    })
}

/// `POST /users/@me/channels`: the DM channel with a user (the same one on every call).
pub(super) async fn create_dm(
    State(shared): State<Arc<Shared>>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    let recipient = body["recipient_id"]
        .as_str()
        .and_then(|s| s.parse::<u64>().ok())
        .or_else(|| body["recipient_id"].as_u64())
        .map(UserId::new);
    let new_id = ChannelId::new(shared.next_id());
    shared.update(|w| {
        let Some(recipient) = recipient.filter(|r| w.user(*r).is_some()) else {
            return Err(
                DiscordError::new(StatusCode::BAD_REQUEST, 50033, "Invalid Recipient(s)")
                    .violation(Rule::Request, "a DM with a user the guild does not have"),
            );
        };
        let dm = w.dm_channel_with(recipient, new_id);
        ok(w.channel_json(
            w.channel(dm)
                .expect("the DM channel was just found or made"),
        ))
    })
}

fn thread_mut(w: &mut World, channel_id: u64) -> Result<&mut ChannelRec, DiscordError> {
    let c = w
        .channels
        .iter_mut()
        .find(|c| c.id.get() == channel_id)
        .ok_or_else(DiscordError::unknown_channel)?;
    if !c.is_thread() {
        return Err(DiscordError::new(
            StatusCode::BAD_REQUEST,
            50024,
            "Cannot execute action on this channel type",
        )
        .violation(
            Rule::Request,
            "thread members of a channel that is not a thread",
        ));
    }
    Ok(c)
}

fn join(w: &mut World, channel_id: u64, user: UserId, add: bool) -> Answer {
    if w.user(user).is_none() {
        return Err(DiscordError::new(
            StatusCode::NOT_FOUND,
            10013,
            "Unknown User",
        ));
    }
    let thread = thread_mut(w, channel_id)?;
    thread.members.retain(|m| *m != user);
    if add {
        thread.members.push(user);
    }
    no_content()
}

/// `PUT /channels/{id}/thread-members/{user_id}`: adds a user to a thread.
pub(super) async fn add_member(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, user)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| join(w, channel_id, UserId::new(user), true))
}

pub(super) async fn remove_member(
    State(shared): State<Arc<Shared>>,
    Path((channel_id, user)): Path<(u64, u64)>,
) -> Answer {
    shared.update(|w| join(w, channel_id, UserId::new(user), false))
}

pub(super) async fn join_thread(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.update(|w| join(w, channel_id, Ids::FIXED.bot, true))
}

pub(super) async fn leave_thread(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.update(|w| join(w, channel_id, Ids::FIXED.bot, false))
}

/// `GET /channels/{id}/thread-members`.
pub(super) async fn members(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.update(|w| {
        let thread = thread_mut(w, channel_id)?.clone();
        let list: Vec<Value> = thread
            .members
            .iter()
            .map(|u| {
                json!({"id": thread.id.to_string(), "user_id": u.to_string(),
                       "join_timestamp": thread.created, "flags": 0})
            })
            .collect();
        ok(model::checked::<Vec<serenity::model::guild::ThreadMember>>(
            "thread members",
            Value::Array(list),
        ))
    })
}

/// `POST /channels/{id}/typing`: nothing to show in a fake.
pub(super) async fn typing(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
) -> Answer {
    shared.read(|w| {
        w.channel(ChannelId::new(channel_id))
            .map(|_| ())
            .ok_or_else(DiscordError::unknown_channel)
    })?;
    super::no_content()
}
