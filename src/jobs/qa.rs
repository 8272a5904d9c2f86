//! Q&A around announcements: a session's announcement links its Q&A thread once there is one,
//! and a guild with automatic Q&A (`/setup qa auto:true`) gets the thread opened on the
//! announcement as soon as it is posted. Opening is an extra: when it fails, the announcement
//! stays sent (and is never posted again); the failure is logged and a moderator can still run
//! `/qa open`.

use chrono::{DateTime, Utc};

use crate::domain::ports::Poster;
use crate::domain::qa::{
    give_up_opening, new_thread, record_opened, reserve_opening, Opened, Recorded, Subject,
};
use crate::ids::{ChannelId, GuildId, MessageId, SessionId};
use crate::program::SessionSlot;
use crate::reply::Text;
use crate::store::{QaState, Store};
use crate::text;

/// `content` with a link to the session's open Q&A thread in `guild`, if it has one.
pub fn with_link(
    store: &Store,
    guild: GuildId,
    session_id: &SessionId,
    mut content: Text,
) -> anyhow::Result<Text> {
    if let Some(thread) = store.qa_thread_for(guild, session_id, None)? {
        if thread.state == QaState::Open {
            content += text!["\nQ&A: ", Text::channel(thread.thread_id)];
        }
    }
    Ok(content)
}

/// A session's announcement, just posted.
#[derive(Debug, Clone, Copy)]
pub struct Announced<'a> {
    pub guild: GuildId,
    pub session: &'a SessionSlot,
    pub channel: ChannelId,
    pub message: MessageId,
}

/// After a session's announcement was posted: opens its Q&A thread on it if the guild wants
/// that and the session has none yet.
pub async fn open_on_announcement(
    store: &Store,
    poster: &impl Poster,
    announced: &Announced<'_>,
    now: DateTime<Utc>,
) {
    let Announced {
        guild,
        session,
        channel,
        message,
    } = *announced;
    let subject = Subject {
        session: session.clone(),
        talk: None,
    };
    let planned = (|| {
        if !store.qa_settings(guild)?.auto_open
            || store.qa_thread_for(guild, &session.id, None)?.is_some()
            // A moderator is opening it right now: theirs will do.
            || !reserve_opening(store, guild, &subject, now)?
        {
            return Ok(None);
        }
        let thread = new_thread(store, &subject, channel, Some(message));
        if thread.is_err() {
            give_up_opening(store, guild, &subject)?;
        }
        thread.map(Some)
    })();
    let thread = match planned {
        Ok(Some(thread)) => thread,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(session = %session.id, error = ?error, "cannot plan the automatic Q&A thread");
            return;
        }
    };
    match poster.open_thread(&thread).await {
        Ok(thread) => {
            let opened = Opened {
                guild,
                subject: &subject,
                channel,
                thread,
            };
            match record_opened(store, &opened, now) {
                Ok(Recorded::Live) => {}
                Ok(Recorded::Lost(existing)) => {
                    tracing::warn!(session = %session.id, %thread, existing = %existing.thread_id, "another Q&A thread was recorded first");
                }
                Err(error) => {
                    tracing::error!(session = %session.id, %thread, error = ?error, "cannot record the automatic Q&A thread; removing it");
                    if let Err(removal) = poster.remove_thread(thread).await {
                        tracing::warn!(%thread, error = ?removal, "cannot remove an unrecorded Q&A thread");
                    }
                    if let Err(error) = give_up_opening(store, guild, &subject) {
                        tracing::error!(error = ?error, "cannot release a Q&A opening");
                    }
                }
            }
        }
        Err(error) => {
            tracing::warn!(session = %session.id, %channel, ?error, "cannot open the automatic Q&A thread; a moderator can run /qa open");
            if let Err(error) = give_up_opening(store, guild, &subject) {
                tracing::error!(error = ?error, "cannot release a Q&A opening");
            }
        }
    }
}
