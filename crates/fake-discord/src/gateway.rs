//! The gateway websocket: HELLO, IDENTIFY (a wrong token is closed with 4004), READY and
//! GUILD_CREATE, heartbeat ACKs, RESUME (replaying what the client missed, then RESUMED), and
//! on demand a dropped connection, op 7 RECONNECT and op 9 INVALID SESSION.
//!
//! A session outlives its connection: dispatches sent while the bot is disconnected are kept
//! and replayed on RESUME, as Discord does. Every dispatch counts the session's `s` up and is
//! checked against serenity's `GatewayEvent` before it is sent, because serenity drops a
//! dispatch it cannot parse without a word.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::mpsc;

use crate::model::{self, Ids};
use crate::state::{Rule, Shared, World};

/// A frame for one connection's writer task.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

#[derive(Debug)]
struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

/// A gateway session, which outlives its connections.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    seq: u64,
    /// Every dispatch of the session, for replay on RESUME.
    sent: Vec<(u64, String)>,
    conn: Option<Conn>,
    resumable: bool,
    /// The intents of its IDENTIFY: Discord only sends the events they ask for.
    intents: u64,
}

/// Gateway intents the fake looks at (Discord's bit values).
pub(crate) mod intents {
    pub(crate) const GUILDS: u64 = 1 << 0;
    pub(crate) const GUILD_MEMBERS: u64 = 1 << 1;
    pub(crate) const GUILD_MESSAGES: u64 = 1 << 9;
    pub(crate) const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub(crate) const DIRECT_MESSAGES: u64 = 1 << 12;
    pub(crate) const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub(crate) const MESSAGE_CONTENT: u64 = 1 << 15;
    pub(crate) const GUILD_SCHEDULED_EVENTS: u64 = 1 << 16;
}

#[derive(Deserialize)]
pub(crate) struct GatewayQuery {
    v: Option<u8>,
}

/// `GET /ws?v=10`: upgrades to the gateway websocket.
pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<GatewayQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| run(shared, socket, query.v))
}

async fn run(shared: Arc<Shared>, socket: WebSocket, version: Option<u8>) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = shared.next_id();
    shared.update(|w| w.gateway.connections += 1);
    if version != Some(10) {
        let _ = tx.send(Outgoing::Close(4012, "Invalid API version"));
    } else {
        let interval = shared.config.heartbeat_interval.as_millis();
        let _ = tx.send(Outgoing::Text(
            json!({"op": 10, "d": {"heartbeat_interval": interval}, "s": null, "t": null})
                .to_string(),
        ));
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                None => break,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => handle(&shared, &tx, conn_id, text.as_str()),
                Some(Ok(Message::Binary(_))) => {
                    let _ = tx.send(Outgoing::Close(4002, "Decode error"));
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    shared.update(|w| {
        for s in &mut w.sessions {
            if s.conn.as_ref().is_some_and(|c| c.id == conn_id) {
                s.conn = None;
            }
        }
    });
}

fn handle(shared: &Shared, tx: &mpsc::UnboundedSender<Outgoing>, conn_id: u64, text: &str) {
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(Outgoing::Close(4002, "Decode error"));
        return;
    };
    let d = &payload["d"];
    match payload["op"].as_u64() {
        Some(1) => {
            shared.update(|w| w.gateway.heartbeats += 1);
            let _ = tx.send(Outgoing::Text(
                json!({"op": 11, "d": null, "s": null, "t": null}).to_string(),
            ));
        }
        Some(2) => identify(shared, tx, conn_id, d),
        Some(6) => resume(shared, tx, conn_id, d),
        // Presence updates and member requests need no answer from a fake.
        Some(3 | 8) => {}
        other => {
            shared.update(|w| {
                w.violation(
                    Rule::Request,
                    "gateway".into(),
                    None,
                    format!("unexpected gateway opcode {other:?}"),
                )
            });
            let _ = tx.send(Outgoing::Close(4001, "Unknown opcode"));
        }
    }
}

fn token_ok(shared: &Shared, d: &Value) -> bool {
    let token = d["token"].as_str().unwrap_or_default();
    token.strip_prefix("Bot ").unwrap_or(token) == shared.config.token
}

