//! The REST API under `/api/v10`, one file per route group, and the layer every request passes
//! through first: record it, check its `Authorization`, inject queued faults, count it against
//! its rate-limit bucket, and validate its body against Discord's spec and limits.
//!
//! Route templates are written exactly as in Discord's OpenAPI spec, so axum's `MatchedPath`
//! is the key for the spec validator, the fault queue and the request log alike.

mod channels;
mod commands;
pub(crate) mod events;
mod interactions;
mod messages;
mod meta;
pub(crate) mod places;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as HttpBody;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::FutureExt;
use serde_json::{json, Map, Value};

use crate::faults::Fault;
use crate::limits::FieldError;
use crate::state::{RecordedRequest, Rule, Shared};
use crate::{gateway, limits, spec};

/// The path prefix of Discord's REST API.
pub(crate) const API: &str = "/api/v10";

/// Message flag LOADING: the "is thinking..." state of a deferred response.
pub(crate) const LOADING: u64 = 128;

/// Marks a connection that came in over TLS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tls;

/// The parsed JSON body of a request (`Null` when it had none), handed to the handlers.
#[derive(Debug, Clone)]
pub(crate) struct Body(pub(crate) Value);

/// The files of a multipart request (`files[n]` parts), in order.
#[derive(Clone, Default)]
pub(crate) struct Files(pub(crate) Vec<crate::model::UploadedFile>);

/// Routes where the fake takes files as `multipart/form-data` (the JSON body in a
/// `payload_json` part) and records them: interaction responses and follow-ups.
fn takes_files(route: &str) -> bool {
    matches!(
        route,
        "/interactions/{interaction_id}/{interaction_token}/callback"
            | "/webhooks/{webhook_id}/{webhook_token}"
    )
}

/// A `multipart/form-data` body as Discord reads it: its `payload_json` part and its files.
fn parse_multipart(
    content_type: &str,
    bytes: &[u8],
) -> Result<(Option<Value>, Vec<crate::model::UploadedFile>), String> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .ok_or("a multipart body without a boundary")?;
    let delimiter = format!("--{boundary}");
    let mut payload = None;
    let mut files = Vec::new();
    let starts: Vec<usize> = bytes
        .windows(delimiter.len())
        .enumerate()
        .filter(|(_, w)| *w == delimiter.as_bytes())
        .map(|(i, _)| i)
        .collect();
    for pair in starts.windows(2) {
        let part = &bytes[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("a multipart part without headers")?;
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let body = &part[split + 4..];
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .ok_or("a multipart part without Content-Disposition")?;
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix(&format!("{key}="))
                    .map(|v| v.trim_matches('"').to_string())
            })
        };
        let name = param("name").ok_or("a multipart part without a name")?;
        if name == "payload_json" {
            payload = Some(serde_json::from_slice(body).map_err(|e| e.to_string())?);
        } else if name.starts_with("files[") {
            files.push(crate::model::UploadedFile {
                filename: param("filename").ok_or("a file part without a filename")?,
                bytes: body.to_vec(),
            });
        } else {
            return Err(format!("an unexpected multipart part {name:?}"));
        }
    }
    Ok((payload, files))
}

