//! A loopback Discord for tests: REST under `/api/v10` and the gateway websocket on one
//! `127.0.0.1:0` port, checked against Discord's own OpenAPI spec, driven by a test API that
//! reads like a story. The real serenity (and poise) client talks to it; nothing leaves the
//! machine.
//!
//! # Two ways in
//!
//! serenity 0.12.5 sends requests to `HttpBuilder::proxy` only when its ratelimiter is
//! disabled, so:
//!
//! - **Proxy mode** (what the binary does with `DISCORD_API_URL`): plain HTTP, no ratelimiter;
//!   a 429 reaches the caller as an `UnsuccessfulRequest` with status 429.
//! - **TLS mode**: serenity talks to `https://discord.com` through [`FakeDiscord::tls_client`],
//!   a reqwest client that resolves `discord.com` to the fake and trusts its test certificate,
//!   so serenity's own ratelimiter (`Retry-After`, `X-RateLimit-*`) runs as in production.
//!
//! ```no_run
//! # async fn story() -> Result<(), Box<dyn std::error::Error>> {
//! use fake_discord::{FakeDiscord, Ids};
//! use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder};
//!
//! let fake = FakeDiscord::start().await;
//! // Proxy mode, as `confbot serve` with DISCORD_API_URL=fake.api_url() and
//! // DISCORD_TOKEN=fake.token():
//! let http = HttpBuilder::new(fake.token()).proxy(fake.api_url()).ratelimiter_disabled(true).build();
//! // ... or TLS mode: HttpBuilder::new(fake.token()).client(fake.tls_client()).build()
//! let mut client = ClientBuilder::new_with_http(http, GatewayIntents::non_privileged()).await?;
//! tokio::spawn(async move { client.start().await });
//!
//! // The story: an attendee asks, the bot answers, nobody gets pinged, Discord would accept it.
//! let ids = Ids::FIXED;
//! let reply = fake.send_command(ids.attendee, ids.general, "next", []).await.response().await;
//! assert!(reply.content.unwrap().contains("Next"));
//! fake.assert_no_violations();
//! # Ok(())
//! # }
//! ```
//!
//! # What is checked
//!
//! Every request body against Discord's OpenAPI spec (`spec`), plus what the spec lacks
//! ([`limits`]: content 2000, 6000 characters of embed text per message), the interaction rules
//! (one acknowledgement, within 3 s; a callback type that fits; webhook tokens for 15 minutes),
//! the `Authorization` header, and unknown routes. Each violation is answered the way Discord
//! answers it (e.g. 400 with code 50035 and the field path) *and* recorded in
//! [`FakeDiscord::violations`]. In the other direction every payload the fake sends is checked
//! against serenity's model types first ([`model`]), because serenity drops what it cannot parse.
//!
//! # Modules
//!
//! [`model`] (the world and the payload factories), `gateway` (the websocket), `rest` (the
//! routes, one file per group), `spec` (OpenAPI validation), [`limits`], [`faults`] (429/5xx on
//! demand and rate-limit buckets), `tls` (the certificate and client), `server` (the accept
//! loop), `state` (the shared world and what is recorded).

#![recursion_limit = "256"]

pub mod faults;
mod gateway;
pub mod limits;
pub mod model;
mod rest;
mod server;
mod session;
mod spec;
mod state;
mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serenity::model::application::Command;
use serenity::model::channel::{GuildChannel, Message};
use serenity::model::guild::ScheduledEvent;
use serenity::model::id::{
    AttachmentId, ChannelId, InteractionId, MessageId, RoleId, ScheduledEventId, UserId,
};
use serenity::model::Permissions;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use faults::{Bucket, Fault};
pub use model::Ids;
pub use model::UploadedFile;
pub use state::{InteractionResponse, RecordedRequest, Rule, Violation};

use crate::model::MessageRec;
use crate::session::intents;
use crate::state::{AttachmentRec, InteractionRec, Shared, World};

/// The token the fake accepts (REST `Authorization: Bot <token>` and gateway IDENTIFY).
pub const TOKEN: &str = "fake-discord-bot-token";

/// How the fake behaves; [`Config::default`] is Discord's behaviour.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bot token the fake accepts.
    pub token: String,
    /// HELLO's heartbeat interval (Discord: 41.25 s).
    pub heartbeat_interval: Duration,
    /// Deadline for the first response to an interaction (Discord: 3 s).
    pub ack_deadline: Duration,
    /// Per-channel bucket of `POST /channels/{id}/messages` (Discord: 5 per 5 s).
    pub message_bucket: Bucket,
    /// Bucket of every other route and major parameter (Discord's global limit: 50 per s).
    pub default_bucket: Bucket,
    /// How long `send_command` and friends wait for the bot to be ready and its commands to be
    /// registered, and how long `response()` waits for an answer.
    pub patience: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: TOKEN.to_owned(),
            heartbeat_interval: Duration::from_millis(41_250),
            ack_deadline: Duration::from_secs(3),
            message_bucket: Bucket {
                limit: 5,
                window: Duration::from_secs(5),
            },
            default_bucket: Bucket {
                limit: 50,
                window: Duration::from_secs(1),
            },
            patience: Duration::from_secs(10),
        }
    }
}

/// What happened on the gateway so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// Websocket connections opened.
    pub connections: u32,
    /// Successful IDENTIFYs (each starts a session).
    pub identifies: u32,
    /// IDENTIFYs refused for a wrong token (closed with 4004).
    pub rejected_identifies: u32,
    /// Successful RESUMEs.
    pub resumes: u32,
    /// RESUMEs refused with op 9.
    pub failed_resumes: u32,
    /// Heartbeats received (each was ACKed).
    pub heartbeats: u32,
    /// Dispatches sent (op 0).
    pub dispatches: u32,
}

/// A `wait_for` (or `response()`) that ran out of time; its text says what the fake saw.
#[derive(Clone)]
pub struct WaitTimeout {
    what: String,
    report: String,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out waiting for {}\n{}", self.what, self.report)
    }
}

