//! Session announcements: what is due at `now`, and the tick that posts it exactly once.
//!
//! [`tick`] is a plain async function of the store, a [`Poster`] and `now`; the scheduler
//! (`ticker.rs`) calls it every few seconds with the bot's clock, tests call it directly. Each
//! tick first resumes announcements claimed earlier but never confirmed (a crash, a transient
//! error), with their original nonce, then claims and posts what newly fell due:
//!
//! 1. **Claim** the (guild, session, lead) row in SQLite. The unique key makes a second claim a
//!    no-op, so nothing is posted twice, whatever crashes or overlaps.
//! 2. **Post** with a nonce derived from that key and `enforce_nonce`: if a post reached
//!    Discord but its answer did not reach us, the retry returns the same message.
//! 3. **Confirm** with the message id.
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
//! cancelled session is never announced, and `changes.rs` tells attendees what moved.

mod changes;
pub mod dm;
pub mod events;
mod message;
mod plan;
mod qa;
mod ticker;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

pub use changes::render as render_change;
pub use message::render;
pub use plan::{plan, Planned};
pub use ticker::Ticker;

use crate::ids::GuildId;
use crate::post::{record_outcome, Outgoing, PostError, Poster, CHANNEL_BROKEN};
use crate::program::SessionSlot;
use crate::store::{Announcement, AnnouncementState, NewAnnouncement, Store};

/// When to announce.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// How long before a session starts to announce it, e.g. 10 minutes and 0 ("starting now").
    pub leads: Vec<TimeDelta>,
    /// How long after a session started a late announcement is still worth posting.
    pub grace: TimeDelta,
    /// How long after its first attempt a post may be retried ([`NONCE_MEMORY`] in real time;
    /// a rehearsal, whose clock runs faster, scales it by its speed).
    pub retry_within: TimeDelta,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            leads: vec![TimeDelta::minutes(10), TimeDelta::zero()],
            grace: TimeDelta::minutes(5),
            retry_within: NONCE_MEMORY,
        }
    }
}

