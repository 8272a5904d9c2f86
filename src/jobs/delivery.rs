//! The rules every exactly-once delivery follows, and the one place where a send's outcome
//! becomes a state in the outbox and a line of the tick's report.
//!
//! Every kind (announcements, change notices, DM reminders, change DMs) is claimed in SQLite
//! before it is sent (`store::outbox`), sent with a [`Nonce`] derived from its key, and settled
//! here. What the kinds share:
//!
//! - **Late**: sent more than [`LATE_AFTER`] after it fell due, a message says so.
//! - **Grace**: not worth sending once its session or talk started longer than `grace` ago.
//! - **Retry window**: a claim first attempted longer ago than Discord remembers nonces
//!   ([`NONCE_MEMORY`], real time) may have been sent with its answer lost, so it is given up:
//!   at most once wins over at least once.
//! - **Backoff**: a transient error (429, 5xx, network) retries 2 s, 4 s, 8 s... up to a minute
//!   later.

use chrono::TimeDelta;

use super::Tick;
use crate::domain::budget::Budget;
use crate::domain::ports::{record_outcome, DmError, Outgoing, PostError, Poster, CHANNEL_BROKEN};
use crate::ids::MessageId;
use crate::ops::metrics::{metrics, DeliveryKind, DeliveryOutcome};
use crate::store::outbox::{Delivery, GiveUp, Kind, Settled};

/// When to announce, and how long a delivery stays worth sending and safe to retry.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// How long before a session starts to announce it, e.g. 10 minutes and 0 ("starting now").
    pub leads: Vec<TimeDelta>,
    /// How long after a session (or talk) started a late delivery is still worth sending.
    pub grace: TimeDelta,
    /// How long after its first attempt a delivery may be retried ([`NONCE_MEMORY`] in real
    /// time; a rehearsal, whose clock runs faster, scales it by its speed).
    pub retry_within: TimeDelta,
    /// What the plan of a crowded instant's reminders reckons with (`domain::budget`).
    pub budget: Budget,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            leads: vec![TimeDelta::minutes(10), TimeDelta::zero()],
            grace: TimeDelta::minutes(5),
            retry_within: NONCE_MEMORY,
            budget: Budget::default(),
        }
    }
}

/// Deliveries that fell due longer ago than this are not even recorded as missed.
pub const HORIZON: TimeDelta = TimeDelta::hours(24);
/// Discord recognises an enforced nonce for "a few minutes" of real time (five in the loopback
/// fake). A claim first attempted longer ago than this is given up rather than retried.
pub const NONCE_MEMORY: TimeDelta = TimeDelta::minutes(4);
/// Why such a claim is given up.
pub const TOO_LONG_AGO: &str = "first attempted too long ago to retry safely: Discord may have posted it and no longer recognises its nonce";
/// Sent this long after its due time, a delivery says it is late.
pub const LATE_AFTER: TimeDelta = TimeDelta::minutes(1);

/// How long to wait after the `attempts`-th failure: 2 s, 4 s, 8 s... up to a minute.
pub fn backoff(attempts: u32) -> TimeDelta {
    TimeDelta::seconds(2 << attempts.min(6)).min(TimeDelta::minutes(1))
}

/// What one tick did with one kind of delivery.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    /// Of those sent, the ones that said they were late.
    pub late: usize,
    pub missed: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Users found not to accept DMs (also counted as failed).
    pub refused: usize,
}

impl Report {
    /// Counts what was settled for good in the process's metrics (a retry is not an outcome
    /// yet): sent on time or late, missed, failed.
    pub fn count(&self, kind: DeliveryKind) {
        let metrics = metrics();
        for (outcome, n) in [
            (DeliveryOutcome::Posted, self.sent - self.late),
            (DeliveryOutcome::Late, self.late),
            (DeliveryOutcome::Missed, self.missed),
            (DeliveryOutcome::Failed, self.failed),
        ] {
            for _ in 0..n {
                metrics.delivery(kind, outcome);
            }
        }
    }

    pub fn add(&mut self, other: &Report) {
        self.sent += other.sent;
        self.late += other.late;
        self.missed += other.missed;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.refused += other.refused;
    }
}

/// How one attempt to send went, whatever was sent and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent(MessageId),
    /// Worth trying again later (429, 5xx, network).
    Transient(String),
    /// A DM channel confbot had cached is gone: retry at once, opening a new one.
    StaleChannel,
    /// Refused for good: this message (400), or the channel (missing access, unknown channel).
    Refused(String),
    /// The user does not accept DMs (50007).
    DmsClosed,
}

impl From<Result<MessageId, PostError>> for Attempt {
    fn from(outcome: Result<MessageId, PostError>) -> Attempt {
        match outcome {
            Ok(message) => Attempt::Sent(message),
            Err(PostError::Transient(error)) => Attempt::Transient(error),
            Err(PostError::Rejected(error) | PostError::Permanent(error)) => {
                Attempt::Refused(error)
            }
        }
    }
}

