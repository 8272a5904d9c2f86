//! Interaction responses: the callback, `@original` and follow-ups, with the rules Discord
//! enforces and its spec cannot express: one acknowledgement per interaction, within 3 seconds
//! of the dispatch (later ones get 10062 "Unknown interaction"), a callback type that fits the
//! interaction, and webhook tokens valid for 15 minutes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::Value;

use super::messages::{apply_fields, new_message};
use super::{no_content, ok, Answer, Body, DiscordError, Files, LOADING};
use crate::model::{self, Ids};
use crate::state::{InteractionResponse, Rule, Shared, World};

/// How long an interaction's token may be used for `@original` and follow-ups.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

fn unknown_interaction(detail: impl Into<String>) -> DiscordError {
    DiscordError::new(StatusCode::NOT_FOUND, 10062, "Unknown interaction").violation_at(
        Rule::Interaction,
        "type",
        detail,
    )
}

/// Which callback types fit which interaction type.
fn allowed(interaction_kind: u8, callback: u64) -> bool {
    match interaction_kind {
        2 => matches!(callback, 4 | 5 | 9),
        3 => matches!(callback, 4..=7 | 9),
        4 => callback == 8,
        5 => matches!(callback, 4..=7),
        _ => false,
    }
}

pub(super) async fn callback(
    State(shared): State<Arc<Shared>>,
    Path((interaction_id, token)): Path<(u64, String)>,
    Extension(Body(body)): Extension<Body>,
    Extension(Files(files)): Extension<Files>,
) -> Answer {
    let arrived = Instant::now();
    let deadline = shared.config.ack_deadline;
    let kind = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let ephemeral_or_loading = |flags: u64| flags & 64 | if kind == 5 { LOADING } else { 0 };
    shared.update(|w| {
        let Some(i) = w
            .interactions
            .iter()
            .position(|x| x.id == interaction_id && x.token == token)
        else {
            return Err(unknown_interaction("no such interaction id and token"));
        };
        let age = w.interactions[i].age();
        if age > deadline {
            w.interactions[i].acknowledged_late = true;
            return Err(unknown_interaction(format!(
                "acknowledged after {} ms, Discord's deadline is {} ms",
                age.as_millis(),
                deadline.as_millis()
            )));
        }
        let it = &w.interactions[i];
        if !it.responses.is_empty() {
            return Err(DiscordError::new(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            )
            .violation(
                Rule::Interaction,
                "a second acknowledgement of one interaction",
            ));
        }
        if !allowed(it.kind, kind) {
            let detail = format!(
                "callback type {kind} does not fit interaction type {}",
                it.kind
            );
            return Err(
                DiscordError::invalid_form_body(&[crate::limits::FieldError {
                    path: vec!["type".into()],
                    code: "INTERACTION_CALLBACK_TYPE_INVALID",
                    message: detail.clone(),
                }])
                .violation(Rule::Interaction, detail),
            );
        }
        let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
        let list = |k: &str| {
            data.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let response = InteractionResponse {
            kind: u8::try_from(kind).unwrap_or(0),
            content: data
                .get("content")
                .and_then(Value::as_str)
                .map(str::to_owned),
            embeds: list("embeds"),
            components: list("components"),
            flags,
            allowed_mentions: data
                .get("allowed_mentions")
                .filter(|v| !v.is_null())
                .cloned(),
            choices: list("choices"),
            data: data.clone(),
            files: files.clone(),
            latency: arrived.duration_since(it.dispatched),
        };
        let channel = it.channel_id;
        let source_message = it.message;
        w.interactions[i].responses.push(response);
        // Deferrals (5, 6) only acknowledge; anything else is the answer.
        if !matches!(kind, 5 | 6) {
            w.interactions[i].answer_seen();
        }
        match kind {
            4 | 5 => {
                let mut m = new_message(
                    &shared,
                    channel,
                    Ids::FIXED.bot,
                    &data,
                    Some(interaction_id),
                );
                m.flags |= ephemeral_or_loading(flags);
                m.files = files.into_iter().map(|f| (shared.next_id(), f)).collect();
                w.interactions[i].original = Some(m.id);
                w.push_message(m);
            }
            // UPDATE_MESSAGE edits the message whose component was clicked.
            7 => {
                if let Some(index) = w.messages.iter().position(|m| Some(m.id) == source_message) {
                    apply_fields(&mut w.messages[index], &data);
                    w.messages[index].edited = Some(model::now_iso());
                    w.message_event(index, "MESSAGE_UPDATE");
                }
                w.interactions[i].original = source_message;
            }
            6 => w.interactions[i].original = source_message,
            _ => {}
        }
        no_content()
    })
}

/// The interaction a webhook token belongs to, checking the application id and token age.
fn by_token(w: &World, webhook_id: u64, token: &str) -> Result<usize, DiscordError> {
    if webhook_id != Ids::FIXED.application.get() {
        return Err(
            DiscordError::new(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
                .violation(Rule::Interaction, "webhook id is not the application id"),
        );
    }
    let i = w
        .interactions
        .iter()
        .position(|x| x.token == token)
        .ok_or_else(|| {
            DiscordError::new(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
                .violation(Rule::Interaction, "no interaction has this token")
        })?;
    if w.interactions[i].age() > TOKEN_LIFETIME {
        return Err(
            DiscordError::new(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token")
                .violation(Rule::Interaction, "interaction token used after 15 minutes"),
        );
    }
    Ok(i)
}

/// The index of the interaction's original message.
fn original(w: &World, webhook_id: u64, token: &str) -> Result<usize, DiscordError> {
    let i = by_token(w, webhook_id, token)?;
    let Some(id) = w.interactions[i].original else {
        return Err(DiscordError::unknown_message().violation(
            Rule::Interaction,
            "@original used before the interaction was acknowledged with a message",
        ));
    };
    w.messages
        .iter()
        .position(|m| m.id == id && !m.deleted)
        .ok_or_else(|| {
            DiscordError::unknown_message().violation(Rule::Interaction, "@original was deleted")
        })
}

fn followup(
    w: &World,
    webhook_id: u64,
    token: &str,
    message_id: u64,
) -> Result<usize, DiscordError> {
    let i = by_token(w, webhook_id, token)?;
    let it = &w.interactions[i];
    if !it.followups.contains(&message_id) && it.original != Some(message_id) {
        return Err(DiscordError::unknown_message()
            .violation(Rule::Interaction, "not a message of this interaction"));
    }
    w.messages
        .iter()
        .position(|m| m.id == message_id && !m.deleted)
        .ok_or_else(DiscordError::unknown_message)
}

fn edit_at(w: &mut World, m: usize, body: &Value) -> Answer {
    let msg = &mut w.messages[m];
    apply_fields(msg, body);
    msg.flags &= !LOADING;
    msg.edited = Some(model::now_iso());
    w.message_event(m, "MESSAGE_UPDATE");
    ok(w.message_json(&w.messages[m]))
}

pub(super) async fn get_original(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token)): Path<(u64, String)>,
) -> Answer {
    shared.read(|w| {
        let m = original(w, webhook_id, &token)?;
        ok(w.message_json(&w.messages[m]))
    })
}

pub(super) async fn edit_original(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token)): Path<(u64, String)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        let m = original(w, webhook_id, &token)?;
        let answer = edit_at(w, m, &body)?;
        let i = by_token(w, webhook_id, &token)?;
        w.interactions[i].answer_seen();
        Ok(answer)
    })
}

