//! DM reminders of bookmarked talks: what is due at `now`, and the tick that sends it exactly
//! once, the way announcements are sent (`super::tick`):
//!
//! 1. **Claim** the (user, due instant) row in SQLite with the talks it covers, in one
//!    transaction. Two talks of one user due at the same instant are one claim, so one DM.
//! 2. **Send** with a nonce derived from that key and `enforce_nonce`, into the user's DM
//!    channel (cached in SQLite: after the first reminder, one request per DM).
//! 3. **Confirm** with the message id.
//!
//! The same late and grace rules as announcements: a reminder that fell due while the bot was
//! down is sent late (and says so) for talks that started at most `grace` ago; otherwise it is
//! recorded as missed. A user who does not accept DMs (Discord's 50007) is recorded and gets no
//! further attempt until they open `/agenda`; their next command tells them once.
//!
//! [`tick`] runs on its own schedule beside the announcement tick (`ticker.rs`), so a keynote's
//! thousands of DMs never hold up a channel announcement; the sender paces them.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::{backoff, nonce_of, Rules, HORIZON, LATE_AFTER};
use crate::agenda::MAX_MINUTES;
use crate::format::{span, stamp};
use crate::ids::UserId;
use crate::post::{DirectMessage, DirectMessenger, DmError};
use crate::reply::Reply;
use crate::store::{AnnouncementState, DmReminder, ScheduledTalk, Store};

/// What one DM tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DmReport {
    pub sent: usize,
    pub late: usize,
    pub missed: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Users found not to accept DMs.
    pub refused: usize,
}

/// A talk by id, at the start it had when its reminder fell due.
type TalkAt = (String, DateTime<Utc>);

/// The nonce of a user's reminder at `due`: stable across restarts and versions.
pub fn nonce(user: UserId, due: DateTime<Utc>) -> String {
    nonce_of(&format!("dm\u{1f}{user}\u{1f}{}", due.timestamp()))
}