/// Every route the fake serves.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = |path: &str| format!("{API}{path}");
    Router::new()
        .route(&api("/gateway"), get(meta::gateway))
        .route(&api("/gateway/bot"), get(meta::gateway_bot))
        .route(&api("/users/@me"), get(meta::current_user))
        .route(&api("/users/{user_id}"), get(meta::user))
        .route(&api("/users/@me/channels"), post(channels::create_dm))
        .route(&api("/users/@me/guilds"), get(meta::current_user_guilds))
        .route(&api("/oauth2/applications/@me"), get(meta::application))
        .route(&api("/applications/@me"), get(meta::application))
        .route(&api("/guilds/{guild_id}"), get(meta::guild))
        .route(
            &api("/guilds/{guild_id}/channels"),
            get(meta::guild_channels).post(places::create_channel),
        )
        .route(&api("/guilds/{guild_id}/roles"), get(meta::roles))
        .route(
            &api("/guilds/{guild_id}/scheduled-events"),
            get(events::list).post(events::create),
        )
        .route(
            &api("/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
            get(events::get)
                .patch(events::modify)
                .delete(events::delete),
        )
        .route(
            &api("/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users"),
            get(events::users),
        )
        .route(
            &api("/guilds/{guild_id}/members/{user_id}"),
            get(meta::member),
        )
        .route(
            &api("/applications/{application_id}/commands"),
            get(commands::list_global)
                .put(commands::overwrite_global)
                .post(commands::create_global),
        )
        .route(
            &api("/applications/{application_id}/guilds/{guild_id}/commands"),
            get(commands::list_guild)
                .put(commands::overwrite_guild)
                .post(commands::create_guild),
        )
        .route(
            &api("/interactions/{interaction_id}/{interaction_token}/callback"),
            post(interactions::callback),
        )
        .route(
            &api("/webhooks/{webhook_id}/{webhook_token}"),
            post(interactions::create_followup),
        )
        .route(
            &api("/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
            get(interactions::get_original)
                .patch(interactions::edit_original)
                .delete(interactions::delete_original),
        )
        .route(
            &api("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
            get(interactions::get_followup)
                .patch(interactions::edit_followup)
                .delete(interactions::delete_followup),
        )
        .route(
            &api("/channels/{channel_id}"),
            get(channels::get)
                .patch(channels::edit)
                .delete(channels::delete),
        )
        .route(
            &api("/channels/{channel_id}/voice-status"),
            axum::routing::put(places::voice_status),
        )
        .route(&api("/stage-instances"), post(places::create_stage))
        .route(
            &api("/stage-instances/{channel_id}"),
            get(places::get_stage)
                .patch(places::edit_stage)
                .delete(places::delete_stage),
        )
        .route(
            &api("/channels/{channel_id}/threads"),
            post(channels::create_thread),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}/threads"),
            post(channels::create_thread_from_message),
        )
        .route(
            &api("/channels/{channel_id}/messages"),
            get(messages::list).post(messages::create),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}"),
            get(messages::get)
                .patch(messages::edit)
                .delete(messages::delete),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}/reactions"),
            axum::routing::delete(messages::delete_all_reactions),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}"),
            get(messages::reactions),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"),
            axum::routing::put(messages::react).delete(messages::unreact),
        )
        .route(
            &api("/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}"),
            axum::routing::delete(messages::remove_reaction),
        )
        .route(&api("/channels/{channel_id}/pins"), get(messages::pins))
        .route(
            &api("/channels/{channel_id}/pins/{message_id}"),
            axum::routing::put(messages::pin).delete(messages::unpin),
        )
        .route(
            &api("/channels/{channel_id}/typing"),
            post(channels::typing),
        )
        .route(
            &api("/channels/{channel_id}/thread-members"),
            get(channels::members),
        )
        .route(
            &api("/channels/{channel_id}/thread-members/@me"),
            axum::routing::put(channels::join_thread).delete(channels::leave_thread),
        )
        .route(
            &api("/channels/{channel_id}/thread-members/{user_id}"),
            axum::routing::put(channels::add_member).delete(channels::remove_member),
        )
        .route("/ws", get(gateway::upgrade))
        // Discord's CDN, outside the API: attachments need no token.
        .route("/attachments/{id}/{filename}", get(meta::attachment))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            check_and_record,
        ))
        .with_state(shared)
}

/// An error answered the way Discord answers it: `{"code", "message", "errors"?}`.
/// Boxed, since handlers return it in every `Result`.
#[derive(Debug)]
pub(crate) struct DiscordError(Box<ErrorBody>);

#[derive(Debug)]
struct ErrorBody {
    status: StatusCode,
    code: u64,
    message: String,
    errors: Option<Value>,
    violation: Option<(Rule, Option<String>, String)>,
}