pub(super) async fn delete_original(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token)): Path<(u64, String)>,
) -> Answer {
    shared.update(|w| {
        let m = original(w, webhook_id, &token)?;
        w.messages[m].deleted = true;
        w.message_event(m, "MESSAGE_DELETE");
        no_content()
    })
}

/// `POST /webhooks/{application_id}/{token}`: a follow-up message.
pub(super) async fn create_followup(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token)): Path<(u64, String)>,
    Extension(Body(body)): Extension<Body>,
    Extension(Files(files)): Extension<Files>,
) -> Answer {
    let id = shared.next_id();
    shared.update(|w| {
        let i = by_token(w, webhook_id, &token)?;
        if w.interactions[i].responses.is_empty() {
            return Err(
                DiscordError::new(StatusCode::NOT_FOUND, 10015, "Unknown Webhook").violation(
                    Rule::Interaction,
                    "a follow-up before the interaction was acknowledged",
                ),
            );
        }
        if body
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
            && body
                .get("embeds")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            && body
                .get("components")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        {
            return Err(super::messages::empty_message_error());
        }
        let it = &w.interactions[i];
        let mut m = new_message(&shared, it.channel_id, Ids::FIXED.bot, &body, Some(it.id));
        m.id = id;
        m.files = files.into_iter().map(|f| (shared.next_id(), f)).collect();
        w.interactions[i].followups.push(id);
        w.interactions[i].answer_seen();
        let json = w.message_json(&m);
        w.push_message(m);
        ok(json)
    })
}

pub(super) async fn get_followup(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token, message_id)): Path<(u64, String, u64)>,
) -> Answer {
    shared.read(|w| {
        let m = followup(w, webhook_id, &token, message_id)?;
        ok(w.message_json(&w.messages[m]))
    })
}

pub(super) async fn edit_followup(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token, message_id)): Path<(u64, String, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    shared.update(|w| {
        let m = followup(w, webhook_id, &token, message_id)?;
        edit_at(w, m, &body)
    })
}

pub(super) async fn delete_followup(
    State(shared): State<Arc<Shared>>,
    Path((webhook_id, token, message_id)): Path<(u64, String, u64)>,
) -> Answer {
    shared.update(|w| {
        let m = followup(w, webhook_id, &token, message_id)?;
        w.messages[m].deleted = true;
        w.message_event(m, "MESSAGE_DELETE");
        no_content()
    })
}
