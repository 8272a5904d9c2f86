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
//! recorded as missed; a claim first tried longer ago than Discord remembers nonces is not
//! retried (`Rules::retry_within`). A user who does not accept DMs (Discord's 50007) is
//! recorded and gets no further attempt until they open `/agenda`; their next command tells
//! them once.
//!
//! A bookmarked talk that a reload moved or cancelled is told to each user who had it, once
//! per change, before any reminder (the same claim, nonce, confirm and `retry_within`).
//!
//! [`tick`] runs on its own schedule beside the announcement tick (`ticker.rs`), so a keynote's
//! thousands of DMs never hold up a channel announcement; the sender paces them.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;

use super::{backoff, nonce_of, Rules, HORIZON, LATE_AFTER, TOO_LONG_AGO};
use crate::agenda::MAX_MINUTES;
use crate::format::{day_and_time, span, stamp};
use crate::ids::{MessageId, UserId};
use crate::post::{DirectMessage, DirectMessenger, DmError};
use crate::reply::{Reply, Style, Text};
use crate::store::{
    AgendaChange, AnnouncementState, ChangeDmOutcome, DmReminder, ScheduledTalk, Store,
};
use crate::text;

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

impl DmReport {
    fn add(&mut self, other: &DmReport) {
        self.sent += other.sent;
        self.late += other.late;
        self.missed += other.missed;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.refused += other.refused;
    }
}

/// A talk by id, at the start it had when its reminder fell due.
type TalkAt = (String, DateTime<Utc>);

/// The nonce of a user's reminder at `due`: stable across restarts and versions.
pub fn nonce(user: UserId, due: DateTime<Utc>) -> String {
    nonce_of(&format!("dm\u{1f}{user}\u{1f}{}", due.timestamp()))
}

/// DM requests in flight at once. The sender paces every request (Discord's global limit);
/// with one in flight, the database work between two DMs left slots unused, and the pacer's
/// timeline is shared, so a channel announcement still waits for at most this many DM slots.
const IN_FLIGHT: usize = 2;

/// A DM to send: one resumed after a crash or an error, or one to claim first.
enum Work {
    Resume(DmReminder),
    Claim {
        due_at: DateTime<Utc>,
        user: UserId,
        talks: Vec<TalkAt>,
    },
}

