//! DM reminders of bookmarked talks: what is due at `now`, and the tick that sends it exactly
//! once, the way announcements are sent (`jobs/announcements`):
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
//! retried (`delivery::Rules::retry_within`). A user who does not accept DMs (Discord's 50007) is
//! recorded and gets no further attempt until they open `/agenda`; their next command tells
//! them once.
//!
//! A bookmarked talk that a reload moved or cancelled is told to each user who had it, once
//! per change, before any reminder (`jobs/changes.rs`, through the same outbox).
//!
//! **A crowded instant is sent early**: when many reminders fall due at once, the tick starts
//! them as long before as Discord's global limit needs, earliest due first, so the last goes
//! out by its due instant (`domain::budget::send_until`, the one rule; the announcements due
//! meanwhile are counted in). The claim key stays (user, due instant); a reminder sent early
//! says the talk's time of day ([`Timing::Early`]). The channels those DMs go into are opened
//! ahead, in slots nothing due wants (`ahead.rs`), so each costs one request.
//!
//! [`tick`] runs on its own schedule beside the announcement tick (`jobs/ticker.rs`), so a keynote's
//! thousands of DMs never hold up a channel announcement; the sender paces them.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;

use super::announcements::plan;
use super::delivery::{self, Attempt, Report, Rules, DMS_CLOSED, HORIZON, LATE_AFTER};
use super::dm::{deliver, Dm};
use super::Tick;
use crate::domain::agenda::MAX_MINUTES;
use crate::domain::budget::{send_until, Crowd, PLAN_AHEAD};
use crate::domain::format::{span, stamp};
use crate::domain::ports::DirectMessenger;
use crate::domain::rooms::Personal;
use crate::ids::UserId;
use crate::program::time::local_clock;
use crate::reply::{Reply, Style, Text};
use crate::store::outbox::{DeliveryState, GiveUp};
use crate::store::{DmReminder, DuePage, ScheduledTalk, Store, TalkAt};
use crate::text;

/// DM requests in flight at once. The sender paces every request (Discord's global limit);
/// with one in flight, the database work between two DMs left slots unused, and a crowd
/// planned to end at its due instant must use every slot. The pacer's timeline is shared, so
/// a channel announcement still waits for at most this many DM slots (84 ms).
const IN_FLIGHT: usize = 4;

/// The (due instant, user) pairs one page of due reminders holds: a keynote's 30,000 are read
/// in 60 pages, each a quick query, instead of all at once.
const PAGE: usize = 500;

/// A DM to send: one resumed after a crash or an error, or one to claim first.
enum Work {
    Resume(DmReminder),
    Claim {
        due_at: DateTime<Utc>,
        user: UserId,
        talks: Vec<TalkAt>,
    },
}