impl fmt::Debug for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for WaitTimeout {}

/// Aborts the accept loop when the last handle to a fake goes away.
struct Server(JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake Discord. Cheap to clone; the server stops when the last clone is dropped
/// (or with the test's runtime).
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
    _server: Arc<Server>,
}

impl fmt::Debug for FakeDiscord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeDiscord")
            .field("addr", &self.shared.addr)
            .finish()
    }
}

impl FakeDiscord {
    /// Starts a fake with Discord's behaviour on `127.0.0.1:0`.
    pub async fn start() -> FakeDiscord {
        Self::start_with(Config::default()).await
    }

    /// Starts a fake with `config`.
    pub async fn start_with(config: Config) -> FakeDiscord {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Shared::new(config, addr);
        let task = tokio::spawn(server::accept_loop(listener, rest::router(shared.clone())));
        FakeDiscord {
            shared,
            _server: Arc::new(Server(task)),
        }
    }

    // ----- where and who -----

    /// `http://127.0.0.1:PORT`: the base for `HttpBuilder::proxy` and `DISCORD_API_URL`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `ws://127.0.0.1:PORT/ws`: what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/ws", self.shared.addr)
    }

    /// The fake's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The bot token the fake accepts.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    /// The ids of the guild, its channels, roles and users (the same as [`Ids::FIXED`]).
    pub fn ids(&self) -> Ids {
        Ids::FIXED
    }

    /// The environment for `confbot serve` in proxy mode: `DISCORD_TOKEN`, `DISCORD_API_URL`
    /// and `DISCORD_GUILD_ID`, e.g. for `Command::new(bin).envs(fake.bot_env())`.
    pub fn bot_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DISCORD_TOKEN", self.token().to_owned()),
            ("DISCORD_API_URL", self.api_url()),
            ("DISCORD_GUILD_ID", Ids::FIXED.guild.to_string()),
        ]
    }

    /// TLS mode: a reqwest client builder that resolves `discord.com` to the fake and trusts
    /// its certificate. Add settings, `build()`, and hand it to `HttpBuilder::client`.
    pub fn tls_client_builder(&self) -> reqwest::ClientBuilder {
        tls::client_builder(self.shared.addr)
    }

    /// TLS mode: [`Self::tls_client_builder`], built.
    pub fn tls_client(&self) -> reqwest::Client {
        self.tls_client_builder()
            .build()
            .expect("a reqwest client with the fake's certificate")
    }

    /// A serenity `Http` in proxy mode (ratelimiter disabled, as the binary runs).
    pub fn proxy_http(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(self.token())
            .proxy(self.api_url())
            .ratelimiter_disabled(true)
            .application_id(Ids::FIXED.application)
            .build()
    }

    /// A serenity `Http` in TLS mode (serenity's own ratelimiter on).
    pub fn tls_http(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(self.token())
            .client(self.tls_client())
            .application_id(Ids::FIXED.application)
            .build()
    }

    // ----- waiting -----

    /// Waits until `predicate` holds, re-checking after every change of the fake's state (no
    /// polling, no sleeps).
    pub async fn wait_for(
        &self,
        mut predicate: impl FnMut(&FakeDiscord) -> bool,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if predicate(self) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(self.timeout(format!("a condition ({} ms)", timeout.as_millis()))),
            }
        }
    }

    fn timeout(&self, what: String) -> WaitTimeout {
        let report = self.shared.read(|w| {
            let mut r = format!("gateway: {:?}\nlast requests:\n", w.gateway);
            for q in w.requests.iter().rev().take(15).rev() {
                r += &format!("  {} {} -> {}\n", q.method, q.path, q.status);
            }
            r += &format!("violations: {:#?}", w.violations);
            r
        });
        WaitTimeout { what, report }
    }

    /// Waits until a bot has identified and its session is connected.
    pub async fn wait_until_ready(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_for(|f| f.shared.read(World::connected), timeout)
            .await
    }

    // ----- the gateway -----

    /// What happened on the gateway so far.
    pub fn gateway_stats(&self) -> GatewayStats {
        self.shared.read(|w| w.gateway)
    }

    /// Drops the bot's gateway connection (close code 4000, as Discord does); serenity
    /// should resume. Panics if no bot is connected.
    pub fn drop_gateway(&self) {
        assert!(
            self.shared.update(World::drop_connection),
            "drop_gateway: no bot is connected"
        );
    }

    /// Sends op 7 RECONNECT; serenity should reconnect and resume.
    pub fn request_reconnect(&self) {
        assert!(
            self.shared.update(World::request_reconnect),
            "request_reconnect: no bot is connected"
        );
    }

    /// Sends op 9 INVALID SESSION. When not `resumable`, the session cannot be resumed and the
    /// bot must identify again (serenity waits about 5 s first).
    pub fn invalidate_session(&self, resumable: bool) {
        assert!(
            self.shared.update(|w| w.invalidate_session(resumable)),
            "invalidate_session: no bot is connected"
        );
    }

    // ----- interactions -----

    /// A user attaches a file, to pass its id as the value of an attachment option:
    /// `send_command(admin, channel, "program reload", [("file", json!(id.to_string()))])`.
    /// The interaction's `resolved.attachments` then carries a URL on the fake that serves
    /// the bytes, as Discord's CDN would (no bot token needed).
    pub fn upload(&self, filename: &str, bytes: impl Into<Vec<u8>>) -> AttachmentId {
        let id = self.shared.next_id();
        let attachment = AttachmentRec {
            id,
            filename: filename.to_owned(),
            bytes: bytes.into(),
        };
        self.shared.update(|w| w.attachments.push(attachment));
        AttachmentId::new(id)
    }

    /// A user runs a slash command in a channel. `command` may name a subcommand
    /// (`"qa open"`); `options` are `(name, value)` of the leaf command, typed as the bot
    /// registered them. Waits (up to `Config::patience`) for a connected bot that registered
    /// the command; panics if there is none, since Discord could not send it either.
    pub async fn send_command<'a>(
        &self,
        user: UserId,
        channel: ChannelId,
        command: &str,
        options: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> InteractionHandle {
        let options: Vec<(&str, Value)> = options.into_iter().collect();
        let data = self.command_data(command, &options, None).await;
        self.dispatch_interaction(2, user, channel, json!({"data": data}), None)
    }

    /// A user types into an autocompleted option: like [`Self::send_command`], with the
    /// option `focused` holding the partial text.
    pub async fn send_autocomplete<'a>(
        &self,
        user: UserId,
        channel: ChannelId,
        command: &str,
        options: impl IntoIterator<Item = (&'a str, Value)>,
        focused: &str,
    ) -> InteractionHandle {
        let options: Vec<(&str, Value)> = options.into_iter().collect();
        let data = self.command_data(command, &options, Some(focused)).await;
        self.dispatch_interaction(4, user, channel, json!({"data": data}), None)
    }

    /// A user clicks the button `custom_id` of a message. Panics if the message has no such
    /// button.
    pub async fn click(
        &self,
        message: MessageId,
        custom_id: &str,
        user: UserId,
    ) -> InteractionHandle {
        self.use_component(message, custom_id, user, None).await
    }

    /// A user picks `values` in the select menu `custom_id` of a message. Panics if the
    /// message has no such select menu or a value is not one of its options.
    pub async fn select(
        &self,
        message: MessageId,
        custom_id: &str,
        values: &[&str],
        user: UserId,
    ) -> InteractionHandle {
        self.use_component(message, custom_id, user, Some(values))
            .await
    }

    async fn use_component(
        &self,
        message: MessageId,
        custom_id: &str,
        user: UserId,
        values: Option<&[&str]>,
    ) -> InteractionHandle {
        self.wait_until_ready(self.shared.config.patience)
            .await
            .expect("no bot connected");
        let (channel, component, message_json) = self.shared.read(|w| {
            let m = w
                .messages
                .iter()
                .find(|m| m.id == message.get() && !m.deleted)
                .unwrap_or_else(|| panic!("no message {message}"));
            let component = m
                .components
                .iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .find(|c| c["custom_id"] == custom_id)
                .unwrap_or_else(|| panic!("message {message} has no component {custom_id:?}"));
            (m.channel_id, component, w.message_json(m))
        });
        assert!(
            component["disabled"] != true,
            "{custom_id:?} is disabled: Discord's client cannot use it"
        );
        let component_type = component["type"].as_u64().unwrap_or(0);
        let mut data = json!({"custom_id": custom_id, "component_type": component_type});
        match (component_type, values) {
            (2, None) => {}
            (3, Some(values)) => {
                for v in values {
                    let known = component["options"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|o| o["value"] == *v);
                    assert!(
                        known,
                        "{v:?} is not an option of the select menu {custom_id:?}"
                    );
                }
                data["values"] = json!(values);
            }
            // User, role, mentionable and channel selects: the ids picked.
            (5..=8, Some(values)) => data["values"] = json!(values),
            (kind, _) => panic!("component {custom_id:?} (type {kind}) is not used that way"),
        }
        let extra = json!({"data": data, "message": message_json});
        self.dispatch_interaction(3, user, channel, extra, Some(message.get()))
    }

    /// A user submits the modal that the bot opened (callback type 9) in answer to
    /// `opened_by`, with `fields` as `(text input custom_id, value)`. Panics if the bot did
    /// not open a modal there, a field is not in it, or a required one is missing.
    pub async fn submit_modal<'a>(
        &self,
        opened_by: &InteractionHandle,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> InteractionHandle {
        let fields: Vec<(&str, &str)> = fields.into_iter().collect();
        let (user, channel, message, modal) = opened_by.with(|_, r| {
            let modal = r
                .responses
                .iter()
                .find(|resp| resp.kind == 9)
                .unwrap_or_else(|| panic!("interaction {} was not answered with a modal", r.id))
                .data
                .clone();
            (r.user, r.channel_id, r.message, modal)
        });
        let inputs: Vec<Value> = modal["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["type"] == 4)
            .collect();
        for (id, _) in &fields {
            assert!(
                inputs.iter().any(|i| i["custom_id"] == *id),
                "the modal has no text input {id:?}"
            );
        }
        let rows: Vec<Value> = inputs
            .iter()
            .map(|input| {
                let id = input["custom_id"].as_str().unwrap_or_default();
                let value = fields.iter().find(|(f, _)| *f == id).map(|(_, v)| *v);
                assert!(
                    value.is_some() || input["required"] == false,
                    "the modal's text input {id:?} is required"
                );
                json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value.unwrap_or("")}]})
            })
            .collect();
        let mut extra = json!({"data": {"custom_id": modal["custom_id"], "components": rows}});
        if let Some(m) = message {
            extra["message"] = self.shared.read(|w| {
                let rec = w
                    .messages
                    .iter()
                    .find(|x| x.id == m)
                    .expect("the clicked message is kept");
                w.message_json(rec)
            });
        }
        self.dispatch_interaction(5, user, channel, extra, message)
    }

    /// The `data` of a command or autocomplete interaction, typed from the registration.
    async fn command_data(
        &self,
        command: &str,
        options: &[(&str, Value)],
        focused: Option<&str>,
    ) -> Value {
        let mut path = command.split_whitespace();
        let top = path.next().expect("a command name");
        let rest: Vec<&str> = path.collect();
        let patience = self.shared.config.patience;
        self.wait_until_ready(patience)
            .await
            .expect("send_command: no bot connected to the fake gateway");
        let find = |f: &FakeDiscord| {
            f.shared.read(|w| {
                w.guild_commands
                    .iter()
                    .chain(&w.global_commands)
                    .find(|c| c["name"] == top && c["type"] == 1)
                    .cloned()
            })
        };
        if self
            .wait_for(|f| find(f).is_some(), patience)
            .await
            .is_err()
        {
            let known: Vec<Value> = self.shared.read(|w| {
                w.guild_commands
                    .iter()
                    .chain(&w.global_commands)
                    .map(|c| c["name"].clone())
                    .collect()
            });
            panic!("/{top} is not registered (registered: {known:?})");
        }
        let registered = find(self).expect("found above");
        // Walk down subcommand groups and subcommands.
        let mut definition = registered.clone();
        let mut chain = Vec::new();
        for name in &rest {
            let sub = definition["options"]
                .as_array()
                .and_then(|os| os.iter().find(|o| o["name"] == *name))
                .unwrap_or_else(|| {
                    panic!("/{command}: {name} is not a subcommand of the registration")
                })
                .clone();
            chain.push(sub.clone());
            definition = sub;
        }
        let leaf: Vec<Value> = options
            .iter()
            .map(|(name, value)| {
                let def = definition["options"]
                    .as_array()
                    .and_then(|os| os.iter().find(|o| o["name"] == *name))
                    .unwrap_or_else(|| {
                        panic!(
                            "/{command} has no option {name:?}: {:#}",
                            definition["options"]
                        )
                    });
                let mut o = json!({"name": name, "type": def["type"], "value": value});
                if focused == Some(*name) {
                    // Discord sends what the user has typed so far, always as a string.
                    o["focused"] = json!(true);
                    o["value"] = json!(value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned));
                } else {
                    check_option_value(command, def, value);
                }
                o
            })
            .collect();
        if focused.is_none() {
            for def in definition["options"].as_array().into_iter().flatten() {
                let given = options.iter().any(|(name, _)| def["name"] == *name);
                assert!(
                    given || def["required"] != true,
                    "/{command}: the required option {} is missing (Discord's client insists on it)",
                    def["name"]
                );
            }
        }
        let base = self.api_url();
        let resolved = self.shared.read(|w| resolved(w, &leaf, &base));
        let mut nested = leaf;
        for sub in chain.iter().rev() {
            nested = vec![json!({"name": sub["name"], "type": sub["type"], "options": nested})];
        }
        let id = registered["id"]
            .as_str()
            .expect("stored commands have ids")
            .to_owned();
        let mut data = json!({"id": id, "name": top, "type": 1, "options": nested});
        if registered.get("guild_id").is_some() {
            data["guild_id"] = registered["guild_id"].clone();
        }
        if let Some(resolved) = resolved {
            data["resolved"] = resolved;
        }
        data
    }

    fn dispatch_interaction(
        &self,
        kind: u8,
        user: UserId,
        channel: ChannelId,
        extra: Value,
        message: Option<u64>,
    ) -> InteractionHandle {
        let id = self.shared.next_id();
        let token = format!("fake-interaction-token-{id}");
        self.shared.update(|w| {
            let session = w
                .current_session()
                .expect("no bot session to send the interaction to");
            let payload = interaction_payload(w, id, &token, kind, user, channel, &extra);
            w.interactions.push(InteractionRec {
                id,
                token: token.clone(),
                kind,
                channel_id: channel,
                user,
                message,
                dispatched: Instant::now(),
                aged: Duration::ZERO,
                responses: Vec::new(),
                acknowledged_late: false,
                original: None,
                followups: Vec::new(),
                answered: None,
            });
            w.dispatch(session, "INTERACTION_CREATE", payload);
        });
        InteractionHandle {
            fake: self.clone(),
            id: InteractionId::new(id),
            token,
        }
    }

    // ----- the world -----

    /// The messages of a channel that everyone sees (no ephemeral ones), oldest first.
    pub fn messages(&self, channel: ChannelId) -> Vec<Message> {
        self.shared.read(|w| {
            w.messages
                .iter()
                .filter(|m| m.channel_id == channel && !m.deleted && m.flags & 64 == 0)
                .map(|m| to_message(w, m))
                .collect()
        })
    }

    /// A message by id, unless deleted.
    pub fn message(&self, id: MessageId) -> Option<Message> {
        self.shared.read(|w| {
            w.messages
                .iter()
                .find(|m| m.id == id.get() && !m.deleted)
                .map(|m| to_message(w, m))
        })
    }

    /// Every thread ever created, in creation order.
    pub fn threads(&self) -> Vec<GuildChannel> {
        self.shared.read(|w| {
            w.channels
                .iter()
                .filter(|c| c.is_thread())
                .map(|c| to_channel(w, c))
                .collect()
        })
    }

    /// A guild channel or thread by id.
    pub fn channel(&self, id: ChannelId) -> Option<GuildChannel> {
        self.shared.read(|w| {
            w.channel(id)
                .filter(|c| c.kind != 1)
                .map(|c| to_channel(w, c))
        })
    }

    /// Adds a member to the guild (e.g. a second attendee) with `roles`, dispatching
    /// GUILD_MEMBER_ADD if the bot asked for the (privileged) GUILD_MEMBERS intent.
    pub fn add_member(&self, name: &str, roles: &[RoleId]) -> UserId {
        let id = UserId::new(self.shared.next_id());
        self.shared.update(|w| {
            for role in roles {
                assert!(
                    w.roles.iter().any(|r| r.id == *role),
                    "add_member: no role {role}"
                );
            }
            let user = model::UserRec {
                id,
                name: name.to_owned(),
                bot: false,
                roles: roles.to_vec(),
            };
            let mut event = model::member(&user, None);
            event["guild_id"] = json!(Ids::FIXED.guild.to_string());
            w.users.push(user);
            w.dispatch_with_intent(intents::GUILD_MEMBERS, "GUILD_MEMBER_ADD", event);
        });
        id
    }

    /// The users who joined a thread (its creator, and whoever the bot added).
    pub fn thread_members(&self, thread: ChannelId) -> Vec<UserId> {
        self.shared.read(|w| {
            w.channel(thread)
                .map(|c| c.members.clone())
                .unwrap_or_default()
        })
    }

    /// Opens the DM channel with `user` as `POST /users/@me/channels` would, without a request:
    /// for a bench that fast-forwards the hours in which the bot opens them ahead.
    pub fn open_dm_channel(&self, user: UserId) -> ChannelId {
        let new_id = ChannelId::new(self.shared.next_id());
        self.shared.update(|w| {
            assert!(w.user(user).is_some(), "open_dm_channel: no user {user}");
            w.dm_channel_with(user, new_id)
        })
    }

    /// The DM channel the bot opened with `user`, if any.
    pub fn dm_channel(&self, user: UserId) -> Option<ChannelId> {
        self.shared.read(|w| {
            w.channels
                .iter()
                .find(|c| c.kind == 1 && c.owner_id == Some(user))
                .map(|c| c.id)
        })
    }

    /// The registered global commands.
    pub fn global_commands(&self) -> Vec<Command> {
        self.shared
            .read(|w| w.global_commands.iter().map(to_command).collect())
    }

    /// The registered commands of the guild.
    pub fn guild_commands(&self) -> Vec<Command> {
        self.shared
            .read(|w| w.guild_commands.iter().map(to_command).collect())
    }

    /// A user posts a message in a channel (e.g. a question in a Q&A thread). It is
    /// dispatched as MESSAGE_CREATE if the bot's intents ask for it (GUILD_MESSAGES, or
    /// DIRECT_MESSAGES in a DM), with empty content unless it has MESSAGE_CONTENT or the
    /// message mentions the bot, as on Discord.
    pub fn post_as(&self, user: UserId, channel: ChannelId, content: &str) -> Message {
        let rec = MessageRec {
            id: self.shared.next_id(),
            channel_id: channel,
            author: user,
            content: content.to_owned(),
            embeds: Vec::new(),
            components: Vec::new(),
            flags: 0,
            nonce: None,
            allowed_mentions: None,
            timestamp: model::now_iso(),
            edited: None,
            created_ms: model::unix_ms(),
            reactions: Vec::new(),
            pinned: false,
            interaction: None,
            thread: None,
            deleted: false,
            files: Vec::new(),
        };
        self.shared.update(|w| {
            assert!(
                w.channel(channel).is_some(),
                "post_as: no channel {channel}"
            );
            assert!(w.user(user).is_some(), "post_as: no user {user}");
            let message = to_message(w, &rec);
            w.push_message(rec);
            message
        })
    }

    /// A user reacts to a message with `emoji` (`"👍"`, or `"name:id"` for a custom emoji),
    /// dispatched as MESSAGE_REACTION_ADD if the bot's intents ask for reactions.
    pub fn react_as(&self, user: UserId, message: MessageId, emoji: &str) {
        self.shared.update(|w| {
            assert!(w.user(user).is_some(), "react_as: no user {user}");
            let index = w
                .messages
                .iter()
                .position(|m| m.id == message.get() && !m.deleted)
                .unwrap_or_else(|| panic!("react_as: no message {message}"));
            w.set_reaction(index, emoji, user, true);
        });
    }

    // ----- what the bot did -----

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(|w| w.requests.clone())
    }

    /// The requests to one route, e.g. `("POST", "/channels/{channel_id}/messages")`.
    pub fn requests_to(&self, method: &str, route: &str) -> Vec<RecordedRequest> {
        self.shared.read(|w| {
            w.requests
                .iter()
                .filter(|r| {
                    r.method.eq_ignore_ascii_case(method) && r.route.as_deref() == Some(route)
                })
                .cloned()
                .collect()
        })
    }

    /// Everything the bot sent that Discord would have refused, and every interaction it left
    /// unanswered past Discord's deadline.
    pub fn violations(&self) -> Vec<Violation> {
        let deadline = self.shared.config.ack_deadline;
        self.shared.read(|w| {
            let mut violations = w.violations.clone();
            // What Discord shows as "The application did not respond" (or, for an
            // autocomplete, "Loading options failed"): nothing came before the deadline.
            violations.extend(
                w.interactions
                    .iter()
                    .filter(|i| {
                        i.responses.is_empty() && !i.acknowledged_late && i.age() > deadline
                    })
                    .map(|i| Violation {
                        rule: Rule::Interaction,
                        request: format!("POST /interactions/{}/{{token}}/callback", i.id),
                        field: None,
                        message: format!(
                            "{} never acknowledged within Discord's {} ms",
                            match i.kind {
                                4 => "an autocomplete",
                                3 => "a component interaction",
                                5 => "a modal submit",
                                _ => "a command",
                            },
                            deadline.as_millis()
                        ),
                    }),
            );
            violations
        })
    }

    /// Panics, listing them, if the bot sent anything Discord would have refused.
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "the bot sent what Discord would refuse: {violations:#?}"
        );
    }

    // ----- faults -----

    /// Answers the next `n` requests to `method route` with `fault`. `route` is written as in
    /// Discord's spec, e.g. `("POST", "/channels/{channel_id}/messages")`; panics on a route
    /// Discord does not have, so a typo cannot make a test pass.
    pub fn fail_next(&self, method: &str, route: &str, n: u32, fault: Fault) {
        let method = method.to_ascii_lowercase();
        assert!(
            spec::knows(&method, route),
            "fail_next: Discord has no route {method} {route}"
        );
        self.shared
            .update(|w| w.faults.push(&method, route, n, fault));
    }

    /// Enforces Discord's global rate limit from now on: at most `per_second` requests (other
    /// than interaction callbacks and webhooks) in any second, the next answered 429 with
    /// `global: true` and `X-RateLimit-Global`.
    pub fn enforce_global_limit(&self, per_second: u32) {
        self.shared.update(|w| {
            w.global_limit = Some(state::GlobalLimit {
                per_second,
                ..Default::default()
            })
        });
    }

    /// Requests (other than interaction callbacks and webhooks) that arrived while a global
    /// 429 was in force, i.e. before its `retry_after` had passed: a bot that honours the
    /// global limit makes none.
    pub fn requests_while_globally_limited(&self) -> usize {
        self.shared
            .read(|w| w.global_limit.as_ref().map_or(0, |l| l.while_in_force))
    }

    /// `user` stops accepting DMs from the bot (privacy settings, or blocked it): posting into
    /// their DM channel answers 403 with Discord's code 50007.
    pub fn refuse_dms(&self, user: UserId) {
        self.shared.update(|w| w.refusing_dms.push(user));
    }

    // ----- scheduled events -----
    /// Adds a voice channel (or, with `stage`, a stage channel) to the guild, dispatched as
    /// CHANNEL_CREATE.
    pub fn add_voice_channel(&self, name: &str, stage: bool) -> ChannelId {
        let id = ChannelId::new(self.shared.next_id());
        self.shared.update(|w| {
            let position = u16::try_from(w.channels.len()).unwrap_or(u16::MAX);
            let c = model::ChannelRec::guild(id, if stage { 13 } else { 2 }, name, position);
            let json = w.channel_json(&c);
            w.channels.push(c);
            w.dispatch_with_intent(intents::GUILDS, "CHANNEL_CREATE", json);
        });
        id
    }

    /// A voice channel's status, as Discord shows it under the channel's name.
    pub fn voice_status(&self, channel: ChannelId) -> Option<String> {
        self.shared
            .read(|w| w.channel(channel).and_then(|c| c.status.clone()))
    }

    /// An organiser sets (or, with `None`, clears) a voice channel's status in Discord's app,
    /// dispatched as VOICE_CHANNEL_STATUS_UPDATE.
    pub fn set_voice_status_by_hand(&self, channel: ChannelId, status: Option<&str>) {
        self.shared
            .update(|w| rest::places::set_status(w, channel, status));
    }

    /// The AV team goes live on a stage channel with `topic` (a stage instance, dispatched as
    /// STAGE_INSTANCE_CREATE). Panics if Discord would refuse.
    pub fn start_stage(&self, channel: ChannelId, topic: &str) {
        let stage = model::StageRec {
            id: self.shared.next_id(),
            channel_id: channel,
            topic: topic.to_owned(),
        };
        let started = self.shared.update(|w| rest::places::start_stage(w, stage));
        assert!(
            started.is_ok(),
            "start_stage: Discord refuses a stage in {channel}"
        );
    }

    /// The AV team ends a stage (dispatched as STAGE_INSTANCE_DELETE).
    pub fn end_stage(&self, channel: ChannelId) {
        self.shared.update(|w| rest::places::end_stage(w, channel));
    }

    /// The topic of a stage channel's live stage; `None` when it is not live.
    pub fn stage_topic(&self, channel: ChannelId) -> Option<String> {
        self.shared.read(|w| {
            w.stages
                .iter()
                .find(|s| s.channel_id == channel)
                .map(|s| s.topic.clone())
        })
    }

    /// The guild's channels (text, voice, stage, categories; no threads), in creation order.
    pub fn guild_channels(&self) -> Vec<GuildChannel> {
        self.shared.read(|w| {
            w.channels
                .iter()
                .filter(|c| !c.is_thread() && c.kind != 1)
                .map(|c| to_channel(w, c))
                .collect()
        })
    }

    /// Every scheduled event of the guild, whoever made it, in creation order (completed and
    /// cancelled ones too, which Discord's list leaves out).
    pub fn scheduled_events(&self) -> Vec<ScheduledEvent> {
        self.shared
            .read(|w| w.events.iter().map(|e| to_event(w, e)).collect())
    }

    /// An organiser makes an external event by hand (Discord's client), dispatched as
    /// GUILD_SCHEDULED_EVENT_CREATE; confbot must leave it alone. Times are ISO 8601.
    pub fn seed_event(
        &self,
        name: &str,
        start: &str,
        end: &str,
        location: &str,
    ) -> ScheduledEventId {
        let id = self.shared.next_id();
        self.shared.update(|w| {
            let event = model::EventRec {
                id,
                creator: Ids::FIXED.admin,
                kind: 3,
                status: 1,
                name: name.to_owned(),
                description: None,
                start: start.to_owned(),
                end: Some(end.to_owned()),
                channel_id: None,
                location: Some(location.to_owned()),
                interested: Vec::new(),
            };
            let json = rest::events::event_json(w, &event, false);
            w.events.push(event);
            rest::events::dispatch(w, "GUILD_SCHEDULED_EVENT_CREATE", json);
        });
        ScheduledEventId::new(id)
    }

    /// An organiser deletes an event by hand (dispatched as GUILD_SCHEDULED_EVENT_DELETE).
    /// Panics if there is no such event.
    pub fn delete_event_by_hand(&self, event: ScheduledEventId) {
        let removed = self.shared.update(|w| rest::events::remove(w, event.get()));
        assert!(removed.is_some(), "delete_event_by_hand: no event {event}");
    }

    /// An organiser edits `event` in Discord's app: `changes` are a PATCH body's fields
    /// (`name`, `scheduled_start_time`, ...), dispatched as GUILD_SCHEDULED_EVENT_UPDATE.
    /// Panics if there is no such event or Discord would refuse the change.
    pub fn edit_event_by_hand(&self, event: ScheduledEventId, changes: Value) {
        let edited = self
            .shared
            .update(|w| rest::events::edit_by_hand(w, event.get(), &changes));
        if let Err(why) = edited {
            panic!("edit_event_by_hand: {why}");
        }
    }

    /// `user` presses Interested on `event` (dispatched as GUILD_SCHEDULED_EVENT_USER_ADD).
    /// Panics if there is no such event.
    pub fn press_interested(&self, event: ScheduledEventId, user: UserId) {
        self.shared
            .update(|w| rest::events::set_interest(w, event.get(), user, true));
    }

    /// `user` un-presses Interested (dispatched as GUILD_SCHEDULED_EVENT_USER_REMOVE).
    pub fn unpress_interested(&self, event: ScheduledEventId, user: UserId) {
        self.shared
            .update(|w| rest::events::set_interest(w, event.get(), user, false));
    }

    /// Grants the bot's role `permission` (or takes it away), as an admin would in the guild's
    /// settings. The bot starts with Create Events but not Manage Events.
    pub fn set_bot_permission(&self, permission: Permissions, granted: bool) {
        self.shared.update(|w| {
            let role = w
                .roles
                .iter_mut()
                .find(|r| r.id == Ids::FIXED.bot_role)
                .expect("the bot's role exists");
            role.permissions.set(permission, granted);
        });
    }

    /// Sets `channel`'s permission overwrite for `target` (replacing any before), as an admin
    /// would in the channel's settings: what it allows and denies on top of the guild's roles.
    pub fn set_channel_overwrite(
        &self,
        channel: ChannelId,
        target: OverwriteTarget,
        allow: Permissions,
        deny: Permissions,
    ) {
        let (target, member) = match target {
            OverwriteTarget::Role(role) => (role.get(), false),
            OverwriteTarget::Member(user) => (user.get(), true),
        };
        self.shared.update(|w| {
            w.overwrites
                .retain(|o| !(o.channel == channel && o.target == target && o.member == member));
            w.overwrites.push(model::OverwriteRec {
                channel,
                target,
                member,
                allow,
                deny,
            });
        });
    }

    /// Changes the per-channel bucket of `POST /channels/{id}/messages`.
    pub fn set_message_bucket(&self, bucket: Bucket) {
        self.shared.update(|w| w.buckets.messages = bucket);
    }
}

