//! Application commands: bulk overwrite (what poise's `register_*` use), single create and
//! list, globally and for the guild. Commands are stored with ids, which stay the same when a
//! command of the same name and type is overwritten, as on Discord.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{json, Value};

use super::{ok, Answer, Body, DiscordError};
use crate::model::{self, Ids};
use crate::state::{Rule, Shared, World};

fn check_ids(application_id: u64, guild_id: Option<u64>) -> Result<(), DiscordError> {
    if application_id != Ids::FIXED.application.get() {
        return Err(
            DiscordError::new(StatusCode::FORBIDDEN, 50001, "Missing Access").violation(
                Rule::Request,
                format!("application id {application_id} is not the bot's"),
            ),
        );
    }
    if guild_id.is_some_and(|g| g != Ids::FIXED.guild.get()) {
        return Err(DiscordError::new(
            StatusCode::NOT_FOUND,
            10004,
            "Unknown Guild",
        ));
    }
    Ok(())
}

/// The command Discord stores and returns for a request body.
fn stored(shared: &Shared, existing: &[Value], body: &Value, guild: bool) -> Value {
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(1);
    let name = body["name"].as_str().unwrap_or_default();
    let id = existing
        .iter()
        .find(|c| c["name"] == name && c["type"] == kind)
        .map_or_else(
            || shared.next_id().to_string(),
            |c| c["id"].as_str().unwrap_or_default().to_owned(),
        );
    let permissions = match &body["default_member_permissions"] {
        Value::Number(n) => json!(n.to_string()),
        other => other.clone(),
    };
    let mut cmd = json!({
        "id": id,
        "application_id": Ids::FIXED.application.to_string(),
        "version": shared.next_id().to_string(),
        "type": kind,
        "name": name,
        "name_localizations": body.get("name_localizations").cloned().unwrap_or(Value::Null),
        "description": body.get("description").cloned().unwrap_or(json!("")),
        "description_localizations": body.get("description_localizations").cloned().unwrap_or(Value::Null),
        "default_member_permissions": permissions,
        "dm_permission": body.get("dm_permission").cloned().unwrap_or(json!(true)),
        "nsfw": body.get("nsfw").cloned().unwrap_or(json!(false)),
        "integration_types": body.get("integration_types").cloned().unwrap_or(json!([0])),
        "contexts": body.get("contexts").cloned().unwrap_or(Value::Null),
    });
    if let Some(options) = body.get("options").filter(|o| !o.is_null()) {
        cmd["options"] = options.clone();
    }
    if guild {
        cmd["guild_id"] = json!(Ids::FIXED.guild.to_string());
    }
    model::checked::<serenity::model::application::Command>("command", cmd)
}

fn commands_mut(w: &mut World, guild: bool) -> &mut Vec<Value> {
    if guild {
        &mut w.guild_commands
    } else {
        &mut w.global_commands
    }
}

fn overwrite(shared: &Shared, body: &Value, guild: bool) -> Answer {
    let bodies = body.as_array().cloned().unwrap_or_default();
    let existing = shared.read(|w| {
        if guild {
            w.guild_commands.clone()
        } else {
            w.global_commands.clone()
        }
    });
    let new: Vec<Value> = bodies
        .iter()
        .map(|b| stored(shared, &existing, b, guild))
        .collect();
    shared.update(|w| *commands_mut(w, guild) = new.clone());
    ok(Value::Array(new))
}

fn create(shared: &Shared, body: &Value, guild: bool) -> Answer {
    let existing = shared.read(|w| {
        if guild {
            w.guild_commands.clone()
        } else {
            w.global_commands.clone()
        }
    });
    let cmd = stored(shared, &existing, body, guild);
    shared.update(|w| {
        let list = commands_mut(w, guild);
        list.retain(|c| c["id"] != cmd["id"]);
        list.push(cmd.clone());
    });
    ok(cmd)
}

pub(super) async fn list_global(State(shared): State<Arc<Shared>>, Path(app): Path<u64>) -> Answer {
    check_ids(app, None)?;
    ok(Value::Array(shared.read(|w| w.global_commands.clone())))
}

pub(super) async fn overwrite_global(
    State(shared): State<Arc<Shared>>,
    Path(app): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_ids(app, None)?;
    overwrite(&shared, &body, false)
}

pub(super) async fn create_global(
    State(shared): State<Arc<Shared>>,
    Path(app): Path<u64>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_ids(app, None)?;
    create(&shared, &body, false)
}

pub(super) async fn list_guild(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
) -> Answer {
    check_ids(app, Some(guild))?;
    ok(Value::Array(shared.read(|w| w.guild_commands.clone())))
}

pub(super) async fn overwrite_guild(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_ids(app, Some(guild))?;
    overwrite(&shared, &body, true)
}

pub(super) async fn create_guild(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
    Extension(Body(body)): Extension<Body>,
) -> Answer {
    check_ids(app, Some(guild))?;
    create(&shared, &body, true)
}