/// Sends every DM reminder due at `now`, exactly once, earliest due first.
pub async fn tick(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<DmReport> {
    let mut report = DmReport::default();
    for claimed in store.dm_reminders_to_retry(now)? {
        send_or_log(store, messenger, now, rules, claimed, &mut report).await;
    }
    let due = store.due_bookmarks(
        now,
        now - HORIZON,
        now + TimeDelta::minutes(MAX_MINUTES.into()),
    )?;
    // Grouped by (due instant, user): one DM each. The map keeps the earliest due first.
    let mut groups: BTreeMap<(DateTime<Utc>, UserId), Vec<TalkAt>> = BTreeMap::new();
    for bookmark in due {
        groups
            .entry((bookmark.due_at, bookmark.user))
            .or_default()
            .push((bookmark.talk_id, bookmark.talk_starts_at));
    }
    for ((due_at, user), talks) in groups {
        let worth_sending = talks.iter().any(|(_, start)| now <= *start + rules.grace);
        let state = if worth_sending {
            AnnouncementState::Claimed
        } else {
            AnnouncementState::Missed
        };
        let claimed =
            store.claim_dm_reminder(user, due_at, &nonce(user, due_at), &talks, state, now)?;
        match claimed {
            Some(claimed) if worth_sending => {
                send_or_log(store, messenger, now, rules, claimed, &mut report).await
            }
            Some(_) => report.missed += 1,
            None => {}
        }
    }
    Ok(report)
}

/// Sends one claimed reminder; an error is logged, not allowed to stop the others (the claim
/// stays, to be retried).
async fn send_or_log(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
    claimed: DmReminder,
    report: &mut DmReport,
) {
    let id = claimed.id;
    if let Err(error) = send(store, messenger, now, rules, claimed, report).await {
        tracing::error!(reminder = id, error = ?error, "cannot send a DM reminder");
    }
}

async fn send(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
    claimed: DmReminder,
    report: &mut DmReport,
) -> anyhow::Result<()> {
    let give_up = |state, reason: &str| store.dm_reminder_given_up(claimed.id, state, reason, now);
    let user = claimed.user;
    if store.dms_refused_at(user)?.is_some() {
        report.failed += 1;
        return give_up(AnnouncementState::Failed, "the user does not accept DMs");
    }
    if store.agenda_user(user)?.paused {
        report.missed += 1;
        return give_up(AnnouncementState::Missed, "the user paused their reminders");
    }
    let talks: Vec<ScheduledTalk> = store
        .dm_reminder_talks(claimed.id)?
        .into_iter()
        .filter(|t| now <= t.talk.start + rules.grace)
        .collect();
    if talks.is_empty() {
        report.missed += 1;
        return give_up(
            AnnouncementState::Missed,
            "its talks started too long ago, or left the program",
        );
    }
    let late = now - claimed.due_at > LATE_AFTER;
    let channel_id = match store.dm_channel(user)? {
        Some(channel) => Ok(channel),
        None => messenger.open_dm(user).await,
    };
    let outcome = match channel_id {
        Ok(channel_id) => {
            store.set_dm_channel(user, Some(channel_id))?;
            let (content, embed) = render(store, &talks, late)?;
            let message = DirectMessage {
                channel_id,
                nonce: claimed.nonce.clone(),
                content,
                embed,
            };
            messenger.send_dm(&message).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(message_id) => {
            store.dm_reminder_sent(claimed.id, message_id, now)?;
            report.sent += 1;
            report.late += usize::from(late);
        }
        Err(DmError::Refused) => {
            tracing::info!(
                reminder = claimed.id,
                "a user does not accept DMs; no more reminders until they open /agenda"
            );
            store.dms_refused(user, now)?;
            give_up(AnnouncementState::Failed, "the user does not accept DMs")?;
            report.refused += 1;
            report.failed += 1;
        }
        Err(DmError::UnknownChannel) => {
            // A cached channel that no longer exists: open a new one on the retry.
            store.set_dm_channel(user, None)?;
            store.dm_reminder_retry_at(claimed.id, "unknown DM channel", now)?;
            report.retrying += 1;
        }
        Err(DmError::Transient(error)) => {
            tracing::warn!(reminder = claimed.id, %error, "DM reminder failed; will retry");
            store.dm_reminder_retry_at(claimed.id, &error, now + backoff(claimed.attempts))?;
            report.retrying += 1;
        }
        Err(DmError::Rejected(error)) => {
            tracing::error!(reminder = claimed.id, %error, "Discord refused a DM reminder");
            give_up(AnnouncementState::Failed, &error)?;
            report.failed += 1;
        }
    }
    Ok(())
}

/// What a reminder says: a line with the Discord timestamp, and each talk with its time, room,
/// session and a link to the session's Q&A thread or announcement when there is one.
pub fn render(
    store: &Store,
    talks: &[ScheduledTalk],
    late: bool,
) -> anyhow::Result<(String, Reply)> {
    let tz = store
        .conference()?
        .map_or(chrono_tz::UTC, |conference| conference.time_zone);
    let first = &talks[0].talk;
    let mut content = match talks {
        [only] => format!(
            "⏰ **{}** starts {}",
            only.talk.title,
            stamp(first.start, 'R')
        ),
        _ => format!(
            "⏰ {} of your talks start soon, the first {}",
            talks.len(),
            stamp(first.start, 'R')
        ),
    };
    if late {
        content.push_str("\n(Late: confbot was not running when this reminder was due.)");
    }
    let mut embed = Reply::new(if talks.len() == 1 {
        "Your next talk"
    } else {
        "Your next talks"
    });
    for row in talks {
        let (talk, session) = (&row.talk, &row.session);
        let mut value = span(talk.start, talk.end, tz);
        if let Some(place) = session.place() {
            value.push_str(&format!(" · {place}"));
        }
        value.push_str(&format!("\nin {}", session.title));
        if let Some((guild, channel, message)) = store.session_link(&session.id)? {
            let (label, tail) = match message {
                Some(message) => ("Announcement", format!("/{message}")),
                None => ("Q&A thread", String::new()),
            };
            value.push_str(&format!(
                " · [{label}](https://discord.com/channels/{guild}/{channel}{tail})"
            ));
        }
        embed = embed.field(talk.title.clone(), value, false);
    }
    Ok((
        content,
        embed.footer("From your agenda · /agenda to remove talks or pause reminders"),
    ))
}

#[cfg(test)]
mod tests;
