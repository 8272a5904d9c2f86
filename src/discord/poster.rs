//! The serenity implementation of [`Poster`]: a channel message with the announcement's nonce
//! and `enforce_nonce` (and its "Remind me" button), allowing at most the guild's ping role to
//! be mentioned; and a public Q&A thread with its first message, mentioning nobody. It is also
//! the [`DirectMessenger`] of DM reminders, mentioning nobody either. Every request here (posts,
//! DMs, DM channels, threads) takes its slot from the bot's one [`Pacer`], so together they stay
//! within Discord's global limit; a DM channel opened ahead of need waits for a quiet slot.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{
    AutoArchiveDuration, ChannelId, ChannelType, CreateAllowedMentions, CreateMessage,
    CreateThread, Http, HttpError, MessageId, Nonce, RoleId, UserId,
};

use super::pacer::{Pacer, Priority};
use super::render;
use super::retry::is_transient;
use crate::domain::ports::{
    DirectMessage, DirectMessenger, DmError, NewThread, Outgoing, PostError, Poster,
};
use crate::ids;

/// Discord's "Cannot send messages to this user": they do not accept DMs from the bot.
const CANNOT_DM: isize = 50007;
/// Discord's "Unknown Channel".
const UNKNOWN_CHANNEL: isize = 10003;

/// The slot a request waits for: a message post's (its channel's room, then a due slot), a
/// due request's, or one done ahead of need (see `pacer.rs`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Slot {
    Post(ids::ChannelId),
    Due,
    Ahead,
}

pub struct SerenityPoster {
    http: Arc<Http>,
    pacer: Arc<Pacer>,
}

impl SerenityPoster {
    pub fn new(http: Arc<Http>, pacer: Arc<Pacer>) -> SerenityPoster {
        SerenityPoster { http, pacer }
    }

    /// Waits for `slot`, runs `request`, and pauses every sender if Discord answered 429.
    /// Also the Events mirror's way to a slot (`mirror.rs`).
    pub(super) async fn paced<T>(
        &self,
        slot: Slot,
        request: impl std::future::Future<Output = Result<T, serenity::Error>>,
    ) -> Result<T, serenity::Error> {
        match slot {
            Slot::Post(channel) => self.pacer.post_slot(channel).await,
            Slot::Due => self.pacer.slot(Priority::Due).await,
            Slot::Ahead => self.pacer.slot(Priority::Ahead).await,
        }
        let result = request.await;
        if let Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) = &result {
            if response.status_code.as_u16() == 429 {
                tracing::warn!("Discord answered 429; every sender pauses");
                self.pacer.pause();
            }
        }
        result
    }
}

impl DirectMessenger for SerenityPoster {
    async fn open_dm(
        &self,
        user: ids::UserId,
        priority: Priority,
    ) -> Result<ids::ChannelId, DmError> {
        let slot = match priority {
            Priority::Due => Slot::Due,
            Priority::Ahead => Slot::Ahead,
        };
        self.paced(slot, UserId::from(user).create_dm_channel(&self.http))
            .await
            .map(|channel| channel.id.into())
            .map_err(|error| dm_error(&error))
    }

    async fn send_dm(&self, message: &DirectMessage) -> Result<ids::MessageId, DmError> {
        let create = CreateMessage::new()
            .content(render::content(&message.content))
            .embed(render::embed(&message.embed.fitted()))
            .nonce(Nonce::String(message.nonce.to_string()))
            .enforce_nonce(true)
            .allowed_mentions(render::no_mentions());
        self.paced(
            Slot::Post(message.channel_id),
            ChannelId::from(message.channel_id).send_message(&self.http, create),
        )
        .await
        .map(|sent| sent.id.into())
        .map_err(|error| dm_error(&error))
    }
}

/// A failed DM request as a [`DmError`].
fn dm_error(error: &serenity::Error) -> DmError {
    match error_code(error) {
        _ if is_transient(error) => DmError::Transient(describe(error)),
        Some(CANNOT_DM) => DmError::Refused,
        Some(UNKNOWN_CHANNEL) => DmError::UnknownChannel,
        _ => DmError::Rejected(describe(error)),
    }
}