impl DiscordError {
    pub(crate) fn new(status: StatusCode, code: u64, message: &str) -> Self {
        DiscordError(Box::new(ErrorBody {
            status,
            code,
            message: message.into(),
            errors: None,
            violation: None,
        }))
    }

    /// Also records a violation: the bot did something Discord refuses.
    pub(crate) fn violation(mut self, rule: Rule, detail: impl Into<String>) -> Self {
        self.0.violation = Some((rule, None, detail.into()));
        self
    }

    /// Also records a violation at a field of the body.
    pub(crate) fn violation_at(
        mut self,
        rule: Rule,
        field: &str,
        detail: impl Into<String>,
    ) -> Self {
        self.0.violation = Some((rule, Some(field.to_owned()), detail.into()));
        self
    }

    pub(crate) fn unknown_channel() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
    }

    pub(crate) fn unknown_message() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10008, "Unknown Message")
    }

    /// 400 "Invalid Form Body" (50035) with Discord's nested `errors` object.
    pub(crate) fn invalid_form_body(errors: &[FieldError]) -> Self {
        let mut tree = Map::new();
        for e in errors {
            let mut node = &mut tree;
            for segment in &e.path {
                node = node
                    .entry(segment.clone())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("error tree nodes are objects");
            }
            let list = node.entry("_errors").or_insert_with(|| json!([]));
            list.as_array_mut()
                .expect("_errors is a list")
                .push(json!({"code": e.code, "message": e.message}));
        }
        let mut error = Self::new(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
        error.0.errors = Some(Value::Object(tree));
        error
    }
}

/// A violation carried from a handler's error response to the recording layer.
#[derive(Debug, Clone)]
struct ViolationMark(Rule, Option<String>, String);

impl IntoResponse for DiscordError {
    fn into_response(self) -> Response {
        let e = *self.0;
        let mut body = json!({"code": e.code, "message": e.message});
        if let Some(errors) = e.errors {
            body["errors"] = errors;
        }
        let mut response = (e.status, Json(body)).into_response();
        if let Some((rule, field, detail)) = e.violation {
            response
                .extensions_mut()
                .insert(ViolationMark(rule, field, detail));
        }
        response
    }
}

/// A handler's result.
pub(crate) type Answer = Result<Response, DiscordError>;

pub(crate) fn ok(value: Value) -> Answer {
    Ok(Json(value).into_response())
}

pub(crate) fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The value of the first parameter of a route in a concrete path: Discord's "major
/// parameter", which keys rate-limit buckets. A webhook's is its id and token together, so
/// each interaction's follow-ups (`/webhooks/{application_id}/{token}/…`) have a bucket of
/// their own, not one shared by every interaction of the application.
fn major_parameter(route: &str, path: &str) -> String {
    let mut values = route
        .split('/')
        .zip(path.split('/'))
        .filter(|(template, _)| template.starts_with('{'))
        .map(|(_, value)| value);
    let first = values.next().unwrap_or_default();
    match (route.starts_with("/webhooks/"), values.next()) {
        (true, Some(token)) => format!("{first}/{token}"),
        _ => first.to_owned(),
    }
}

