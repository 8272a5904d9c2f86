//! The Events tab mirror on Discord: the serenity implementation of [`EventPublisher`]
//! (external scheduled events, each request through the poster's pacing, so the mirror never
//! pushes confbot over Discord's global limit), and the gateway events that concern it: an
//! event deleted by an organiser (not recreated), one of confbot's edited by hand (put back),
//! an organiser's event made, deleted or ended and a resumed session (Discord is listed again:
//! the room under the cap changed, or dispatches may have been missed), and attendees pressing
//! Interested (a bookmark).

use std::sync::Arc;

use chrono::DateTime;
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use serenity::{FullEvent, GuildId, Http, HttpError, ScheduledEventId, UserId};
use tokio::sync::OnceCell;

use super::poster::{describe, error_code, SerenityPoster, Slot};
use super::retry::is_transient;
use super::{Data, Error};
use crate::commands::mirror::{interested, not_interested};
use crate::domain::mirror::note_hand_edit;
use crate::domain::ports::{EventDraft, EventError, EventPublisher, ListedEvent};
use crate::ids;
use crate::store::EventStatus;

/// Discord's "Missing Permissions".
const MISSING_PERMISSIONS: isize = 50013;
/// Discord's "Maximum number of uncompleted guild scheduled events reached (100)".
const TOO_MANY_EVENTS: isize = 30038;
/// Discord's "Unknown Guild Scheduled Event".
const UNKNOWN_EVENT: isize = 10070;

pub struct SerenityEvents {
    http: Arc<Http>,
    poster: Arc<SerenityPoster>,
    /// The bot's own user, to tell its events from the organisers'.
    me: OnceCell<UserId>,
}

impl SerenityEvents {
    pub fn new(http: Arc<Http>, poster: Arc<SerenityPoster>) -> SerenityEvents {
        SerenityEvents {
            http,
            poster,
            me: OnceCell::new(),
        }
    }

    async fn me(&self) -> Result<UserId, EventError> {
        self.me
            .get_or_try_init(|| async {
                self.poster
                    .paced(Slot::Due, self.http.get_current_user())
                    .await
                    .map(|u| u.id)
                    .map_err(|e| event_error(&e))
            })
            .await
            .copied()
    }
}

/// The body of an event (external, or in a voice or stage channel); a started one keeps its
/// start time, which Discord no longer lets change.
fn body(draft: &EventDraft, started: bool) -> Value {
    let mut body = json!({
        "name": draft.name,
        "description": draft.description,
        "scheduled_end_time": draft.end.to_rfc3339(),
        "privacy_level": 2,
    });
    match draft.channel {
        Some(channel) => {
            body["entity_type"] = json!(if channel.stage { 1 } else { 2 });
            body["channel_id"] = json!(channel.id.to_string());
            body["entity_metadata"] = Value::Null;
        }
        None => {
            body["entity_type"] = json!(3);
            body["channel_id"] = Value::Null;
            body["entity_metadata"] = json!({"location": draft.location});
        }
    }
    if !started {
        body["scheduled_start_time"] = json!(draft.start.to_rfc3339());
    }
    body
}

impl EventPublisher for SerenityEvents {
    async fn list_events(&self, guild: ids::GuildId) -> Result<Vec<ListedEvent>, EventError> {
        let me = self.me().await?;
        let events = self
            .poster
            .paced(
                Slot::Due,
                self.http.get_scheduled_events(GuildId::from(guild), false),
            )
            .await
            .map_err(|e| event_error(&e))?;
        Ok(events.iter().map(|e| listed(e, me)).collect())
    }

    async fn create_event(
        &self,
        guild: ids::GuildId,
        draft: &EventDraft,
    ) -> Result<ids::EventId, EventError> {
        let body = body(draft, false);
        self.poster
            .paced(
                Slot::Due,
                self.http
                    .create_scheduled_event(GuildId::from(guild), &body, None),
            )
            .await
            .map(|e| e.id.into())
            .map_err(|e| event_error(&e))
    }

    async fn edit_event(
        &self,
        guild: ids::GuildId,
        event: ids::EventId,
        draft: &EventDraft,
        started: bool,
    ) -> Result<(), EventError> {
        let body = body(draft, started);
        self.patch(guild, event, &body).await
    }

    async fn set_event_status(
        &self,
        guild: ids::GuildId,
        event: ids::EventId,
        status: EventStatus,
    ) -> Result<(), EventError> {
        self.patch(guild, event, &json!({"status": status.code()}))
            .await
    }

    async fn delete_event(
        &self,
        guild: ids::GuildId,
        event: ids::EventId,
    ) -> Result<(), EventError> {
        self.poster
            .paced(
                Slot::Due,
                self.http
                    .delete_scheduled_event(GuildId::from(guild), ScheduledEventId::new(event.0)),
            )
            .await
            .map_err(|e| event_error(&e))
    }
}