impl From<Result<MessageId, DmError>> for Attempt {
    fn from(outcome: Result<MessageId, DmError>) -> Attempt {
        match outcome {
            Ok(message) => Attempt::Sent(message),
            Err(DmError::Transient(error)) => Attempt::Transient(error),
            Err(DmError::UnknownChannel) => Attempt::StaleChannel,
            Err(DmError::Rejected(error)) => Attempt::Refused(error),
            Err(DmError::Refused) => Attempt::DmsClosed,
        }
    }
}

/// Why a DM is not sent to a user who does not accept DMs.
pub const DMS_CLOSED: &str = "the user does not accept DMs";

impl<P> Tick<'_, P> {
    /// Records `attempt` for `claim` in the outbox and counts it in `report`: the one ladder
    /// from a send's outcome to a delivery's state. `late` says whether a sent message said it
    /// was late.
    pub fn settle<K: Kind>(
        &self,
        claim: &Delivery<K>,
        attempt: &Attempt,
        late: bool,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let now = self.now;
        let settled = match attempt {
            Attempt::Sent(message) => {
                report.sent += 1;
                report.late += usize::from(late);
                Settled::Sent(*message)
            }
            Attempt::Transient(error) => {
                report.retrying += 1;
                Settled::RetryAt(error, now + backoff(claim.attempts))
            }
            Attempt::StaleChannel => {
                report.retrying += 1;
                Settled::RetryAt("unknown DM channel", now)
            }
            Attempt::Refused(error) => {
                report.failed += 1;
                Settled::GivenUp(GiveUp::Failed, error)
            }
            Attempt::DmsClosed => {
                report.refused += 1;
                report.failed += 1;
                Settled::GivenUp(GiveUp::Failed, DMS_CLOSED)
            }
        };
        self.store.settle(claim.id, settled, now)
    }

    /// Gives `claim` up before any attempt, and counts it in `report`.
    pub fn give_up<K: Kind>(
        &self,
        claim: &Delivery<K>,
        why: GiveUp,
        reason: &str,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        match why {
            GiveUp::Missed => report.missed += 1,
            GiveUp::Failed => report.failed += 1,
        }
        self.store
            .settle(claim.id, Settled::GivenUp(why, reason), self.now)
    }

    /// Whether `claim` was first attempted too long ago to be retried safely.
    pub fn too_old_to_retry<K>(&self, claim: &Delivery<K>) -> bool {
        claim
            .claimed_at
            .is_some_and(|claimed_at| self.now - claimed_at > self.rules.retry_within)
    }
}

/// How a post into a channel went: the attempt, and whether it newly broke the channel (so the
/// caller says so once).
pub struct Posted {
    pub attempt: Attempt,
    pub newly_broken: bool,
}

impl<P: Poster> Tick<'_, P> {
    /// Posts a claimed delivery into its channel and settles it: gives it up unsent if it was
    /// first tried too long ago or its channel is broken (`None`), else posts it, settles it
    /// (first: a sent message must be recorded as sent whatever fails next) and records what
    /// the post says of the channel's health.
    pub async fn post_claimed<K: Kind>(
        &self,
        claim: &Delivery<K>,
        outgoing: &Outgoing,
        late: bool,
        report: &mut Report,
    ) -> anyhow::Result<Option<Posted>> {
        if self.too_old_to_retry(claim) {
            self.give_up(claim, GiveUp::Missed, TOO_LONG_AGO, report)?;
            return Ok(None);
        }
        let (guild, channel) = (outgoing.guild_id, outgoing.channel_id);
        if self.store.channel_broken(guild, channel)? {
            self.give_up(claim, GiveUp::Failed, CHANNEL_BROKEN, report)?;
            return Ok(None);
        }
        let outcome = self.out.post(outgoing).await;
        let attempt = Attempt::from(outcome.clone());
        self.settle(claim, &attempt, late, report)?;
        let newly_broken = record_outcome(
            self.store,
            guild,
            channel,
            outcome.as_ref().map(|_| ()),
            self.now,
        )?;
        Ok(Some(Posted {
            attempt,
            newly_broken,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(text: &str, outcome: &str) -> u64 {
        let line = format!("confbot_deliveries_total{{kind=\"Digest\",outcome=\"{outcome}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&line))
            .map_or(0, |n| n.trim().parse().unwrap())
    }

    #[test]
    fn a_report_counts_its_settled_deliveries_in_the_metrics_and_not_its_retries() {
        let before = metrics().encode();
        Report {
            sent: 3,
            late: 1,
            missed: 2,
            retrying: 5,
            failed: 1,
            refused: 0,
        }
        .count(DeliveryKind::Digest);
        let after = metrics().encode();
        let grew = |outcome| counted(&after, outcome) - counted(&before, outcome);
        assert_eq!(
            (grew("Posted"), grew("Late"), grew("Missed"), grew("Failed")),
            (2, 1, 2, 1)
        );
    }
}
