//! A gateway session's record: its connection (if any), its sequence number, every dispatch
//! it was sent (for replay on RESUME) and the intents it identified with. A leaf: the world
//! (`state.rs`) keeps the sessions and chooses the current one, the websocket (`gateway.rs`)
//! opens and resumes them.
//!
//! Every dispatch is checked against serenity's `GatewayEvent` before it is kept, because
//! serenity drops a dispatch it cannot parse without a word.

use serde_json::{json, Value};
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::mpsc;

/// A frame for one connection's writer task.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

/// The connection a session is attached to.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::UnboundedSender<Outgoing>,
}

/// A gateway session, which outlives its connections.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    seq: u64,
    /// Every dispatch of the session, for replay on RESUME.
    sent: Vec<(u64, String)>,
    pub(crate) conn: Option<Conn>,
    pub(crate) resumable: bool,
    /// The intents of its IDENTIFY: Discord only sends the events they ask for.
    pub(crate) intents: u64,
}

/// Gateway intents the fake looks at (Discord's bit values).
pub(crate) mod intents {
    pub(crate) const GUILDS: u64 = 1 << 0;
    pub(crate) const GUILD_MEMBERS: u64 = 1 << 1;
    pub(crate) const GUILD_PRESENCES: u64 = 1 << 8;
    pub(crate) const GUILD_MESSAGES: u64 = 1 << 9;
    pub(crate) const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub(crate) const DIRECT_MESSAGES: u64 = 1 << 12;
    pub(crate) const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub(crate) const MESSAGE_CONTENT: u64 = 1 << 15;
    pub(crate) const GUILD_SCHEDULED_EVENTS: u64 = 1 << 16;
}

impl Session {
    /// A session just identified on `conn`.
    pub(crate) fn new(id: String, conn: Conn, intents: u64) -> Session {
        Session {
            id,
            seq: 0,
            sent: Vec::new(),
            conn: Some(conn),
            resumable: true,
            intents,
        }
    }

    /// Moves the session to `conn` (a RESUME), closing the connection it had, and replays the
    /// dispatches after `seq`.
    pub(crate) fn resume_on(&mut self, conn: Conn, seq: u64) {
        let tx = conn.tx.clone();
        if let Some(old) = self.conn.replace(conn) {
            let _ = old
                .tx
                .send(Outgoing::Close(4000, "Session resumed elsewhere"));
        }
        for (_, text) in self.sent.iter().filter(|(s, _)| *s > seq) {
            let _ = tx.send(Outgoing::Text(text.clone()));
        }
    }

    /// Sends a dispatch (or keeps it for RESUME while disconnected); returns its `s`.
    pub(crate) fn dispatch(&mut self, t: &str, d: Value) -> u64 {
        self.seq += 1;
        let text = json!({"op": 0, "t": t, "s": self.seq, "d": d}).to_string();
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
        self.sent.push((self.seq, text.clone()));
        self.send(Outgoing::Text(text));
        self.seq
    }

    /// Sends a frame on the session's connection; whether it had one that took it.
    pub(crate) fn send(&self, out: Outgoing) -> bool {
        self.conn.as_ref().is_some_and(|c| c.tx.send(out).is_ok())
    }
}
