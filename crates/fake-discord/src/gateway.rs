//! The gateway websocket: HELLO, IDENTIFY (a wrong token is closed with 4004), READY and
//! GUILD_CREATE (its members only the bot's own without GUILD_PRESENCES), heartbeat ACKs, RESUME (replaying what the client missed, then RESUMED), and
//! on demand a dropped connection, op 7 RECONNECT and op 9 INVALID SESSION.
//!
//! A session outlives its connection (`session.rs`): dispatches sent while the bot is
//! disconnected are kept and replayed on RESUME, as Discord does.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::model::{self, Ids};
use crate::session::{intents, Conn, Outgoing, Session};
use crate::state::{Rule, Shared};

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
        let conn = Conn {
            id: conn_id,
            tx: tx.clone(),
        };
        let intents = d["intents"].as_u64().unwrap_or(0);
        w.sessions.push(Session::new(id.clone(), conn, intents));
        let index = w.sessions.len() - 1;
        let bot = w.user(Ids::FIXED.bot).expect("the bot user exists");
        let own_member = model::member(bot, None);
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
        w.dispatch(index, "READY", ready);
        let mut guild = model::guild_create(&w.users, &w.roles, &w.channels, &w.stages);
        if intents & intents::GUILD_PRESENCES == 0 {
            // As Discord: without GUILD_PRESENCES, only the bot's own member and those in
            // voice (the fake keeps no voice states), however large the guild.
            guild["members"] = json!([own_member]);
        }
        w.dispatch(index, "GUILD_CREATE", guild);
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
        let conn = Conn {
            id: conn_id,
            tx: tx.clone(),
        };
        w.sessions[index].resume_on(conn, seq);
        w.dispatch(index, "RESUMED", json!({"_trace": ["fake-discord"]}));
    });
}
