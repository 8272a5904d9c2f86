//! The seam between what confbot decides to post and Discord: the [`Poster`] trait (serenity in
//! production, `discord/poster.rs`; a fake in tests), what it is given ([`Outgoing`],
//! [`NewThread`]), how it fails ([`PostError`]), and the one place that decides what a post's
//! outcome does to its channel's health. The announcement tick, Q&A and `/announce test` all
//! post through here, so a refused channel is handled the same way whoever posted.
//!
//! Its sibling [`DirectMessenger`] sends DM reminders: opening a user's DM channel and posting
//! into it, failing as [`DmError`] (a user who does not accept DMs is not a broken channel).
//! [`EventPublisher`] keeps the Events tab mirror: Discord's scheduled events, failing as
//! [`EventError`]. [`StageBoard`] shows what is on stage in rooms' voice and stage channels,
//! failing as a [`PostError`] (the channel's health records it like a post's).

use std::future::Future;

use chrono::{DateTime, Utc};

use super::budget::Priority;
use crate::ids::{ChannelId, EventId, GuildId, MessageId, Nonce, RoleId, UserId};
use crate::reply::{Reply, Text};
use crate::store::{EventStatus, Store};

/// Why a message is not sent into a channel an admin must set again; shown where it was meant to go.
pub const CHANNEL_BROKEN: &str = "the channel is broken; an admin must set it again";

/// A message to post into a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    /// Sent with `enforce_nonce`: the same nonce within minutes returns the same message.
    pub nonce: Nonce,
    pub content: Text,
    pub embed: Reply,
    /// The one role this message may mention (the guild's announcement ping), if any.
    pub mention_role: Option<RoleId>,
}

/// A public thread to open, with its first message.
#[derive(Debug, Clone, PartialEq)]
pub struct NewThread {
    /// The channel it goes in.
    pub channel_id: ChannelId,
    /// Start it from this message of the channel (an announcement), if any.
    pub message_id: Option<MessageId>,
    /// Its name, already within Discord's limit.
    pub name: String,
    /// Its first message.
    pub intro: Reply,
}

/// Why a post failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostError {
    /// Worth trying again later (429, 5xx, network).
    Transient(String),
    /// The channel is unusable (missing access, unknown channel): nothing more goes there
    /// until an admin sets it again.
    Permanent(String),
    /// Discord refused this one message (e.g. 400): it fails alone, the channel stays usable.
    Rejected(String),
}

impl PostError {
    /// What went wrong, in words.
    pub fn reason(&self) -> &str {
        match self {
            PostError::Transient(reason)
            | PostError::Permanent(reason)
            | PostError::Rejected(reason) => reason,
        }
    }
}

/// Posts messages into channels.
pub trait Poster: Sync {
    /// Posts `message`; the id of the message on success.
    fn post(&self, message: &Outgoing)
        -> impl Future<Output = Result<MessageId, PostError>> + Send;
    /// Opens a public thread and posts its first message; the thread's id on success.
    fn open_thread(
        &self,
        thread: &NewThread,
    ) -> impl Future<Output = Result<ChannelId, PostError>> + Send;
    /// Deletes a thread confbot opened but could not record, so none is left behind.
    fn remove_thread(
        &self,
        thread: ChannelId,
    ) -> impl Future<Output = Result<(), PostError>> + Send;
}

/// A direct message to a user.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectMessage {
    /// The user's DM channel (see [`DirectMessenger::open_dm`]).
    pub channel_id: ChannelId,
    /// Sent with `enforce_nonce`, as announcements are.
    pub nonce: Nonce,
    pub content: Text,
    pub embed: Reply,
}

/// Why a DM failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DmError {
    /// Worth trying again later (429, 5xx, network).
    Transient(String),
    /// The user does not accept DMs from the bot (Discord's 50007): try no more.
    Refused,
    /// The DM channel is gone (a stale cached id): open it again.
    UnknownChannel,
    /// Discord refused this one message.
    Rejected(String),
}

/// Sends direct messages. Implementations pace themselves within Discord's global limit
/// (`domain::budget`), at the priority asked.
pub trait DirectMessenger: Sync {
    /// The DM channel with `user` (Discord answers the same one every time): for a DM due now,
    /// or opened ahead of need ([`Priority::Ahead`], only in slots nothing due wants).
    fn open_dm(
        &self,
        user: UserId,
        priority: Priority,
    ) -> impl Future<Output = Result<ChannelId, DmError>> + Send;
    /// Posts `message`; the id of the message on success.
    fn send_dm(
        &self,
        message: &DirectMessage,
    ) -> impl Future<Output = Result<MessageId, DmError>> + Send;
}

