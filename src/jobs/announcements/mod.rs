//! Session announcements: what is due at `now`, and the tick that posts it exactly once.
//!
//! [`tick`] is a plain async function of the store, a [`Poster`] and `now`; the scheduler
//! (`jobs/ticker.rs`) calls it every few seconds with the bot's clock, tests call it directly. Each
//! tick first resumes announcements claimed earlier but never confirmed (a crash, a transient
//! error), with their original nonce, then claims and posts what newly fell due:
//!
//! 1. **Claim** the (guild, session, lead) row in SQLite. The unique key makes a second claim a
//!    no-op, so nothing is posted twice, whatever crashes or overlaps.
//! 2. **Post** with a nonce derived from that key and `enforce_nonce`: if a post reached
//!    Discord but its answer did not reach us, the retry returns the same message.
//! 3. **Confirm** with the message id (`jobs/delivery.rs` settles every outcome).
//!
//! An announcement that fell due while the bot was down is posted late (and says so) only if its
//! session started at most `grace` ago; older ones are recorded as missed. When several leads of
//! one session are due at once, only the latest is posted. 429, 5xx and network errors are
//! retried on later ticks with backoff, within the grace window and within four minutes of the
//! first attempt (after that Discord may no longer recognise the nonce); a permanent error (missing
//! access, unknown channel) marks the channel broken, is logged once and shown in `/setup show`,
//! and nothing more is sent there until an admin sets the channel again.
//!
//! The tick reads the program live, so a reload (even by `confbot import` from another
//! process) is followed at the next tick: pending announcements take the new times, a
//! cancelled session is never announced, and `jobs/changes.rs` tells attendees what moved.

mod message;
mod plan;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

pub use message::render;
pub use plan::{plan, Planned};

use super::delivery::{Attempt, Posted, Report, Rules, HORIZON, LATE_AFTER};
use super::{qa, Tick};
use crate::domain::ports::{Outgoing, Poster};
use crate::ids::{GuildId, Nonce, SessionId};
use crate::program::SessionSlot;
use crate::store::outbox::{DeliveryState, GiveUp};
use crate::store::{Announcement, NewAnnouncement, Store};

/// What one announcement tick did: the announcements, and the change notices told before them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AnnouncementReport {
    pub announcements: Report,
    /// Program changes told ("Moved: …", "Cancelled: …").
    pub notices: Report,
    /// Posts into rooms' places (recordings told, talks on stage), after the announcements.
    pub room_posts: Report,
}

/// The nonce of an announcement: its key and the session's start. After a move it is a new
/// announcement with a new nonce, so Discord does not answer it with the message about the old
/// time.
pub fn nonce(guild_id: GuildId, session_id: &str, start: DateTime<Utc>, lead: TimeDelta) -> Nonce {
    Nonce::of(&format!(
        "{guild_id}\u{1f}{session_id}\u{1f}{}\u{1f}{}",
        start.timestamp(),
        lead.num_seconds()
    ))
}