async fn check_and_record(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(path) = req.uri().path().strip_prefix(API).map(str::to_owned) else {
        return next.run(req).await;
    };
    let method = req.method().as_str().to_owned();
    let lower = method.to_ascii_lowercase();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| m.as_str().strip_prefix(API))
        .map(str::to_owned);
    let tls = req.extensions().get::<Tls>().is_some();
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let multipart = content_type.starts_with("multipart/");
    let mut files = Vec::new();
    let parsed: Result<Option<Value>, String> = if bytes.is_empty() {
        Ok(None)
    } else if multipart {
        parse_multipart(content_type, &bytes).map(|(payload, uploaded)| {
            files = uploaded;
            payload
        })
    } else {
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| e.to_string())
    };
    let authorized = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bot {}", shared.config.token));
    let label = format!("{method} {path}");
    let index = shared.update(|w| {
        w.requests.push(RecordedRequest {
            method: method.clone(),
            path: path.clone(),
            route: route.clone(),
            body: parsed.clone().ok().flatten(),
            status: 0,
            at: std::time::SystemTime::now(),
            tls,
        });
        w.requests.len() - 1
    });

    let multipart_refused = multipart && !route.as_deref().is_some_and(takes_files);
    let route = match refusal(route.as_deref(), authorized, multipart_refused, &parsed) {
        Ok(route) => route,
        Err(err) => return finish(&shared, index, &label, err.into_response()),
    };
    // Interaction callbacks and webhooks do not count towards Discord's global limit.
    let exempt = route.starts_with("/interactions/") || route.starts_with("/webhooks/");
    let over_global = shared.update(|w| match &mut w.global_limit {
        Some(limit) if !exempt => limit.hit(std::time::Instant::now()),
        _ => None,
    });
    if let Some(retry_after) = over_global {
        return finish(&shared, index, &label, rate_limited(retry_after, true));
    }
    let (fault, verdict) = shared.update(|w| {
        let fault = w.faults.take(&lower, route);
        let major = major_parameter(route, &path);
        let verdict = fault
            .is_none_or(|f| f == Fault::LostAfterWrite)
            .then(|| w.buckets.hit(&lower, route, &major));
        (fault, verdict)
    });
    if let Some(fault) = fault.filter(|f| *f != Fault::LostAfterWrite) {
        return finish(&shared, index, &label, fault_response(fault));
    }
    let verdict = verdict.expect("a bucket verdict when there is no fault");
    let response = if let Some(retry_after) = verdict.exceeded {
        rate_limited(retry_after, false)
    } else {
        let body = parsed.ok().flatten().unwrap_or(Value::Null);
        match check_body(&shared, &label, &lower, route, &body) {
            Some(err) => err.into_response(),
            None => {
                parts.extensions.insert(Body(body));
                parts.extensions.insert(Files(files));
                run_handler(next, Request::from_parts(parts, HttpBody::empty())).await
            }
        }
    };
    // Carried out, but the answer is lost on its way back.
    let response = match fault {
        Some(lost) => fault_response(lost),
        None => response,
    };
    finish(
        &shared,
        index,
        &label,
        with_headers(response, &verdict.headers),
    )
}

/// What Discord refuses before looking at a request's body: an unknown route, a missing or
/// wrong token, a body that is not JSON. Returns the route template otherwise.
fn refusal<'r>(
    route: Option<&'r str>,
    authorized: bool,
    multipart: bool,
    parsed: &Result<Option<Value>, String>,
) -> Result<&'r str, DiscordError> {
    let Some(route) = route else {
        return Err(
            DiscordError::new(StatusCode::NOT_FOUND, 0, "404: Not Found")
                .violation(Rule::UnknownRoute, "fake-discord does not know this route"),
        );
    };
    // Interaction callbacks and webhooks are authorized by their token in the path, and
    // `GET /gateway` needs no authorization at all.
    let open = route == "/gateway"
        || route.starts_with("/interactions/")
        || route.starts_with("/webhooks/");
    if !open && !authorized {
        return Err(
            DiscordError::new(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
                .violation(Rule::Auth, "missing or wrong `Authorization: Bot <token>`"),
        );
    }
    if multipart {
        return Err(
            DiscordError::new(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body").violation(
                Rule::Request,
                "a file upload (multipart body) to a route that takes no files",
            ),
        );
    }
    if let Err(e) = parsed {
        return Err(DiscordError::new(
            StatusCode::BAD_REQUEST,
            50109,
            "The request body contains invalid JSON.",
        )
        .violation(Rule::Request, e.clone()));
    }
    Ok(route)
}