/// A scheduled event as confbot writes it (texts already within Discord's limits): external
/// at `location`, or held in a voice or stage `channel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub name: String,
    pub description: String,
    pub location: String,
    pub channel: Option<EventChannel>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The voice or stage channel an event is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventChannel {
    pub id: ChannelId,
    pub stage: bool,
}

/// A scheduled event as Discord lists it (or dispatches it changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedEvent {
    pub event_id: EventId,
    /// confbot made it (else an organiser did, and it is never touched).
    pub mine: bool,
    /// 1 scheduled, 2 active.
    pub status: EventStatus,
    pub name: String,
    pub description: String,
    /// An external event's location (empty for one held in a channel).
    pub location: String,
    pub channel_id: Option<ChannelId>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// Why a scheduled event request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Worth trying again later (429, 5xx, network).
    Transient(String),
    /// confbot may not manage events (403, 50013): the mirror stops until an admin acts.
    Forbidden(String),
    /// The guild holds Discord's maximum of scheduled events (30038).
    Full(String),
    /// The event is gone (10070).
    Unknown,
    /// Discord refused this one request.
    Rejected(String),
}

impl EventError {
    /// What went wrong, in words.
    pub fn reason(&self) -> &str {
        match self {
            EventError::Transient(r)
            | EventError::Forbidden(r)
            | EventError::Full(r)
            | EventError::Rejected(r) => r,
            EventError::Unknown => "the event is gone",
        }
    }
}

/// Keeps a guild's scheduled events: the Events tab mirror of the program. Implementations
/// pace themselves and let announcements go first.
pub trait EventPublisher: Sync {
    /// The guild's scheduled and active events.
    fn list_events(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<Vec<ListedEvent>, EventError>> + Send;
    /// Creates an event; its id on success.
    fn create_event(
        &self,
        guild: GuildId,
        draft: &EventDraft,
    ) -> impl Future<Output = Result<EventId, EventError>> + Send;
    /// Rewrites an event; `started` leaves its start time alone, which Discord no longer
    /// lets change.
    fn edit_event(
        &self,
        guild: GuildId,
        event: EventId,
        draft: &EventDraft,
        started: bool,
    ) -> impl Future<Output = Result<(), EventError>> + Send;
    /// Sets an event's status (2 active, 3 completed).
    fn set_event_status(
        &self,
        guild: GuildId,
        event: EventId,
        status: EventStatus,
    ) -> impl Future<Output = Result<(), EventError>> + Send;
    /// Deletes an event.
    fn delete_event(
        &self,
        guild: GuildId,
        event: EventId,
    ) -> impl Future<Output = Result<(), EventError>> + Send;
}

/// What a room's voice or stage channel shows now, as the gateway last told confbot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Not known (yet): the gateway has not sent the guild, or the channel is gone.
    Unknown,
    /// A stage channel without a live stage: there is no topic to set.
    NotLive,
    /// A voice channel's status, or a live stage's topic (`None`: a voice channel without one).
    Text(Option<String>),
}

/// Shows what is on stage: rooms' voice channel statuses and live stages' topics.
/// Implementations pace themselves, one request at a time, behind the announcements due.
pub trait StageBoard: Sync {
    /// What `channel` (a stage channel if `stage`) of `guild` shows now.
    fn shown(&self, guild: GuildId, channel: ChannelId, stage: bool) -> Shown;
    /// Sets a voice channel's status (`None` clears it); the text is within Discord's limit.
    fn set_voice_status(
        &self,
        channel: ChannelId,
        status: Option<&str>,
    ) -> impl Future<Output = Result<(), PostError>> + Send;
    /// Sets the topic of a stage channel's live stage; the text is within Discord's limit.
    fn set_stage_topic(
        &self,
        channel: ChannelId,
        topic: &str,
    ) -> impl Future<Output = Result<(), PostError>> + Send;
}

/// Records what a post into `channel` says about the channel (`/setup show` shows it): a
/// success clears it, a [`PostError::Permanent`] marks it broken until an admin sets it again,
/// other errors are noted. True when this outcome newly broke the channel, so the caller can
/// say so once rather than on every post.
pub fn record_outcome(
    store: &Store,
    guild: GuildId,
    channel: ChannelId,
    outcome: Result<(), &PostError>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    match outcome {
        Ok(()) => {
            store.record_post(guild, channel, now)?;
            Ok(false)
        }
        Err(error) => store.record_post_error(
            guild,
            channel,
            error.reason(),
            matches!(error, PostError::Permanent(_)),
            now,
        ),
    }
}
