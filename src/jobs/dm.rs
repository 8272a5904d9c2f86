//! Sending one DM: into the user's DM channel, opened (and cached in SQLite) the first time, so
//! every later DM costs one request. Shared by DM reminders and change DMs.

use crate::domain::budget::Priority;
use crate::domain::ports::{DirectMessage, DirectMessenger, DmError};
use crate::ids::{MessageId, Nonce, UserId};
use crate::reply::{Reply, Text};
use crate::store::Store;

/// What to send to one user.
pub struct Dm<'a> {
    pub user: UserId,
    pub nonce: &'a Nonce,
    pub content: Text,
    pub embed: Reply,
}

/// Sends `dm`, opening the user's DM channel if none is cached. A stale cached channel is
/// forgotten, so the retry opens a new one. The outer error is the database's.
pub async fn deliver(
    store: &Store,
    messenger: &impl DirectMessenger,
    dm: Dm<'_>,
) -> anyhow::Result<Result<MessageId, DmError>> {
    let channel_id = match store.dm_channel(dm.user)? {
        Some(channel) => channel,
        None => match messenger.open_dm(dm.user, Priority::Due).await {
            Ok(channel) => {
                store.set_dm_channel(dm.user, Some(channel))?;
                channel
            }
            Err(error) => return Ok(Err(error)),
        },
    };
    let message = DirectMessage {
        channel_id,
        nonce: dm.nonce.clone(),
        content: dm.content,
        embed: dm.embed,
    };
    let outcome = messenger.send_dm(&message).await;
    if outcome == Err(DmError::UnknownChannel) {
        store.set_dm_channel(dm.user, None)?;
    }
    Ok(outcome)
}