/// Sends every DM reminder due at `now`, exactly once, earliest due first.
pub async fn tick(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<DmReport> {
    let mut report = DmReport::default();
    // Changes first: "moved to 11:30" should come before the reminder for 11:30.
    tell_changes(store, messenger, now, rules, &mut report).await?;
    let mut work: Vec<Work> = store
        .dm_reminders_to_retry(now)?
        .into_iter()
        .map(Work::Resume)
        .collect();
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
    work.extend(
        groups
            .into_iter()
            .map(|((due_at, user), talks)| Work::Claim {
                due_at,
                user,
                talks,
            }),
    );
    // Claimed as they are sent, in order, so a crash leaves few claims to resume.
    let mut sent = futures_util::stream::iter(work)
        .map(|work| async move {
            let mut one = DmReport::default();
            let result = run(store, messenger, now, rules, work, &mut one).await;
            (one, result)
        })
        .buffered(IN_FLIGHT);
    let mut failure = None;
    while let Some((one, result)) = sent.next().await {
        report.add(&one);
        if let Err(error) = result {
            failure.get_or_insert(error);
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// Claims (unless resuming) and sends one DM reminder.
async fn run(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
    work: Work,
    report: &mut DmReport,
) -> anyhow::Result<()> {
    let claimed = match work {
        Work::Resume(claimed) => claimed,
        Work::Claim {
            due_at,
            user,
            talks,
        } => {
            let worth_sending = talks.iter().any(|(_, start)| now <= *start + rules.grace);
            let state = if worth_sending {
                AnnouncementState::Claimed
            } else {
                AnnouncementState::Missed
            };
            match store.claim_dm_reminder(user, due_at, &nonce(user, due_at), &talks, state, now)? {
                Some(claimed) if worth_sending => claimed,
                Some(_) => {
                    report.missed += 1;
                    return Ok(());
                }
                None => return Ok(()),
            }
        }
    };
    send_or_log(store, messenger, now, rules, claimed, report).await;
    Ok(())
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
    // As for announcements: Discord may have sent it and forgotten the nonce since.
    if now - claimed.claimed_at > rules.retry_within {
        report.missed += 1;
        return give_up(AnnouncementState::Missed, TOO_LONG_AGO);
    }
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
    let (content, embed) = render(store, &talks, late)?;
    let outcome = deliver(store, messenger, user, &claimed.nonce, content, embed).await?;
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
            // The stale cached channel is forgotten: the retry opens a new one.
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

/// Sends a DM to `user` into their DM channel, opening it (and caching it) the first time.
/// A refusal (50007) is recorded for the user; a stale cached channel is forgotten.
async fn deliver(
    store: &Store,
    messenger: &impl DirectMessenger,
    user: UserId,
    nonce: &str,
    content: Text,
    embed: Reply,
) -> anyhow::Result<Result<MessageId, DmError>> {
    let channel_id = match store.dm_channel(user)? {
        Some(channel) => channel,
        None => match messenger.open_dm(user).await {
            Ok(channel) => {
                store.set_dm_channel(user, Some(channel))?;
                channel
            }
            Err(error) => return Ok(Err(error)),
        },
    };
    let message = DirectMessage {
        channel_id,
        nonce: nonce.to_string(),
        content,
        embed,
    };
    let outcome = messenger.send_dm(&message).await;
    if outcome == Err(DmError::UnknownChannel) {
        store.set_dm_channel(user, None)?;
    }
    Ok(outcome)
}

/// Tells each user whose bookmarked talk a reload moved or cancelled, once per change.
async fn tell_changes(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
    report: &mut DmReport,
) -> anyhow::Result<()> {
    for dm in store.change_dms_due(now)? {
        let (change, user) = (&dm.change, dm.user);
        if !store.claim_change_dm(change.id, user, now)? {
            continue;
        }
        let done = |outcome| store.change_dm_done(change.id, user, outcome);
        // As for reminders: Discord may have sent it and forgotten the nonce since.
        if dm
            .claimed_at
            .is_some_and(|claimed_at| now - claimed_at > rules.retry_within)
        {
            report.missed += 1;
            done(ChangeDmOutcome::GivenUp(
                AnnouncementState::Missed,
                TOO_LONG_AGO,
            ))?;
            continue;
        }
        if store.dms_refused_at(user)?.is_some() {
            report.failed += 1;
            done(ChangeDmOutcome::GivenUp(
                AnnouncementState::Failed,
                "the user does not accept DMs",
            ))?;
            continue;
        }
        // Old news once the talk is over in both its slots.
        if change
            .old_start
            .max(change.new_start.unwrap_or(change.old_start))
            + HORIZON
            < now
        {
            report.missed += 1;
            done(ChangeDmOutcome::GivenUp(
                AnnouncementState::Missed,
                "the talk is long over",
            ))?;
            continue;
        }
        let (content, embed) = render_change(store, change)?;
        let nonce = nonce_of(&format!("change\u{1f}{}\u{1f}{user}", change.id));
        match deliver(store, messenger, user, &nonce, content, embed).await? {
            Ok(message) => {
                report.sent += 1;
                done(ChangeDmOutcome::Sent(message))?;
            }
            Err(DmError::Refused) => {
                store.dms_refused(user, now)?;
                report.refused += 1;
                report.failed += 1;
                done(ChangeDmOutcome::GivenUp(
                    AnnouncementState::Failed,
                    "the user does not accept DMs",
                ))?;
            }
            Err(DmError::Transient(error)) => {
                report.retrying += 1;
                done(ChangeDmOutcome::RetryAt(&error, now + backoff(dm.attempts)))?;
            }
            Err(DmError::UnknownChannel) => {
                report.retrying += 1;
                done(ChangeDmOutcome::RetryAt("unknown DM channel", now))?;
            }
            Err(DmError::Rejected(error)) => {
                report.failed += 1;
                done(ChangeDmOutcome::GivenUp(AnnouncementState::Failed, &error))?;
            }
        }
    }
    Ok(())
}

/// What a change DM says: "moved to …" with the new time and place, or "cancelled".
pub fn render_change(store: &Store, change: &AgendaChange) -> anyhow::Result<(Text, Reply)> {
    let tz = store
        .conference()?
        .map_or(chrono_tz::UTC, |conference| conference.time_zone);
    let was = match &change.old_room {
        Some(room) => text![
            day_and_time(change.old_start, tz),
            " in ",
            Text::program(room)
        ],
        None => day_and_time(change.old_start, tz),
    };
    let (content, description) = match change.new_start {
        Some(start) => {
            let place = change
                .new_room
                .as_deref()
                .map(|room| text![" in ", Text::program(room)])
                .unwrap_or_default();
            (
                text![
                    "📅 **",
                    Text::program(&change.title),
                    "** moved to ",
                    stamp(start, Style::LongDateTime),
                    &place
                ],
                text![
                    "Now ",
                    day_and_time(start, tz),
                    place,
                    ".\nWas ",
                    was,
                    ".\nYour reminder follows the new time."
                ],
            )
        }
        None => (
            text!["❌ **", Text::program(&change.title), "** was cancelled"],
            text![
                "It was ",
                was,
                ".\nIt is off your agenda, and its reminder with it."
            ],
        ),
    };
    Ok((
        content,
        Reply::new(Text::program(crate::reply::truncate(
            &change.title,
            crate::reply::limits::EMBED_TITLE,
        )))
        .description(description)
        .footer("From your agenda · /agenda to see it"),
    ))
}

/// What a reminder says: a line with the Discord timestamp, and each talk with its time, room,
/// session and a link to the session's Q&A thread or announcement when there is one.
pub fn render(store: &Store, talks: &[ScheduledTalk], late: bool) -> anyhow::Result<(Text, Reply)> {
    let tz = store
        .conference()?
        .map_or(chrono_tz::UTC, |conference| conference.time_zone);
    let first = &talks[0].talk;
    let mut content = match talks {
        [only] => text![
            "⏰ **",
            Text::program(&only.talk.title),
            "** starts ",
            stamp(first.start, Style::Relative)
        ],
        _ => text![
            format!("⏰ {} of your talks start soon, the first ", talks.len()),
            stamp(first.start, Style::Relative)
        ],
    };
    if late {
        content += "\n(Late: confbot was not running when this reminder was due.)";
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
            value += text![" · ", Text::program(place)];
        }
        value += text!["\nin ", Text::program(&session.title)];
        if let Some((guild, channel, message)) = store.session_link(&session.id)? {
            let (label, tail) = match message {
                Some(message) => ("Announcement", format!("/{message}")),
                None => ("Q&A thread", String::new()),
            };
            value += format!(" · [{label}](https://discord.com/channels/{guild}/{channel}{tail})");
        }
        embed = embed.field(Text::program(&talk.title), value, false);
    }
    Ok((
        content,
        embed.footer("From your agenda · /agenda to remove talks or pause reminders"),
    ))
}

#[cfg(test)]
mod tests;