impl SerenityEvents {
    async fn patch(
        &self,
        guild: ids::GuildId,
        event: ids::EventId,
        body: &Value,
    ) -> Result<(), EventError> {
        self.poster
            .paced(
                Slot::Due,
                self.http.edit_scheduled_event(
                    GuildId::from(guild),
                    ScheduledEventId::new(event.0),
                    body,
                    None,
                ),
            )
            .await
            .map(drop)
            .map_err(|e| event_error(&e))
    }
}

/// A scheduled event as the mirror reads it.
fn listed(e: &serenity::ScheduledEvent, me: UserId) -> ListedEvent {
    let instant = |t: serenity::Timestamp| {
        DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default()
    };
    ListedEvent {
        event_id: e.id.into(),
        mine: e.creator_id == Some(me),
        status: e.status.into(),
        name: e.name.clone(),
        description: e.description.clone().unwrap_or_default(),
        location: e
            .metadata
            .as_ref()
            .and_then(|m| m.location.clone())
            .unwrap_or_default(),
        channel_id: e.channel_id.map(ids::ChannelId::from),
        start: instant(e.start_time),
        end: e.end_time.map(instant),
    }
}

/// A failed event request as an [`EventError`].
fn event_error(error: &serenity::Error) -> EventError {
    let status = match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => Some(r.status_code.as_u16()),
        _ => None,
    };
    match (status, error_code(error)) {
        _ if is_transient(error) => EventError::Transient(describe(error)),
        (_, Some(UNKNOWN_EVENT)) => EventError::Unknown,
        (_, Some(TOO_MANY_EVENTS)) => EventError::Full(describe(error)),
        (Some(403), _) | (_, Some(MISSING_PERMISSIONS)) => EventError::Forbidden(describe(error)),
        _ => EventError::Rejected(describe(error)),
    }
}

/// The gateway events the mirror follows.
pub async fn on_event(
    ctx: &serenity::Context,
    event: &FullEvent,
    data: &Data,
) -> Result<(), Error> {
    match event {
        // An organiser's new event takes room under the cap: count theirs again.
        FullEvent::GuildScheduledEventCreate { event }
            if event.creator_id != Some(ctx.cache.current_user().id) =>
        {
            data.run(|store, _| Ok(store.request_event_listing()?))
                .await?;
        }
        // An organiser's event gone (deleted, or over) frees room under the cap: count again.
        FullEvent::GuildScheduledEventDelete { event }
            if event.creator_id != Some(ctx.cache.current_user().id) =>
        {
            data.run(|store, _| Ok(store.request_event_listing()?))
                .await?;
        }
        FullEvent::GuildScheduledEventUpdate { event }
            if event.creator_id != Some(ctx.cache.current_user().id)
                && matches!(
                    event.status,
                    serenity::ScheduledEventStatus::Completed
                        | serenity::ScheduledEventStatus::Canceled
                ) =>
        {
            data.run(|store, _| Ok(store.request_event_listing()?))
                .await?;
        }
        FullEvent::GuildScheduledEventDelete { event } => {
            let id = event.id.into();
            let known = data
                .run(move |store, _| Ok(store.mark_event_deleted_by_hand(id)?))
                .await?;
            if known {
                tracing::info!(event = %id, "an organiser deleted a mirrored event; not recreated until /setup events");
            }
        }
        // One of confbot's edited: put back if it was by hand.
        FullEvent::GuildScheduledEventUpdate { event } => {
            let (guild, seen) = (
                ids::GuildId::from(event.guild_id),
                listed(event, ctx.cache.current_user().id),
            );
            let id = seen.event_id;
            let by_hand = data
                .run(move |store, _| Ok(note_hand_edit(store, guild, &seen)?))
                .await?;
            if by_hand {
                tracing::info!(event = %id, "a mirrored event was edited by hand; putting it back");
            }
        }
        FullEvent::GuildScheduledEventUserAdd { subscribed } => {
            let (event, user) = (
                subscribed.scheduled_event_id.into(),
                ids::UserId::from(subscribed.user_id),
            );
            data.run(move |store, now| Ok(interested(store, event, user, now)?))
                .await?;
        }
        FullEvent::GuildScheduledEventUserRemove { unsubscribed } => {
            let (event, user) = (
                unsubscribed.scheduled_event_id.into(),
                ids::UserId::from(unsubscribed.user_id),
            );
            data.run(move |store, _| Ok(not_interested(store, event, user)?))
                .await?;
        }
        FullEvent::Resume { .. } => {
            data.run(|store, _| Ok(store.request_event_listing()?))
                .await?;
        }
        _ => {}
    }
    Ok(())
}