/// Validates a body against the spec and the limits it lacks; records what fails.
fn check_body(
    shared: &Shared,
    label: &str,
    method: &str,
    route: &str,
    body: &Value,
) -> Option<DiscordError> {
    if body.is_null() {
        return None;
    }
    let schema = spec::validate(method, route, body);
    // A field the spec already refused (e.g. content over 4000) is reported once.
    let limit: Vec<FieldError> = limits::check(method, route, body)
        .into_iter()
        .filter(|l| schema.iter().all(|e| e.path != l.path))
        .collect();
    if schema.is_empty() && limit.is_empty() {
        return None;
    }
    shared.update(|w| {
        let all = schema
            .iter()
            .map(|e| (Rule::Spec, e))
            .chain(limit.iter().map(|e| (Rule::Limit, e)));
        for (rule, e) in all {
            w.violation(
                rule,
                label.to_owned(),
                Some(e.path.join(".")),
                e.message.clone(),
            );
        }
    });
    let all: Vec<FieldError> = schema.into_iter().chain(limit).collect();
    Some(DiscordError::invalid_form_body(&all))
}

/// Runs the route's handler. A method the route does not serve becomes Discord's 405, and a
/// panic (a fake-discord bug) a 500 recorded as a violation, so the test fails through
/// `violations()` instead of timing out on a dropped connection.
async fn run_handler(next: Next, req: Request) -> Response {
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) if response.status() == StatusCode::METHOD_NOT_ALLOWED => {
            DiscordError::new(StatusCode::METHOD_NOT_ALLOWED, 0, "405: Method Not Allowed")
                .violation(
                    Rule::UnknownRoute,
                    "fake-discord does not serve this method here",
                )
                .into_response()
        }
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            DiscordError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                0,
                "500: Internal Server Error",
            )
            .violation(Rule::FakeBug, what)
            .into_response()
        }
    }
}

/// Records the answer's status and the violation a handler marked on it.
fn finish(shared: &Shared, index: usize, label: &str, response: Response) -> Response {
    let mark = response.extensions().get::<ViolationMark>().cloned();
    shared.update(|w| {
        w.requests[index].status = response.status().as_u16();
        if let Some(ViolationMark(rule, field, detail)) = mark {
            w.violation(rule, label.to_owned(), field, detail);
        }
    });
    response
}

fn with_headers(mut response: Response, headers: &[(&'static str, String)]) -> Response {
    for (name, value) in headers {
        response.headers_mut().insert(
            *name,
            HeaderValue::from_str(value).expect("header values are ASCII"),
        );
    }
    response
}

fn rate_limited(retry_after: Duration, global: bool) -> Response {
    let secs = retry_after.as_secs_f64();
    let body =
        json!({"message": "You are being rate limited.", "retry_after": secs, "global": global});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(
        "retry-after",
        HeaderValue::from_str(&format!("{secs:.3}")).expect("a number"),
    );
    if global {
        h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
        h.insert("x-ratelimit-scope", HeaderValue::from_static("global"));
    } else {
        h.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
    }
    response
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited {
            retry_after,
            global,
        } => rate_limited(retry_after, global),
        Fault::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"message": "500: Internal Server Error", "code": 0})),
        )
            .into_response(),
        Fault::BadGateway | Fault::LostAfterWrite => (
            StatusCode::BAD_GATEWAY,
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::major_parameter;

    #[test]
    fn a_webhook_bucket_is_its_id_and_token_so_interactions_do_not_share_one() {
        let route = "/webhooks/{webhook_id}/{webhook_token}/messages/@original";
        assert_eq!(
            major_parameter(route, "/webhooks/1/first/messages/@original"),
            "1/first"
        );
        assert_ne!(
            major_parameter(route, "/webhooks/1/first/messages/@original"),
            major_parameter(route, "/webhooks/1/second/messages/@original")
        );
        let channel = "/channels/{channel_id}/messages/{message_id}";
        assert_eq!(major_parameter(channel, "/channels/7/messages/8"), "7");
    }
}
