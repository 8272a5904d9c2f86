//! The gateway protocol itself, spoken by hand: what serenity relies on, checked frame by frame.

use fake_discord::{FakeDiscord, Ids};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::PATIENCE;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(fake: &FakeDiscord) -> Ws {
    let url = format!("{}?v=10&encoding=json", fake.gateway_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the gateway accepts");
    let hello = receive(&mut ws).await;
    assert_eq!(hello["op"], 10);
    assert!(hello["d"]["heartbeat_interval"].as_u64().is_some());
    ws
}

/// The next frame: JSON for text, `{"close": code}` for a close frame.
async fn receive(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("a frame in time");
        match frame
            .expect("the connection is open")
            .expect("a valid frame")
        {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Close(frame) => return json!({"close": frame.map(|f| u16::from(f.code))}),
            _ => {}
        }
    }
}

async fn send(ws: &mut Ws, payload: Value) {
    ws.send(Message::Text(payload.to_string()))
        .await
        .expect("sent");
}

fn identify(token: &str) -> Value {
    json!({"op": 2, "d": {"token": token, "intents": 513,
        "properties": {"os": "linux", "browser": "test", "device": "test"}}})
}

/// Identifies and returns the session id after READY and GUILD_CREATE.
async fn ready(fake: &FakeDiscord, ws: &mut Ws) -> String {
    send(ws, identify(fake.token())).await;
    let ready = receive(ws).await;
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    let guild = receive(ws).await;
    assert_eq!(
        (guild["t"].as_str(), guild["s"].as_u64()),
        (Some("GUILD_CREATE"), Some(2))
    );
    assert_eq!(guild["d"]["id"], Ids::FIXED.guild.to_string());
    ready["d"]["session_id"]
        .as_str()
        .expect("a session id")
        .to_owned()
}

#[tokio::test]
async fn heartbeats_are_acknowledged() {
    let fake = FakeDiscord::start().await;
    let mut ws = connect(&fake).await;
    send(&mut ws, json!({"op": 1, "d": null})).await;
    assert_eq!(receive(&mut ws).await["op"], 11);
    assert_eq!(fake.gateway_stats().heartbeats, 1);
}

#[tokio::test]
async fn guild_create_lists_only_the_bots_member_without_the_presences_intent() {
    let fake = FakeDiscord::start().await;
    let attendee = fake.add_member("attendee", &[]);
    let members = |guild: &Value| -> Vec<String> {
        guild["d"]["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["user"]["id"].as_str().expect("an id").to_owned())
            .collect()
    };
    let sent = guild_create_for(&fake, 513).await;
    assert_eq!(members(&sent), [Ids::FIXED.bot.to_string()]);
    assert!(sent["d"]["member_count"].as_u64() > Some(1));
    // GUILD_PRESENCES (1 << 8): every member, as in a guild under `large_threshold`.
    let sent = guild_create_for(&fake, 513 | 256).await;
    assert!(members(&sent).contains(&attendee.to_string()));
}

/// The GUILD_CREATE a new session identified with `intents` receives.
async fn guild_create_for(fake: &FakeDiscord, intents: u64) -> Value {
    let mut ws = connect(fake).await;
    let mut payload = identify(fake.token());
    payload["d"]["intents"] = json!(intents);
    send(&mut ws, payload).await;
    assert_eq!(receive(&mut ws).await["t"], "READY");
    let guild = receive(&mut ws).await;
    assert_eq!(guild["t"], "GUILD_CREATE");
    guild
}

#[tokio::test]
async fn identify_with_a_wrong_token_is_closed_with_4004() {
    let fake = FakeDiscord::start().await;
    let mut ws = connect(&fake).await;
    send(&mut ws, identify("Bot wrong")).await;
    assert_eq!(receive(&mut ws).await, json!({"close": 4004}));
}

#[tokio::test]
async fn resume_replays_what_was_missed_then_sends_resumed() {
    let fake = FakeDiscord::start().await;
    let mut ws = connect(&fake).await;
    let session = ready(&fake, &mut ws).await;
    drop(ws);

    let mut ws = connect(&fake).await;
    let resume = json!({"op": 6, "d": {"token": fake.token(), "session_id": session, "seq": 1}});
    send(&mut ws, resume).await;
    let replayed = receive(&mut ws).await;
    assert_eq!(
        (replayed["t"].as_str(), replayed["s"].as_u64()),
        (Some("GUILD_CREATE"), Some(2))
    );
    let resumed = receive(&mut ws).await;
    assert_eq!(
        (resumed["t"].as_str(), resumed["s"].as_u64()),
        (Some("RESUMED"), Some(3))
    );
    assert_eq!(fake.gateway_stats().resumes, 1);
}

#[tokio::test]
async fn a_session_invalidated_as_not_resumable_cannot_be_resumed() {
    let fake = FakeDiscord::start().await;
    let mut ws = connect(&fake).await;
    let session = ready(&fake, &mut ws).await;
    fake.invalidate_session(false);
    assert_eq!(
        receive(&mut ws).await,
        json!({"op": 9, "d": false, "s": null, "t": null})
    );

    let mut ws = connect(&fake).await;
    send(
        &mut ws,
        json!({"op": 6, "d": {"token": fake.token(), "session_id": session, "seq": 2}}),
    )
    .await;
    assert_eq!(receive(&mut ws).await["op"], 9);
    assert_eq!(fake.gateway_stats().failed_resumes, 1);
}