impl Poster for SerenityPoster {
    async fn post(&self, message: &Outgoing) -> Result<ids::MessageId, PostError> {
        let mentions = match message.mention_role {
            Some(role) => CreateAllowedMentions::new().roles([RoleId::from(role)]),
            None => render::no_mentions(),
        };
        let create = CreateMessage::new()
            // Content comes from program data (titles, rooms): cut it rather than be refused.
            .content(render::content(&message.content))
            .embed(render::embed(&message.embed))
            .components(render::components(&message.embed, None))
            .nonce(Nonce::String(message.nonce.to_string()))
            .enforce_nonce(true)
            .allowed_mentions(mentions);
        match self
            .paced(
                Slot::Post(message.channel_id),
                ChannelId::from(message.channel_id).send_message(&self.http, create),
            )
            .await
        {
            Ok(sent) => Ok(sent.id.into()),
            Err(error) => Err(post_error(&error)),
        }
    }

    /// Not retried: a retry after a lost answer would open a second thread.
    async fn open_thread(&self, thread: &NewThread) -> Result<ids::ChannelId, PostError> {
        let channel = ChannelId::from(thread.channel_id);
        // Q&A runs for a day of talks; Discord archives it a day after the last message.
        let builder =
            || CreateThread::new(&thread.name).auto_archive_duration(AutoArchiveDuration::OneDay);
        // A thread made without a message is private unless asked otherwise.
        let standalone = || {
            self.paced(
                Slot::Due,
                channel.create_thread(&self.http, builder().kind(ChannelType::PublicThread)),
            )
        };
        let created = match thread.message_id {
            Some(message) => {
                match self
                    .paced(
                        Slot::Due,
                        channel.create_thread_from_message(
                            &self.http,
                            MessageId::from(message),
                            builder(),
                        ),
                    )
                    .await
                {
                    // The announcement was deleted, or already holds a (deleted) thread: open
                    // one beside it.
                    Err(error) if matches!(error_code(&error), Some(10008 | 160004)) => {
                        standalone().await
                    }
                    other => other,
                }
            }
            None => standalone().await,
        }
        .map_err(|error| post_error(&error))?;
        let intro = CreateMessage::new()
            .embed(render::embed(&thread.intro))
            .allowed_mentions(render::no_mentions());
        // The thread is usable without its introduction: log the failure rather than report
        // one, which would make the caller open a second thread.
        let posted = self.paced(
            Slot::Post(created.id.into()),
            created.id.send_message(&self.http, intro),
        );
        if let Err(error) = posted.await {
            tracing::warn!(thread = %created.id, error = %describe(&error), "cannot post the Q&A introduction");
        }
        Ok(created.id.into())
    }

    async fn remove_thread(&self, thread: ids::ChannelId) -> Result<(), PostError> {
        self.paced(Slot::Due, ChannelId::from(thread).delete(&self.http))
            .await
            .map(drop)
            .map_err(|error| post_error(&error))
    }
}

/// A failed request as a [`PostError`]: transient if trying again later may succeed; the
/// channel unusable on 403 (missing access or permissions) and 404 (unknown channel); any
/// other refusal concerns only this message.
pub fn post_error(error: &serenity::Error) -> PostError {
    let status = match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    };
    match status {
        _ if is_transient(error) => PostError::Transient(describe(error)),
        Some(403 | 404) => PostError::Permanent(describe(error)),
        _ => PostError::Rejected(describe(error)),
    }
}

/// Discord's JSON error code of a failed request (10003 Unknown Channel, 10008 Unknown
/// Message...).
pub fn error_code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some(response.error.code)
        }
        _ => None,
    }
}

/// A failed request in words an organiser can read in `/setup show`: what happened, with
/// Discord's own message where it sent one (`403 Forbidden: Missing Access`), never serenity's
/// text for a body it could not decode (Discord's 429 body has no `code`).
pub(super) fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code;
            let discords = &response.error.message;
            let decoded = response.error.code != -1 && !discords.is_empty();
            match status.as_u16() {
                429 => "rate limited by Discord (429)".to_string(),
                _ if status.is_server_error() => format!("Discord had a server error ({status})"),
                _ if decoded => format!("{status}: {discords}"),
                _ => format!("Discord refused the request ({status})"),
            }
        }
        serenity::Error::Http(HttpError::Request(request)) if request.is_timeout() => {
            "Discord did not answer in time".to_string()
        }
        serenity::Error::Http(HttpError::Request(_)) => "could not reach Discord".to_string(),
        other => {
            tracing::warn!(error = ?other, "an unexpected error from serenity");
            "an unexpected error talking to Discord (see the log)".to_string()
        }
    }
}