/// Sends every DM reminder due at `now`, exactly once, earliest due first, after the change
/// DMs.
pub async fn tick(
    store: &Store,
    messenger: &impl DirectMessenger,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<Report> {
    Tick {
        store,
        out: messenger,
        now,
        rules,
    }
    .remind()
    .await
}

impl<M: DirectMessenger> Tick<'_, M> {
    async fn remind(&self) -> anyhow::Result<Report> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        // Changes first: "moved to 11:30" should come before the reminder for 11:30.
        self.tell_users(&mut report).await?;
        let mut resumed = Vec::new();
        for id in store.claims_to_retry(now)? {
            resumed.push(Ok(Work::Resume(store.dm_reminder(id)?)));
        }
        let until = self.send_until()?;
        let due = DuePages {
            store,
            window: (
                until,
                now - HORIZON,
                until + TimeDelta::minutes(MAX_MINUTES.into()),
            ),
            after: None,
            page: VecDeque::new(),
            done: false,
        };
        let work = resumed.into_iter().chain(due);
        // Claimed as they are sent, in order, so a crash leaves few claims to resume.
        let mut sent = futures_util::stream::iter(work)
            .map(|work| async move {
                let mut one = Report::default();
                let result = match work {
                    Ok(work) => self.run(work, &mut one).await,
                    Err(error) => Err(error),
                };
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

    /// Up to which due instant reminders are sent now: what is due, and the crowded instants
    /// ahead whose planned start has come (`domain::budget::send_until`, the one rule), with
    /// the announcements due meanwhile taking their slots.
    fn send_until(&self) -> anyhow::Result<DateTime<Utc>> {
        let (store, now) = (self.store, self.now);
        let ahead = now + PLAN_AHEAD;
        let crowds: Vec<Crowd> = store
            .reminder_crowds(
                ahead,
                now - HORIZON,
                ahead + TimeDelta::minutes(MAX_MINUTES.into()),
            )?
            .into_iter()
            .map(|(due, dms)| Crowd { due, dms })
            .collect();
        if crowds.last().is_none_or(|c| c.due <= now) {
            return Ok(now);
        }
        let mut announcements = Vec::new();
        for guild in store.announcing_guilds()? {
            let planned = plan(store, self.rules, Some(&guild), now, ahead)?;
            announcements.extend(
                planned
                    .into_iter()
                    .filter(|p| p.channel_id.is_some())
                    .map(|p| p.due_at),
            );
        }
        Ok(send_until(&crowds, &announcements, now, &self.rules.budget))
    }

    /// Claims (unless resuming) and sends one DM reminder; an error while sending is logged,
    /// not allowed to stop the others (the claim stays, to be retried).
    async fn run(&self, work: Work, report: &mut Report) -> anyhow::Result<()> {
        let claimed = match work {
            Work::Resume(claimed) => claimed,
            Work::Claim {
                due_at,
                user,
                talks,
            } => {
                let worth_sending = talks.iter().any(|t| self.now <= t.start + self.rules.grace);
                let state = if worth_sending {
                    DeliveryState::Claimed
                } else {
                    DeliveryState::Missed
                };
                match self
                    .store
                    .claim_dm_reminder(user, due_at, &talks, state, self.now)?
                {
                    Some(claimed) if worth_sending => claimed,
                    Some(_) => {
                        report.missed += 1;
                        return Ok(());
                    }
                    None => return Ok(()),
                }
            }
        };
        let id = claimed.delivery.id;
        if let Err(error) = self.send(claimed, report).await {
            tracing::error!(reminder = %id, error = ?error, "cannot send a DM reminder");
        }
        Ok(())
    }

    async fn send(&self, claimed: DmReminder, report: &mut Report) -> anyhow::Result<()> {
        let (store, now, rules) = (self.store, self.now, self.rules);
        let mut give_up = |why, reason: &str| self.give_up(&claimed.delivery, why, reason, report);
        let user = claimed.user;
        if self.too_old_to_retry(&claimed.delivery) {
            return give_up(GiveUp::Missed, delivery::TOO_LONG_AGO);
        }
        if store.dms_refused_at(user)?.is_some() {
            return give_up(GiveUp::Failed, DMS_CLOSED);
        }
        if store.agenda_user(user)?.paused {
            return give_up(GiveUp::Missed, "the user paused their reminders");
        }
        let talks: Vec<ScheduledTalk> = store
            .dm_reminder_talks(claimed.delivery.id)?
            .into_iter()
            .filter(|t| now <= t.talk.start + rules.grace)
            .collect();
        if talks.is_empty() {
            return give_up(
                GiveUp::Missed,
                "its talks started too long ago, or left the program",
            );
        }
        let timing = if now < claimed.due_at {
            Timing::Early
        } else if now - claimed.due_at > LATE_AFTER {
            Timing::Late
        } else {
            Timing::OnTime
        };
        let (content, embed) = render(store, &talks, timing)?;
        let dm = Dm {
            user,
            nonce: &claimed.nonce,
            content,
            embed,
        };
        let attempt = Attempt::from(deliver(store, self.out, dm).await?);
        match &attempt {
            Attempt::DmsClosed => {
                tracing::info!(
                    reminder = %claimed.delivery.id,
                    "a user does not accept DMs; no more reminders until they open /agenda"
                );
                store.dms_refused(user, now)?;
            }
            Attempt::Transient(error) => {
                tracing::warn!(reminder = %claimed.delivery.id, %error, "DM reminder failed; will retry");
            }
            Attempt::Refused(error) => {
                tracing::error!(reminder = %claimed.delivery.id, %error, "Discord refused a DM reminder");
            }
            Attempt::Sent(_) | Attempt::StaleChannel => {}
        }
        self.settle(&claimed.delivery, &attempt, timing == Timing::Late, report)
    }
}

/// The unclaimed reminders due, read a page of users at a time in claim order, so a keynote's
/// crowd is never held in memory at once: the next page is read when the DMs in flight leave
/// room for it. A database error ends the pages.
struct DuePages<'a> {
    store: &'a Store,
    /// Due by, and the talks' starts from and to (`Store::due_bookmarks`).
    window: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    /// The last (due instant, user) read.
    after: Option<(DateTime<Utc>, UserId)>,
    page: VecDeque<Work>,
    done: bool,
}

impl DuePages<'_> {
    /// Reads the next page: grouped by (due instant, user), one DM each, earliest due first.
    fn read(&mut self) -> anyhow::Result<()> {
        let (until, from, to) = self.window;
        let page = DuePage {
            after: self.after,
            users: PAGE,
        };
        let due = self.store.due_bookmarks(until, from, to, &page)?;
        let mut groups: BTreeMap<(DateTime<Utc>, UserId), Vec<TalkAt>> = BTreeMap::new();
        for bookmark in due {
            groups
                .entry((bookmark.due_at, bookmark.user))
                .or_default()
                .push(TalkAt {
                    talk: bookmark.talk_id,
                    start: bookmark.talk_starts_at,
                });
        }
        self.done = groups.len() < PAGE;
        self.after = groups.keys().next_back().copied().or(self.after);
        self.page.extend(
            groups
                .into_iter()
                .map(|((due_at, user), talks)| Work::Claim {
                    due_at,
                    user,
                    talks,
                }),
        );
        Ok(())
    }
}

