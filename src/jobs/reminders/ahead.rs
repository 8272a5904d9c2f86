//! DM channels opened ahead of need: each attendee with a coming reminder gets their DM channel
//! opened (and its id kept, as a reminder keeps it) well before the reminder is due, in slots
//! nothing due wants ([`Priority::Ahead`]), so a keynote's reminders cost one request each
//! instead of two. A new bookmark is picked up at the next tick; attendees of the soonest talks
//! come first.

use chrono::{DateTime, Utc};

use crate::domain::budget::Priority;
use crate::domain::ports::{DirectMessenger, DmError};
use crate::store::Store;

/// Channels one tick opens at most: the next tick, a few seconds later, goes on.
const BATCH: usize = 100;

/// What one tick of the opener did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub opened: usize,
    /// Refused by Discord: left for the reminder to open when due.
    pub refused: usize,
}

/// Opens the DM channels of the attendees with a talk coming after `now` whose channel is not
/// known. A transient error ends the tick (the next one tries again); a refusal is recorded, so
/// that user is not tried ahead again.
pub async fn tick(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
) -> anyhow::Result<Opened> {
    let mut done = Opened::default();
    for user in store.dm_channels_to_open(now, BATCH)? {
        match messenger.open_dm(user, Priority::Ahead).await {
            Ok(channel) => {
                store.set_dm_channel(user, Some(channel))?;
                done.opened += 1;
            }
            Err(DmError::Transient(error)) => {
                tracing::warn!(%error, "cannot open a DM channel ahead; trying again next tick");
                break;
            }
            Err(error) => {
                tracing::info!(?error, "Discord refused to open a DM channel ahead");
                store.dm_channel_refused(user, now)?;
                done.refused += 1;
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, UserId};
    use crate::testing::{pdt, store, FakeMessenger};
    use chrono::TimeDelta;

    #[tokio::test]
    async fn channels_are_opened_ahead_once_for_coming_talks_and_a_refusal_is_not_retried() {
        let (store, dms) = (store(), FakeMessenger::default());
        let talks = store.talks_starting_after(pdt(10, 55), 25, None).unwrap();
        let (soon, later) = (&talks[0].talk, talks.last().unwrap());
        assert!(later.talk.start > soon.start);
        store
            .set_bookmark(UserId(2), &later.talk.id, 10, pdt(9, 0))
            .unwrap();
        store
            .set_bookmark(UserId(1), &soon.id, 10, pdt(9, 0))
            .unwrap();
        // Paused: no reminder, so no channel.
        store
            .set_bookmark(UserId(3), &soon.id, 10, pdt(9, 0))
            .unwrap();
        store.set_reminders_paused(UserId(3), true).unwrap();
        let done = tick(&store, &dms, pdt(10, 0)).await.unwrap();
        assert_eq!(done.opened, 2);
        assert_eq!(
            *dms.opened.lock().unwrap(),
            [UserId(1), UserId(2)],
            "soonest first"
        );
        assert_eq!(store.dm_channel(UserId(1)).unwrap(), Some(ChannelId(5001)));
        assert_eq!(
            tick(&store, &dms, pdt(10, 1)).await.unwrap(),
            Opened::default()
        );
        // A talk already started is no reason to open one.
        store
            .set_bookmark(UserId(4), &soon.id, 10, pdt(9, 0))
            .unwrap();
        let started = soon.start + TimeDelta::minutes(1);
        assert_eq!(
            tick(&store, &dms, started).await.unwrap(),
            Opened::default()
        );
        // Refused for good: recorded, not tried ahead again.
        store
            .set_bookmark(UserId(5), &later.talk.id, 10, pdt(9, 0))
            .unwrap();
        let refusing = FakeMessenger::failing_to_open(vec![DmError::Rejected("400".into())]);
        let done = tick(&store, &refusing, started).await.unwrap();
        assert_eq!(
            done,
            Opened {
                opened: 0,
                refused: 1
            }
        );
        assert_eq!(
            tick(&store, &dms, started).await.unwrap(),
            Opened::default()
        );
        assert_eq!(store.dm_channel(UserId(5)).unwrap(), None);
    }
}
