//! Guild scheduled events (the Events tab): list (with `with_user_count`), create, get, modify,
//! delete and list the users who are interested, as Discord answers them.
//!
//! Discord's rules that the spec does not carry are enforced here: at most 100 events that are
//! scheduled or active per guild (30038); an external event needs an end time and a location;
//! a voice or stage event needs a channel of that kind; the status moves only scheduled →
//! active → completed or scheduled → cancelled; the permissions of Discord's split of 23
//! February 2026 (50013 without them): creating needs Create Events, changing or deleting an
//! event needs Create Events if the bot made it or Manage Events, and Manage Events for
//! anyone else's. Every change is dispatched as `GUILD_SCHEDULED_EVENT_*` to a bot that asked for
//! the GUILD_SCHEDULED_EVENTS intent.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Extension;
use serde::Deserialize;
use serde_json::{json, Value};
use serenity::model::id::{ChannelId, UserId};
use serenity::model::Permissions;

use super::{no_content, ok, Answer, Body, DiscordError};
use crate::model::{self, EventRec, Ids};
use crate::session::intents;
use crate::state::{Rule, Shared, World};

/// Discord's cap on a guild's scheduled and active events.
pub(crate) const MAX_EVENTS: usize = 100;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    with_user_count: Option<bool>,
}

fn unknown_event() -> DiscordError {
    DiscordError::new(
        StatusCode::NOT_FOUND,
        10070,
        "Unknown Guild Scheduled Event",
    )
}

fn unknown_guild() -> DiscordError {
    DiscordError::new(StatusCode::NOT_FOUND, 10004, "Unknown Guild")
}

pub(super) fn check_guild(guild_id: u64) -> Result<(), DiscordError> {
    if guild_id == Ids::FIXED.guild.get() {
        Ok(())
    } else {
        Err(unknown_guild())
    }
}

pub(super) fn missing_permissions() -> DiscordError {
    DiscordError::new(StatusCode::FORBIDDEN, 50013, "Missing Permissions")
}

/// Whether the bot may change or delete `event`: its own with Create Events or Manage Events,
/// anyone else's only with Manage Events.
fn may_change(w: &World, event: &EventRec) -> Result<(), DiscordError> {
    let has = w.bot_permissions();
    let allowed = has.contains(Permissions::MANAGE_EVENTS)
        || (event.creator == Ids::FIXED.bot && has.contains(Permissions::CREATE_EVENTS));
    if allowed {
        Ok(())
    } else {
        Err(missing_permissions())
    }
}

/// 400 "Invalid Form Body" at one field, recorded as a violation: the bot sent what Discord
/// refuses.
fn invalid(field: &str, code: &'static str, message: &str) -> DiscordError {
    let path = field.split('.').map(str::to_owned).collect();
    DiscordError::invalid_form_body(&[crate::limits::FieldError {
        path,
        code,
        message: message.to_owned(),
    }])
    .violation_at(Rule::Request, field, message)
}

/// `GET /guilds/{id}/scheduled-events`: the events that are scheduled or active (Discord
/// drops completed and cancelled ones from the list).
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(guild_id): Path<u64>,
    Query(query): Query<ListQuery>,
) -> Answer {
    check_guild(guild_id)?;
    let counted = query.with_user_count.unwrap_or(false);
    ok(shared.read(|w| {
        Value::Array(
            w.events
                .iter()
                .filter(|e| e.is_open())
                .map(|e| event_json(w, e, counted))
                .collect(),
        )
    }))
}

/// `POST /guilds/{id}/scheduled-events`.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Path(guild_id): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_guild(guild_id)?;
    let id = shared.next_id();
    shared.update(|w| {
        if !w.bot_permissions().contains(Permissions::CREATE_EVENTS) {
            return Err(missing_permissions());
        }
        if w.events.iter().filter(|e| e.is_open()).count() >= MAX_EVENTS {
            return Err(DiscordError::new(
                StatusCode::BAD_REQUEST,
                30038,
                "Maximum number of uncompleted guild scheduled events reached (100)",
            ));
        }
        let mut event = EventRec {
            id,
            creator: Ids::FIXED.bot,
            kind: body["entity_type"].as_u64().unwrap_or(0) as u8,
            status: 1,
            name: String::new(),
            description: None,
            start: String::new(),
            end: None,
            channel_id: None,
            location: None,
            interested: Vec::new(),
        };
        apply(w, &mut event, &body)?;
        let json = event_json(w, &event, false);
        w.events.push(event);
        dispatch(w, "GUILD_SCHEDULED_EVENT_CREATE", json.clone());
        ok(json)
    })
}