fn identify(shared: &Shared, tx: &mpsc::UnboundedSender<Outgoing>, conn_id: u64, d: &Value) {
    if !token_ok(shared, d) {
        shared.update(|w| w.gateway.rejected_identifies += 1);
        let _ = tx.send(Outgoing::Close(4004, "Authentication failed."));
        return;
    }
    let addr = shared.addr;
    shared.update(|w| {
        w.gateway.identifies += 1;
        let id = format!("fake-session-{}", w.gateway.identifies);
        w.sessions.push(Session {
            id: id.clone(),
            seq: 0,
            sent: Vec::new(),
            conn: Some(Conn {
                id: conn_id,
                tx: tx.clone(),
            }),
            resumable: true,
            intents: d["intents"].as_u64().unwrap_or(0),
        });
        let index = w.sessions.len() - 1;
        let bot = w.user(Ids::FIXED.bot).expect("the bot user exists");
        let mut user = model::current_user(bot);
        user["verified"] = json!(true);
        let ready = json!({
            "v": 10,
            "user": user,
            "guilds": [{"id": Ids::FIXED.guild.to_string(), "unavailable": true}],
            "session_id": id,
            "resume_gateway_url": format!("ws://{addr}/ws"),
            "shard": [0, 1],
            "application": {"id": Ids::FIXED.application.to_string(), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "user_settings": {},
            "_trace": ["fake-discord"],
        });
        dispatch(w, index, "READY", ready);
        let guild = model::guild_create(&w.users, &w.roles, &w.channels);
        dispatch(w, index, "GUILD_CREATE", guild);
    });
}

fn resume(shared: &Shared, tx: &mpsc::UnboundedSender<Outgoing>, conn_id: u64, d: &Value) {
    if !token_ok(shared, d) {
        let _ = tx.send(Outgoing::Close(4004, "Authentication failed."));
        return;
    }
    let session_id = d["session_id"].as_str().unwrap_or_default();
    let seq = d["seq"].as_u64().unwrap_or(0);
    shared.update(|w| {
        let Some(index) = w
            .sessions
            .iter()
            .position(|s| s.id == session_id && s.resumable)
        else {
            w.gateway.failed_resumes += 1;
            let _ = tx.send(Outgoing::Text(
                json!({"op": 9, "d": false, "s": null, "t": null}).to_string(),
            ));
            return;
        };
        w.gateway.resumes += 1;
        let session = &mut w.sessions[index];
        if let Some(old) = session.conn.replace(Conn {
            id: conn_id,
            tx: tx.clone(),
        }) {
            let _ = old
                .tx
                .send(Outgoing::Close(4000, "Session resumed elsewhere"));
        }
        for (_, text) in session.sent.iter().filter(|(s, _)| *s > seq) {
            let _ = tx.send(Outgoing::Text(text.clone()));
        }
        dispatch(w, index, "RESUMED", json!({"_trace": ["fake-discord"]}));
    });
}

/// Sends a dispatch on a session (or keeps it for RESUME while it is disconnected).
pub(crate) fn dispatch(w: &mut World, session: usize, t: &str, d: Value) -> u64 {
    let s = &mut w.sessions[session];
    s.seq += 1;
    let text = json!({"op": 0, "t": t, "s": s.seq, "d": d}).to_string();
    match serde_json::from_str::<GatewayEvent>(&text) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => {
            panic!("fake-discord bug: serenity does not know the dispatch {t}")
        }
        Ok(GatewayEvent::Dispatch(..)) => {}
        Ok(other) => panic!("fake-discord bug: {t} read by serenity as {other:?}"),
        Err(err) => {
            panic!("fake-discord bug: serenity cannot read the {t} dispatch: {err}\n{text}")
        }
    }
    s.sent.push((s.seq, text.clone()));
    if let Some(conn) = &s.conn {
        let _ = conn.tx.send(Outgoing::Text(text));
    }
    w.gateway.dispatches += 1;
    s.seq
}

/// The intents of the current session (0 when no bot identified).
pub(crate) fn current_intents(w: &World) -> u64 {
    current(w).map_or(0, |i| w.sessions[i].intents)
}

/// Dispatches on the current session if its intents ask for `intent`.
pub(crate) fn dispatch_with_intent(w: &mut World, intent: u64, t: &str, d: Value) {
    if current_intents(w) & intent != 0 {
        let session = current(w).expect("a session has intents");
        dispatch(w, session, t, d);
    }
}

/// The session that gets new events: the one identified last.
pub(crate) fn current(w: &World) -> Option<usize> {
    w.sessions.len().checked_sub(1)
}

/// Whether the current session has a live connection.
pub(crate) fn connected(w: &World) -> bool {
    current(w).is_some_and(|i| w.sessions[i].conn.is_some())
}

/// Closes the current connection as Discord does when it drops one (close code 4000, which a
/// client may resume). Returns whether there was a connection.
pub(crate) fn drop_connection(w: &mut World) -> bool {
    send_on_current(w, Outgoing::Close(4000, "Unknown error"))
}

/// Sends op 7 RECONNECT: the client should reconnect and resume.
pub(crate) fn request_reconnect(w: &mut World) -> bool {
    send_on_current(
        w,
        Outgoing::Text(json!({"op": 7, "d": null, "s": null, "t": null}).to_string()),
    )
}

/// Sends op 9 INVALID SESSION; when not resumable, a later RESUME of it fails too.
pub(crate) fn invalidate_session(w: &mut World, resumable: bool) -> bool {
    let Some(i) = current(w) else { return false };
    if !resumable {
        w.sessions[i].resumable = false;
    }
    send_on_current(
        w,
        Outgoing::Text(json!({"op": 9, "d": resumable, "s": null, "t": null}).to_string()),
    )
}

fn send_on_current(w: &mut World, out: Outgoing) -> bool {
    let Some(i) = current(w) else { return false };
    match &w.sessions[i].conn {
        Some(conn) => conn.tx.send(out).is_ok(),
        None => false,
    }
}