/// Posts every announcement due at `now`, exactly once.
pub async fn tick(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<AnnouncementReport> {
    Tick {
        store,
        out: poster,
        now,
        rules,
    }
    .announce()
    .await
}

impl<P: Poster> Tick<'_, P> {
    /// Resumes the claims left unsettled, tells the changes, then claims and posts what newly
    /// fell due.
    async fn announce(&self) -> anyhow::Result<AnnouncementReport> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        for id in store.claims_to_retry(now)? {
            report.add(&self.post_or_log(store.announcement(id)?).await);
        }
        // Changes first: "Moved: …" should come before the moved session's announcement.
        let notices = self.tell_changes().await?;
        let Some(longest_lead) = self.rules.leads.iter().max().copied() else {
            return Ok(AnnouncementReport {
                announcements: report,
                notices,
                room_posts: self.room_posts().await?,
            });
        };
        for guild in store.announcing_guilds()? {
            // Due (session, lead) pairs, grouped by session, leads in descending order.
            let mut due: BTreeMap<(DateTime<Utc>, SessionId), (SessionSlot, Vec<TimeDelta>)> =
                BTreeMap::new();
            for &lead in &self.rules.leads {
                for session in store.unannounced_sessions(
                    guild.guild_id,
                    lead,
                    now - HORIZON,
                    now + longest_lead,
                )? {
                    if session.start - lead <= now {
                        let key = (session.start, session.id.clone());
                        due.entry(key)
                            .or_insert_with(|| (session, Vec::new()))
                            .1
                            .push(lead);
                    }
                }
            }
            for (session, mut leads) in due.into_values() {
                let Some(channel_id) =
                    guild.channel_for(session.track.as_deref(), session.room.as_deref())
                else {
                    continue;
                };
                leads.sort_unstable_by(|a, b| b.cmp(a));
                leads.dedup();
                let latest = leads.pop().expect("a due session has a lead");
                let new = |lead: TimeDelta| NewAnnouncement {
                    guild_id: guild.guild_id,
                    session_id: session.id.clone(),
                    lead,
                    session_starts_at: session.start,
                    due_at: session.start - lead,
                    channel_id,
                    nonce: nonce(guild.guild_id, &session.id, session.start, lead),
                };
                let missed = |lead, reason| {
                    store.claim_announcement(&new(lead), DeliveryState::Missed, Some(reason), now)
                };
                for superseded in leads {
                    let reason = "superseded: a later announcement of the same session was due at the same time";
                    if missed(superseded, reason)?.is_some() {
                        report.missed += 1;
                    }
                }
                if now > session.start + self.rules.grace {
                    let reason = "fell due while confbot was not running, too long ago to post";
                    if missed(latest, reason)?.is_some() {
                        report.missed += 1;
                    }
                    continue;
                }
                if let Some(claimed) =
                    store.claim_announcement(&new(latest), DeliveryState::Claimed, None, now)?
                {
                    report.add(&self.post_or_log(claimed).await);
                }
            }
        }
        Ok(AnnouncementReport {
            announcements: report,
            notices,
            room_posts: self.room_posts().await?,
        })
    }

    /// Posts one claimed announcement; an error there is logged, not allowed to stop the tick's
    /// other announcements (the claim stays, to be retried).
    async fn post_or_log(&self, claimed: Announcement) -> Report {
        let mut report = Report::default();
        let (id, session) = (claimed.delivery.id, claimed.session_id.clone());
        if let Err(error) = self.post(claimed, &mut report).await {
            tracing::error!(announcement = %id, %session, error = ?error, "cannot post an announcement");
        }
        report
    }

    /// Posts one claimed announcement and records the outcome.
    async fn post(&self, claimed: Announcement, report: &mut Report) -> anyhow::Result<()> {
        let (store, now, rules) = (self.store, self.now, self.rules);
        let mut give_up = |why, reason: &str| self.give_up(&claimed.delivery, why, reason, report);
        let Some(session) = store.session(&claimed.session_id)? else {
            return give_up(GiveUp::Failed, "the session is no longer in the program");
        };
        if now > session.start + rules.grace {
            return give_up(
                GiveUp::Missed,
                "could not be posted before the grace period ended",
            );
        }
        let settings = store.guild_settings(claimed.guild_id)?;
        let late = now - claimed.due_at > LATE_AFTER;
        let (content, embed) = render(store, &session, claimed.lead, late, Some(&settings))?;
        let content = qa::with_link(store, claimed.guild_id, &session.id, content)?;
        let outgoing = Outgoing {
            guild_id: claimed.guild_id,
            channel_id: claimed.channel_id,
            nonce: claimed.nonce.clone(),
            content,
            embed,
            mention_role: settings.ping_role,
        };
        let Some(Posted {
            attempt,
            newly_broken,
        }) = self
            .post_claimed(&claimed.delivery, &outgoing, late, report)
            .await?
        else {
            return Ok(());
        };
        match attempt {
            Attempt::Sent(message) => {
                qa::open_on_announcement(
                    store,
                    self.out,
                    &qa::Announced {
                        guild: claimed.guild_id,
                        session: &session,
                        channel: claimed.channel_id,
                        message,
                    },
                    now,
                )
                .await;
            }
            Attempt::Transient(error) => {
                tracing::warn!(session = %session.id, channel = %claimed.channel_id, %error, "announcement failed; will retry");
            }
            Attempt::Refused(error) if newly_broken => {
                tracing::error!(
                    guild = %claimed.guild_id,
                    channel = %claimed.channel_id,
                    %error,
                    "cannot post announcements into this channel; nothing more is sent there until an admin sets it again"
                );
            }
            Attempt::Refused(error) => {
                tracing::error!(session = %session.id, channel = %claimed.channel_id, %error, "Discord refused an announcement");
            }
            Attempt::StaleChannel | Attempt::DmsClosed => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