/// Copies the fields of a create or modify body onto `event` and checks what Discord checks
/// beyond the spec.
fn apply(w: &World, event: &mut EventRec, body: &Value) -> Result<(), DiscordError> {
    if let Some(kind) = body.get("entity_type").and_then(Value::as_u64) {
        event.kind = kind as u8;
    }
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        event.name = name.to_owned();
    }
    if let Some(description) = body.get("description") {
        event.description = description.as_str().map(str::to_owned);
    }
    if let Some(start) = body.get("scheduled_start_time").and_then(Value::as_str) {
        event.start = start.to_owned();
    }
    if let Some(end) = body.get("scheduled_end_time") {
        event.end = end.as_str().map(str::to_owned);
    }
    if let Some(channel) = body.get("channel_id") {
        event.channel_id = channel
            .as_str()
            .and_then(|c| c.parse().ok())
            .map(ChannelId::new);
    }
    if let Some(location) = body.get("entity_metadata").map(|m| &m["location"]) {
        event.location = location.as_str().map(str::to_owned);
    }
    if event.name.is_empty() {
        return Err(invalid(
            "name",
            "BASE_TYPE_REQUIRED",
            "An event needs a name",
        ));
    }
    let start = parse_time(&event.start)
        .ok_or_else(|| invalid("scheduled_start_time", "BASE_TYPE_REQUIRED", "Not a time"))?;
    match event.kind {
        3 => {
            event.channel_id = None;
            if event.location.as_deref().is_none_or(str::is_empty) {
                return Err(invalid(
                    "entity_metadata.location",
                    "BASE_TYPE_REQUIRED",
                    "An external event needs a location",
                ));
            }
            if event.end.is_none() {
                return Err(invalid(
                    "scheduled_end_time",
                    "BASE_TYPE_REQUIRED",
                    "An external event needs an end time",
                ));
            }
        }
        kind @ (1 | 2) => {
            event.location = None;
            let wanted = if kind == 1 { 13 } else { 2 };
            let fits = event
                .channel_id
                .and_then(|c| w.channel(c))
                .is_some_and(|c| c.kind == wanted);
            if !fits {
                return Err(invalid(
                    "channel_id",
                    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                    "A voice or stage event needs a channel of its kind",
                ));
            }
        }
        other => {
            return Err(invalid(
                "entity_type",
                "BASE_TYPE_CHOICES",
                &format!("Unknown entity type {other}"),
            ))
        }
    }
    if let Some(end) = event.end.as_deref() {
        let end = parse_time(end)
            .ok_or_else(|| invalid("scheduled_end_time", "BASE_TYPE_BAD_TYPE", "Not a time"))?;
        if end <= start {
            return Err(invalid(
                "scheduled_end_time",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "The end must come after the start",
            ));
        }
    }
    Ok(())
}

fn parse_time(text: &str) -> Option<serenity::model::Timestamp> {
    serenity::model::Timestamp::parse(text).ok()
}

/// `GET /guilds/{id}/scheduled-events/{event}`.
pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((guild_id, event_id)): Path<(u64, u64)>,
    Query(query): Query<ListQuery>,
) -> Answer {
    check_guild(guild_id)?;
    let counted = query.with_user_count.unwrap_or(false);
    shared.read(|w| {
        let e = w.event(event_id).ok_or_else(unknown_event)?;
        ok(event_json(w, e, counted))
    })
}

/// `PATCH /guilds/{id}/scheduled-events/{event}`: fields and status, within Discord's status
/// rules.
pub(super) async fn modify(
    State(shared): State<Arc<Shared>>,
    Path((guild_id, event_id)): Path<(u64, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_guild(guild_id)?;
    shared.update(|w| {
        let at = w
            .events
            .iter()
            .position(|e| e.id == event_id)
            .ok_or_else(unknown_event)?;
        let mut event = w.events[at].clone();
        may_change(w, &event)?;
        if !event.is_open() {
            return Err(DiscordError::new(
                StatusCode::BAD_REQUEST,
                180000,
                "Cannot update a completed or cancelled event",
            )
            .violation(
                Rule::Request,
                "a completed or cancelled event cannot change",
            ));
        }
        if let Some(status) = body.get("status").and_then(Value::as_u64) {
            let allowed = matches!((event.status, status), (1, 1 | 2 | 4) | (2, 2 | 3));
            if !allowed {
                return Err(invalid(
                    "status",
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    &format!("The status cannot go from {} to {status}", event.status),
                ));
            }
            event.status = status as u8;
        }
        apply(w, &mut event, &body)?;
        w.events[at] = event.clone();
        let json = event_json(w, &event, false);
        dispatch(w, "GUILD_SCHEDULED_EVENT_UPDATE", json.clone());
        ok(json)
    })
}

/// `DELETE /guilds/{id}/scheduled-events/{event}`.
pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((guild_id, event_id)): Path<(u64, u64)>,
) -> Answer {
    check_guild(guild_id)?;
    shared.update(|w| {
        let event = w.event(event_id).ok_or_else(unknown_event)?;
        may_change(w, event)?;
        remove(w, event_id).ok_or_else(unknown_event)?;
        no_content()
    })
}