/// Announcements that fell due longer ago than this are not even recorded as missed.
const HORIZON: TimeDelta = TimeDelta::hours(24);
/// Discord recognises an enforced nonce for "a few minutes" of real time (five in the loopback
/// fake). A claim first attempted longer ago than this may have been posted with its answer
/// lost, and a retry could post it again, so it is given up instead: at most once wins over at
/// least once.
pub const NONCE_MEMORY: TimeDelta = TimeDelta::minutes(4);
/// Why such a claim is given up.
const TOO_LONG_AGO: &str = "first attempted too long ago to retry safely: Discord may have posted it and no longer recognises its nonce";
/// Posted this long after its due time, an announcement says it is late.
const LATE_AFTER: TimeDelta = TimeDelta::minutes(1);
/// How long to wait after the `attempts`-th failure: 2 s, 4 s, 8 s... up to a minute.
fn backoff(attempts: u32) -> TimeDelta {
    TimeDelta::seconds(2 << attempts.min(6)).min(TimeDelta::minutes(1))
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub posted: usize,
    /// Program changes told ("Moved: …", "Cancelled: …").
    pub notices: usize,
    pub late: usize,
    pub missed: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// The nonce of an announcement: a stable hash (FNV-1a) of its key and the session's start, at
/// most 25 characters as Discord requires. The same announcement always gives the same nonce,
/// across restarts and versions; after a move it is a new announcement with a new nonce, so
/// Discord does not answer it with the message about the old time.
pub fn nonce(guild_id: GuildId, session_id: &str, start: DateTime<Utc>, lead: TimeDelta) -> String {
    nonce_of(&format!(
        "{guild_id}\u{1f}{session_id}\u{1f}{}\u{1f}{}",
        start.timestamp(),
        lead.num_seconds()
    ))
}

/// The nonce of any key: `cb` and the key's 64-bit FNV-1a hash in hex (18 characters).
fn nonce_of(key: &str) -> String {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("cb{hash:016x}")
}

/// Posts every announcement due at `now`, exactly once.
pub async fn tick(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<TickReport> {
    let mut report = TickReport::default();
    for claimed in store.announcements_to_retry(now)? {
        post_or_log(store, poster, now, rules, claimed, &mut report).await;
    }
    // Changes first: "Moved: …" should come before the moved session's announcement.
    changes::tell(store, poster, now, rules, &mut report).await?;
    let Some(longest_lead) = rules.leads.iter().max().copied() else {
        return Ok(report);
    };
    for guild in store.announcing_guilds()? {
        // Due (session, lead) pairs, grouped by session, leads in descending order.
        let mut due: BTreeMap<(DateTime<Utc>, String), (SessionSlot, Vec<TimeDelta>)> =
            BTreeMap::new();
        for &lead in &rules.leads {
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
            for superseded in leads {
                let reason =
                    "superseded: a later announcement of the same session was due at the same time";
                if store
                    .claim_announcement(
                        &new(superseded),
                        AnnouncementState::Missed,
                        Some(reason),
                        now,
                    )?
                    .is_some()
                {
                    report.missed += 1;
                }
            }
            if now > session.start + rules.grace {
                let reason = "fell due while confbot was not running, too long ago to post";
                if store
                    .claim_announcement(&new(latest), AnnouncementState::Missed, Some(reason), now)?
                    .is_some()
                {
                    report.missed += 1;
                }
                continue;
            }
            if let Some(claimed) =
                store.claim_announcement(&new(latest), AnnouncementState::Claimed, None, now)?
            {
                post_or_log(store, poster, now, rules, claimed, &mut report).await;
            }
        }
    }
    Ok(report)
}

/// Posts one claimed announcement; an error there is logged, not allowed to stop the tick's
/// other announcements (the claim stays, to be retried).
async fn post_or_log(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
    claimed: Announcement,
    report: &mut TickReport,
) {
    let (id, session) = (claimed.id, claimed.session_id.clone());
    if let Err(error) = post(store, poster, now, rules, claimed, report).await {
        tracing::error!(announcement = id, %session, error = ?error, "cannot post an announcement");
    }
}

/// Posts one claimed announcement and records the outcome.
async fn post(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
    claimed: Announcement,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let give_up = |state, reason: &str| store.announcement_given_up(claimed.id, state, reason, now);
    let Some(session) = store.session(&claimed.session_id)? else {
        report.failed += 1;
        return give_up(
            AnnouncementState::Failed,
            "the session is no longer in the program",
        );
    };
    if now > session.start + rules.grace {
        report.missed += 1;
        return give_up(
            AnnouncementState::Missed,
            "could not be posted before the grace period ended",
        );
    }
    if now - claimed.claimed_at > rules.retry_within {
        report.missed += 1;
        return give_up(AnnouncementState::Missed, TOO_LONG_AGO);
    }
    if store.channel_broken(claimed.guild_id, claimed.channel_id)? {
        report.failed += 1;
        return give_up(AnnouncementState::Failed, CHANNEL_BROKEN);
    }
    let settings = store.guild_settings(claimed.guild_id)?;
    let late = now - claimed.due_at > LATE_AFTER;
    let (content, embed) = render(store, &session, claimed.lead, late, settings.ping_role)?;
    let content = qa::with_link(store, claimed.guild_id, &session.id, content)?;
    let outgoing = Outgoing {
        guild_id: claimed.guild_id,
        channel_id: claimed.channel_id,
        nonce: claimed.nonce.clone(),
        content,
        embed,
        mention_role: settings.ping_role,
    };
    let outcome = poster.post(&outgoing).await;
    // Confirm first: a sent announcement must be recorded as sent whatever fails next.
    if let Ok(message_id) = outcome {
        store.announcement_sent(claimed.id, message_id, now)?;
    }
    let newly_broken = record_outcome(
        store,
        claimed.guild_id,
        claimed.channel_id,
        outcome.as_ref().map(|_| ()),
        now,
    )?;
    match outcome {
        Ok(message_id) => {
            report.posted += 1;
            report.late += usize::from(late);
            qa::open_on_announcement(
                store,
                poster,
                &qa::Announced {
                    guild: claimed.guild_id,
                    session: &session,
                    channel: claimed.channel_id,
                    message: message_id,
                },
                now,
            )
            .await;
        }
        Err(PostError::Transient(error)) => {
            tracing::warn!(session = %session.id, channel = %claimed.channel_id, %error, "announcement failed; will retry");
            store.announcement_retry_at(claimed.id, &error, now + backoff(claimed.attempts))?;
            report.retrying += 1;
        }
        Err(PostError::Rejected(error)) => {
            tracing::error!(session = %session.id, channel = %claimed.channel_id, %error, "Discord refused an announcement");
            give_up(AnnouncementState::Failed, &error)?;
            report.failed += 1;
        }
        Err(PostError::Permanent(error)) => {
            if newly_broken {
                tracing::error!(
                    guild = %claimed.guild_id,
                    channel = %claimed.channel_id,
                    %error,
                    "cannot post announcements into this channel; nothing more is sent there until an admin sets it again"
                );
            }
            give_up(AnnouncementState::Failed, &error)?;
            report.failed += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
