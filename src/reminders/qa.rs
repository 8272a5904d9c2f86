//! Q&A around announcements: a session's announcement links its Q&A thread once there is one,
//! and a guild with automatic Q&A (`/setup qa auto:true`) gets the thread opened on the
//! announcement as soon as it is posted. Opening is an extra: when it fails, the announcement
//! stays sent (and is never posted again); the failure is logged and a moderator can still run
//! `/qa open`.

use chrono::{DateTime, Utc};

use super::Poster;
use crate::commands::qa::{new_thread, opened, Subject};
use crate::reply::Reply;
use crate::store::{QaState, SessionInfo, Store};

/// A public thread to open, with its first message.
#[derive(Debug, Clone, PartialEq)]
pub struct NewThread {
    /// The channel it goes in.
    pub channel_id: u64,
    /// Start it from this message of the channel (an announcement), if any.
    pub message_id: Option<u64>,
    /// Its name, already within Discord's limit.
    pub name: String,
    /// Its first message.
    pub intro: Reply,
}

/// `content` with a link to the session's open Q&A thread in `guild`, if it has one.
pub fn with_link(
    store: &Store,
    guild: u64,
    session_id: &str,
    mut content: String,
) -> anyhow::Result<String> {
    if let Some(thread) = store.qa_thread_for(guild, session_id, None)? {
        if thread.state == QaState::Open {
            content.push_str(&format!("\nQ&A: <#{}>", thread.thread_id));
        }
    }
    Ok(content)
}

/// After `session`'s announcement was posted as `message_id` in `channel_id`: opens its Q&A
/// thread on it if the guild wants that and the session has none yet.
pub async fn open_on_announcement(
    store: &Store,
    poster: &impl Poster,
    guild: u64,
    session: &SessionInfo,
    channel_id: u64,
    message_id: u64,
    now: DateTime<Utc>,
) {
    let subject = Subject {
        session: session.clone(),
        talk: None,
    };
    let planned = (|| {
        if !store.qa_settings(guild)?.auto_open
            || store.qa_thread_for(guild, &session.id, None)?.is_some()
        {
            return Ok(None);
        }
        new_thread(store, &subject, channel_id, Some(message_id)).map(Some)
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
        Ok(thread_id) => {
            if let Err(error) = opened(store, guild, &subject, channel_id, thread_id, now) {
                tracing::error!(session = %session.id, thread_id, error = ?error, "cannot record the automatic Q&A thread");
            }
        }
        Err(error) => {
            tracing::warn!(session = %session.id, channel = channel_id, ?error, "cannot open the automatic Q&A thread; a moderator can run /qa open");
        }
    }
}