/// Whom a channel's permission overwrite is for.
#[derive(Debug, Clone, Copy)]
pub enum OverwriteTarget {
    Role(RoleId),
    Member(UserId),
}

/// An interaction the fake dispatched, to read what the bot answered.
#[derive(Debug, Clone)]
pub struct InteractionHandle {
    fake: FakeDiscord,
    /// The interaction's id.
    pub id: InteractionId,
    /// The interaction's token.
    pub token: String,
}

impl InteractionHandle {
    fn with<R>(&self, f: impl FnOnce(&World, &InteractionRec) -> R) -> R {
        self.fake.shared.read(|w| {
            let rec = w
                .interactions
                .iter()
                .find(|x| x.id == self.id.get())
                .expect("dispatched interactions are kept");
            f(w, rec)
        })
    }

    /// The bot's first response (callback), waiting up to `Config::patience`; panics with what
    /// the fake saw if none comes.
    pub async fn response(&self) -> InteractionResponse {
        let patience = self.fake.shared.config.patience;
        self.response_within(patience)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The bot's first response, waiting up to `timeout`.
    pub async fn response_within(
        &self,
        timeout: Duration,
    ) -> Result<InteractionResponse, WaitTimeout> {
        let done = self
            .fake
            .wait_for(|_| self.with(|_, r| !r.responses.is_empty()), timeout)
            .await;
        done.map_err(|e| WaitTimeout {
            what: format!("a response to interaction {}", self.id),
            report: e.report,
        })?;
        Ok(self.with(|_, r| r.responses[0].clone()))
    }

    /// How long after dispatch the user saw the answer (see [`Self::answered_within`]), if
    /// they have.
    pub fn answered(&self) -> Option<Duration> {
        self.with(|_, r| r.answered)
    }

    /// How long after dispatch the user saw the answer, waiting up to `timeout`: the response,
    /// or for a deferred one the first edit of the original response or the first follow-up.
    pub async fn answered_within(&self, timeout: Duration) -> Result<Duration, WaitTimeout> {
        let done = self
            .fake
            .wait_for(|_| self.answered().is_some(), timeout)
            .await;
        done.map_err(|e| WaitTimeout {
            what: format!("an answer to interaction {}", self.id),
            report: e.report,
        })?;
        Ok(self.answered().expect("waited for above"))
    }

    /// Every callback the bot sent for this interaction that the fake accepted.
    pub fn responses(&self) -> Vec<InteractionResponse> {
        self.with(|_, r| r.responses.clone())
    }

    /// The original response message as it is now (after `@original` edits), if any.
    pub fn original(&self) -> Option<Message> {
        self.with(|w, r| {
            let id = r.original?;
            w.messages
                .iter()
                .find(|m| m.id == id && !m.deleted)
                .map(|m| to_message(w, m))
        })
    }

    /// The original response once it has settled: it exists and is no longer "thinking"
    /// (a deferred response the bot has edited). Waits up to `Config::patience`.
    pub async fn settled_original(&self) -> Message {
        let patience = self.fake.shared.config.patience;
        let settled = |_: &FakeDiscord| {
            self.with(|w, r| {
                r.original
                    .and_then(|id| w.messages.iter().find(|m| m.id == id && !m.deleted))
                    .is_some_and(|m| m.flags & rest::LOADING == 0)
            })
        };
        if let Err(e) = self.fake.wait_for(settled, patience).await {
            panic!(
                "the original response of interaction {} did not settle: {e}",
                self.id
            );
        }
        self.original().expect("settled above")
    }

    /// The follow-up messages, oldest first.
    pub fn followups(&self) -> Vec<Message> {
        self.with(|w, r| {
            r.followups
                .iter()
                .filter_map(|id| w.messages.iter().find(|m| m.id == *id && !m.deleted))
                .map(|m| to_message(w, m))
                .collect()
        })
    }

    /// The files the bot attached to its answer, as uploaded: the original response's and then
    /// each follow-up's (a deferred command sends its files with a follow-up).
    pub fn files(&self) -> Vec<UploadedFile> {
        self.with(|w, r| {
            r.original
                .iter()
                .chain(&r.followups)
                .filter_map(|id| w.messages.iter().find(|m| m.id == *id && !m.deleted))
                .flat_map(|m| m.files.iter().map(|(_, file)| file.clone()))
                .collect()
        })
    }

    /// Makes the interaction `by` older without waiting, to test the 3-second deadline and
    /// the 15-minute token lifetime.
    pub fn age_by(&self, by: Duration) {
        self.fake.shared.update(|w| {
            if let Some(r) = w.interactions.iter_mut().find(|x| x.id == self.id.get()) {
                r.aged += by;
            }
        });
    }
}

fn to_message(w: &World, m: &MessageRec) -> Message {
    serde_json::from_value(w.message_json(m))
        .expect("message payloads are checked against serenity")
}

fn to_channel(w: &World, c: &model::ChannelRec) -> GuildChannel {
    serde_json::from_value(w.channel_json(c))
        .expect("channel payloads are checked against serenity")
}

fn to_event(w: &World, e: &model::EventRec) -> ScheduledEvent {
    serde_json::from_value(rest::events::event_json(w, e, true))
        .expect("event payloads are checked against serenity")
}

fn to_command(v: &Value) -> Command {
    serde_json::from_value(v.clone()).expect("command payloads are checked against serenity")
}

/// Panics unless `value` is what Discord's client could send for the registered option `def`:
/// the right JSON type, one of its choices, within its bounds.
fn check_option_value(command: &str, def: &Value, value: &Value) {
    let name = &def["name"];
    let fits = match def["type"].as_u64() {
        Some(3) => value.as_str().is_some_and(|s| {
            let len = s.chars().count() as u64;
            def["min_length"].as_u64().is_none_or(|min| len >= min)
                && def["max_length"].as_u64().is_none_or(|max| len <= max)
        }),
        Some(4) => value.as_i64().is_some_and(|n| {
            def["min_value"].as_f64().is_none_or(|min| n as f64 >= min)
                && def["max_value"].as_f64().is_none_or(|max| n as f64 <= max)
        }),
        Some(10) => value.as_f64().is_some_and(|n| {
            def["min_value"].as_f64().is_none_or(|min| n >= min)
                && def["max_value"].as_f64().is_none_or(|max| n <= max)
        }),
        Some(5) => value.is_boolean(),
        Some(6..=9 | 11) => value.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
        other => panic!("/{command}: option {name} has type {other:?}, which the fake cannot send"),
    };
    assert!(
        fits,
        "/{command}: {value} is not a valid value for option {name}: {def:#}"
    );
    if let Some(choices) = def["choices"].as_array().filter(|c| !c.is_empty()) {
        assert!(
            choices.iter().any(|c| c["value"] == *value),
            "/{command}: {value} is not one of the choices of option {name}: {choices:#?}"
        );
    }
}

/// `data.resolved` for user, channel, role, mentionable and attachment options, as Discord sends it: the
/// objects the ids in the option values name.
fn resolved(w: &World, options: &[Value], base_url: &str) -> Option<Value> {
    let mut resolved = json!({});
    for o in options {
        let Some(id) = o["value"].as_str().and_then(|v| v.parse::<u64>().ok()) else {
            continue;
        };
        let kind = o["type"].as_u64().unwrap_or(0);
        if matches!(kind, 6 | 9) {
            if let Some(u) = w.user(UserId::new(id)) {
                let mut member = model::member(u, Some(model::permissions_of(u, &w.roles)));
                member
                    .as_object_mut()
                    .expect("a member is an object")
                    .remove("user");
                resolved["users"][id.to_string()] = model::user(u);
                resolved["members"][id.to_string()] = member;
                continue;
            }
        }
        if matches!(kind, 8 | 9) {
            if let Some(r) = w.roles.iter().find(|r| r.id.get() == id) {
                resolved["roles"][id.to_string()] = model::role(r);
                continue;
            }
        }
        if kind == 11 {
            if let Some(a) = w.attachments.iter().find(|a| a.id == id) {
                let url = format!("{base_url}/attachments/{id}/{}", a.filename);
                resolved["attachments"][id.to_string()] = json!({
                    "id": id.to_string(),
                    "filename": a.filename,
                    "size": a.bytes.len(),
                    "url": url,
                    "proxy_url": url,
                    "content_type": "application/json",
                });
                continue;
            }
        }
        if kind == 7 {
            if let Some(c) = w.channel(ChannelId::new(id)) {
                let mut partial = json!({
                    "id": c.id.to_string(),
                    "name": c.name,
                    "type": c.kind,
                    "permissions": model::permissions_of(w.user(Ids::FIXED.bot).expect("the bot user exists"), &w.roles).bits().to_string(),
                });
                if let Some(parent) = c.parent_id {
                    partial["parent_id"] = json!(parent.to_string());
                }
                resolved["channels"][id.to_string()] = partial;
                continue;
            }
        }
        panic!(
            "option {} names {id}, which the fake guild does not have",
            o["name"]
        );
    }
    resolved
        .as_object()
        .is_some_and(|r| !r.is_empty())
        .then_some(resolved)
}

/// INTERACTION_CREATE's `d`: the interaction with the user as a guild member (or a DM user),
/// their computed permissions and the bot's.
fn interaction_payload(
    w: &World,
    id: u64,
    token: &str,
    kind: u8,
    user: UserId,
    channel: ChannelId,
    extra: &Value,
) -> Value {
    let u = w
        .user(user)
        .unwrap_or_else(|| panic!("no user {user} in the fake guild"));
    let c = w
        .channel(channel)
        .unwrap_or_else(|| panic!("no channel {channel} in the fake guild"));
    let bot = w.user(Ids::FIXED.bot).expect("the bot user exists");
    let mut v = json!({
        "id": id.to_string(),
        "application_id": Ids::FIXED.application.to_string(),
        "type": kind,
        "channel": w.channel_json(c),
        "channel_id": channel.to_string(),
        "token": token,
        "version": 1,
        "app_permissions": model::permissions_of(bot, &w.roles).bits().to_string(),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": Ids::FIXED.guild.to_string()},
        "context": if c.kind == 1 { 1 } else { 0 },
        "attachment_size_limit": 10_485_760,
    });
    if c.kind == 1 {
        v["user"] = model::user(u);
    } else {
        v["guild_id"] = json!(Ids::FIXED.guild.to_string());
        v["guild_locale"] = json!("en-US");
        v["guild"] = json!({"id": Ids::FIXED.guild.to_string(), "locale": "en-US", "features": ["COMMUNITY"]});
        v["member"] = model::member(u, Some(model::permissions_of(u, &w.roles)));
    }
    if let Some(extra) = extra.as_object() {
        for (k, val) in extra {
            v[k] = val.clone();
        }
    }
    model::checked::<serenity::model::application::Interaction>("INTERACTION_CREATE interaction", v)
}