impl Iterator for DuePages<'_> {
    type Item = anyhow::Result<Work>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty() && !self.done {
            if let Err(error) = self.read() {
                self.done = true;
                return Some(Err(error));
            }
        }
        self.page.pop_front().map(Ok)
    }
}

/// When a reminder is sent, against when it fell due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Before: its instant is crowded, so it went ahead of it (`domain::budget`).
    Early,
    OnTime,
    /// More than [`LATE_AFTER`] after (confbot was down).
    Late,
}

/// What a reminder says: a line with the Discord timestamp, and each talk with its time, room,
/// session and a link to the session's Q&A thread or announcement when there is one. One sent
/// early says the talk's time of day as well as how soon, so it is never wrong about when.
pub fn render(
    store: &Store,
    talks: &[ScheduledTalk],
    timing: Timing,
) -> anyhow::Result<(Text, Reply)> {
    let tz = store
        .conference()?
        .map_or(chrono_tz::UTC, |conference| conference.time_zone);
    let first = &talks[0].talk;
    let when = match timing {
        Timing::Early => text![
            "at ",
            stamp(first.start, Style::Time),
            format!(" ({}), ", local_clock(first.start, tz)),
            stamp(first.start, Style::Relative)
        ],
        Timing::OnTime | Timing::Late => stamp(first.start, Style::Relative),
    };
    let mut content = match talks {
        [only] => text!["⏰ **", Text::program(&only.talk.title), "** starts ", when],
        _ => text![
            format!("⏰ {} of your talks start soon, the first ", talks.len()),
            when
        ],
    };
    if timing == Timing::Late {
        content += "\n(Late: confbot was not running when this reminder was due.)";
    }
    let mut embed = Reply::new(if talks.len() == 1 {
        "Your next talk"
    } else {
        "Your next talks"
    });
    let mut personal = Personal::new(store);
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
        // A reminder comes before the talk: its live ways in.
        if let Some(line) = personal.way_in(row, talk.start)?.line() {
            value += text!["\n", line];
        }
        embed = embed.field(Text::program(&talk.title), value, false);
    }
    Ok((
        content,
        embed.footer("From your agenda · /agenda to remove talks or pause reminders"),
    ))
}

pub mod ahead;
#[cfg(test)]
mod tests;