/// An organiser edits an event in Discord's app: `body`'s fields as a PATCH sets them (and
/// checks them), dispatched as GUILD_SCHEDULED_EVENT_UPDATE.
pub(crate) fn edit_by_hand(w: &mut World, event_id: u64, body: &Value) -> Result<(), String> {
    let at = w
        .events
        .iter()
        .position(|e| e.id == event_id)
        .ok_or_else(|| format!("no scheduled event {event_id}"))?;
    let mut event = w.events[at].clone();
    apply(w, &mut event, body).map_err(|e| format!("{e:?}"))?;
    w.events[at] = event.clone();
    let json = event_json(w, &event, false);
    dispatch(w, "GUILD_SCHEDULED_EVENT_UPDATE", json);
    Ok(())
}

/// Removes an event, dispatching GUILD_SCHEDULED_EVENT_DELETE; what it was, if it existed.
pub(crate) fn remove(w: &mut World, event_id: u64) -> Option<EventRec> {
    let at = w.events.iter().position(|e| e.id == event_id)?;
    let removed = w.events.remove(at);
    let json = event_json(w, &removed, false);
    dispatch(w, "GUILD_SCHEDULED_EVENT_DELETE", json);
    Some(removed)
}

/// `GET /guilds/{id}/scheduled-events/{event}/users`: who is interested (one page).
pub(super) async fn users(
    State(shared): State<Arc<Shared>>,
    Path((guild_id, event_id)): Path<(u64, u64)>,
) -> Answer {
    check_guild(guild_id)?;
    shared.read(|w| {
        let e = w.event(event_id).ok_or_else(unknown_event)?;
        let users: Vec<Value> = e
            .interested
            .iter()
            .filter_map(|u| w.user(*u))
            .map(|u| {
                model::checked::<serenity::model::guild::ScheduledEventUser>(
                    "scheduled event user",
                    json!({"guild_scheduled_event_id": e.id.to_string(), "user": model::user(u)}),
                )
            })
            .collect();
        ok(Value::Array(users))
    })
}

/// A scheduled event as Discord sends it.
pub(crate) fn event_json(w: &World, e: &EventRec, counted: bool) -> Value {
    let mut v = json!({
        "id": e.id.to_string(),
        "guild_id": Ids::FIXED.guild.to_string(),
        "channel_id": e.channel_id.map(|c| c.to_string()),
        "creator_id": e.creator.to_string(),
        "name": e.name,
        "description": e.description,
        "scheduled_start_time": e.start,
        "scheduled_end_time": e.end,
        "privacy_level": 2,
        "status": e.status,
        "entity_type": e.kind,
        "entity_id": null,
        "entity_metadata": e.location.as_ref().map(|l| json!({"location": l})),
        "image": null,
    });
    if let Some(creator) = w.user(e.creator) {
        v["creator"] = model::user(creator);
    }
    if counted {
        v["user_count"] = json!(e.interested.len());
    }
    model::checked::<serenity::model::guild::ScheduledEvent>("scheduled event", v)
}

/// Scheduled event dispatches need the GUILD_SCHEDULED_EVENTS intent.
pub(crate) fn dispatch(w: &mut World, t: &str, d: Value) {
    w.dispatch_with_intent(intents::GUILD_SCHEDULED_EVENTS, t, d);
}

/// A user presses (or un-presses) Interested: recorded, and dispatched as
/// GUILD_SCHEDULED_EVENT_USER_ADD (or _REMOVE). False if nothing changed.
pub(crate) fn set_interest(w: &mut World, event_id: u64, user: UserId, interested: bool) -> bool {
    let Some(e) = w.events.iter_mut().find(|e| e.id == event_id) else {
        panic!("no scheduled event {event_id}");
    };
    let had = e.interested.contains(&user);
    if had == interested {
        return false;
    }
    if interested {
        e.interested.push(user);
    } else {
        e.interested.retain(|u| *u != user);
    }
    let t = if interested {
        "GUILD_SCHEDULED_EVENT_USER_ADD"
    } else {
        "GUILD_SCHEDULED_EVENT_USER_REMOVE"
    };
    let d = json!({
        "guild_scheduled_event_id": event_id.to_string(),
        "user_id": user.to_string(),
        "guild_id": Ids::FIXED.guild.to_string(),
    });
    dispatch(w, t, d);
    true
}
