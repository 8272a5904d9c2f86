//! The outbox: what every exactly-once delivery has in common, whatever it delivers
//! (announcements, change notices, DM reminders, change DMs, daily digests, room posts,
//! feedback prompts, and the next kind).
//!
//! Each kind keeps its own table for what it delivers and how it is keyed (the unique key is the
//! exactly-once rule), and every such table has the same delivery columns: `id`, `state`,
//! `attempts`, `next_attempt_at`, `last_error`, `message_id`, `claimed_at`, `finished_at`. This
//! module owns those columns: the claim (an insert that is a no-op when the key is taken), the
//! lease a claim holds while it is sent, and the outcomes (sent, retry at, given up). A new kind
//! of delivery is a table with those columns, a marker type implementing [`Kind`], and the
//! insert of its own key columns through [`claim`].

use std::fmt;
use std::marker::PhantomData;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::{from_unix, Store};
use crate::ids::MessageId;

/// How long a fresh claim is left alone before it counts as abandoned (its sender crashed).
pub const CLAIM_LEASE: TimeDelta = TimeDelta::seconds(30);

/// A kind of exactly-once delivery: its table.
pub trait Kind: fmt::Debug + Send + Sync + 'static {
    /// The table holding its claims, with the outbox's delivery columns.
    const TABLE: &'static str;
    /// The order in which its claims are retried: earliest due first.
    const RETRY_ORDER: &'static str;
}

/// Session announcements into channels: `announcements`, keyed by (guild, session, lead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcements;
/// Change notices into channels: `change_notices`, keyed by (guild, change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notices;
/// DM reminders: `dm_reminders`, keyed by (user, due instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminders;
/// Change DMs: `agenda_change_dms`, keyed by (change, user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeDms;
/// Daily digests into channels: `digests`, keyed by (guild, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests;
/// Posts into rooms' places (a recording told, a talk on stage now): `room_posts`, keyed by
/// (guild, kind, talk, what).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomPosts;
/// "How was it?" prompts into Q&A threads: `feedback_prompts`, keyed by (talk, end, thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackPrompts;

impl Kind for Announcements {
    const TABLE: &'static str = "announcements";
    const RETRY_ORDER: &'static str = "due_at, id";
}
impl Kind for Notices {
    const TABLE: &'static str = "change_notices";
    const RETRY_ORDER: &'static str = "change_id, id";
}
impl Kind for Reminders {
    const TABLE: &'static str = "dm_reminders";
    const RETRY_ORDER: &'static str = "due_at, id";
}
impl Kind for ChangeDms {
    const TABLE: &'static str = "agenda_change_dms";
    const RETRY_ORDER: &'static str = "change_id, user_id";
}
impl Kind for Digests {
    const TABLE: &'static str = "digests";
    const RETRY_ORDER: &'static str = "day, id";
}
impl Kind for FeedbackPrompts {
    const TABLE: &'static str = "feedback_prompts";
    const RETRY_ORDER: &'static str = "talk_ends_at, id";
}
impl Kind for RoomPosts {
    const TABLE: &'static str = "room_posts";
    const RETRY_ORDER: &'static str = "id";
}

/// A claim's id: a row of its kind's table, so an announcement's id cannot settle a reminder.
pub struct ClaimId<K>(i64, PhantomData<K>);

impl<K> ClaimId<K> {
    /// The row id, as SQLite numbers it.
    pub fn get(self) -> i64 {
        self.0
    }
}

// Written by hand: derived impls would require `K` itself to be `Copy`, `Eq`...
impl<K> Clone for ClaimId<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for ClaimId<K> {}
impl<K> PartialEq for ClaimId<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<K> Eq for ClaimId<K> {}
impl<K> fmt::Debug for ClaimId<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimId({})", self.0)
    }
}
impl<K> fmt::Display for ClaimId<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl<K> ToSql for ClaimId<K> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}
impl<K> FromSql for ClaimId<K> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(|id| ClaimId(id, PhantomData))
    }
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Recorded, not yet claimed (change DMs, written by the import).
    Pending,
    /// Being sent, or to be retried at `next_attempt_at`.
    Claimed,
    /// Delivered as `message_id`.
    Sent,
    /// Never delivered: too late to be worth it, superseded, or unsafe to retry.
    Missed,
    /// Never delivered: a permanent error (missing access, refused DMs, gone from the program).
    Failed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Claimed => "claimed",
            DeliveryState::Sent => "sent",
            DeliveryState::Missed => "missed",
            DeliveryState::Failed => "failed",
        }
    }
}

impl ToSql for DeliveryState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for DeliveryState {
    /// A state this version does not know is an error: reading it as claimed would send again.
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "pending" => Ok(DeliveryState::Pending),
            "claimed" => Ok(DeliveryState::Claimed),
            "sent" => Ok(DeliveryState::Sent),
            "missed" => Ok(DeliveryState::Missed),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(FromSqlError::Other(
                format!("unknown delivery state {other:?}").into(),
            )),
        }
    }
}

/// Why a delivery will never happen: the state it ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    Missed,
    Failed,
}

/// How an attempt ended, as the outbox records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled<'a> {
    Sent(MessageId),
    /// Not yet: try again at this instant.
    RetryAt(&'a str, DateTime<Utc>),
    /// Never, and why.
    GivenUp(GiveUp, &'a str),
}

/// The delivery columns of a claim, whatever its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery<K> {
    pub id: ClaimId<K>,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub message_id: Option<MessageId>,
    /// When it was first claimed, which is when its first attempt began (`None` while pending).
    pub claimed_at: Option<DateTime<Utc>>,
}

/// The delivery columns, in the order [`delivery`] reads them; prefix them with a table alias
/// by formatting with [`columns`].
const COLUMNS: [&str; 6] = [
    "id",
    "state",
    "attempts",
    "last_error",
    "message_id",
    "claimed_at",
];

/// The delivery columns as a select list, each prefixed with `alias.` when one is given.
pub fn columns(alias: &str) -> String {
    COLUMNS
        .iter()
        .map(|c| match alias {
            "" => (*c).to_string(),
            _ => format!("{alias}.{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the delivery columns starting at column `at`.
pub fn delivery<K>(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Delivery<K>> {
    Ok(Delivery {
        id: r.get(at)?,
        state: r.get(at + 1)?,
        attempts: r.get(at + 2)?,
        last_error: r.get(at + 3)?,
        message_id: r.get(at + 4)?,
        claimed_at: r.get::<_, Option<i64>>(at + 5)?.map(from_unix),
    })
}

/// A new claim: its kind's key and payload columns, and the state it starts in.
pub struct NewClaim<'a> {
    /// The kind's own columns and their values, key included.
    pub columns: &'a [(&'a str, &'a dyn ToSql)],
    /// `Claimed` to send it now, or `Missed` to record that it never will be.
    pub state: DeliveryState,
    /// Why, for a claim recorded as missed.
    pub reason: Option<&'a str>,
}

/// Claims a delivery of kind `K`: inserts its row unless its key is taken. The claim's id, or
/// `None` when it was claimed before (by another tick, process or life of the bot).
///
/// A fresh claim is leased for [`CLAIM_LEASE`]: if its sender crashes before settling it, a
/// tick after the lease resumes it, and meanwhile nobody else takes it up while it is in flight.
pub fn claim<K: Kind>(
    conn: &Connection,
    new: &NewClaim<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<ClaimId<K>>> {
    let claimed = new.state == DeliveryState::Claimed;
    let next_attempt = claimed.then_some((now + CLAIM_LEASE).timestamp());
    let finished = (!claimed).then_some(now.timestamp());
    let names: Vec<&str> = new.columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=names.len() + 5).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}, state, next_attempt_at, last_error, claimed_at, finished_at)
         VALUES ({}) ON CONFLICT DO NOTHING RETURNING id",
        K::TABLE,
        names.join(", "),
        placeholders.join(", ")
    );
    let state = new.state;
    let now_secs = now.timestamp();
    let delivery: [&dyn ToSql; 5] = [&state, &next_attempt, &new.reason, &now_secs, &finished];
    let values = new.columns.iter().map(|(_, value)| *value).chain(delivery);
    conn.prepare_cached(&sql)?
        .query_row(params_from_iter(values), |r| r.get(0))
        .optional()
        .with_context(|| format!("claiming in {}", K::TABLE))
}

impl Store {
    /// Claims whose next attempt is due at `now`: left unsettled by a crash, or waiting out a
    /// transient error. Earliest due first.
    pub fn claims_to_retry<K: Kind>(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<ClaimId<K>>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id FROM {} WHERE state = 'claimed' AND next_attempt_at <= ?1 ORDER BY {}",
            K::TABLE,
            K::RETRY_ORDER
        ))?;
        let rows = stmt.query_map([now.timestamp()], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()
            .with_context(|| format!("reading claims to retry in {}", K::TABLE))
    }

    /// Takes the lease of a pending claim, or of a claimed one whose next attempt is due;
    /// `false` if another tick holds it or it is settled.
    pub fn lease<K: Kind>(&self, id: ClaimId<K>, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let leased = self
            .conn()
            .execute(
                &format!(
                    "UPDATE {} SET state = 'claimed', next_attempt_at = ?2,
                         claimed_at = coalesce(claimed_at, ?3)
                     WHERE id = ?1 AND (state = 'pending' OR (state = 'claimed' AND next_attempt_at <= ?3))",
                    K::TABLE
                ),
                params![id, (now + CLAIM_LEASE).timestamp(), now.timestamp()],
            )
            .with_context(|| format!("leasing a claim in {}", K::TABLE))?;
        Ok(leased > 0)
    }

    /// Records how an attempt ended. A sent or retried attempt counts (the next backoff is longer).
    pub fn settle<K: Kind>(
        &self,
        id: ClaimId<K>,
        settled: Settled<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        let table = K::TABLE;
        let done = match settled {
            Settled::Sent(message) => conn.execute(
                &format!(
                    "UPDATE {table} SET state = 'sent', message_id = ?2, attempts = attempts + 1,
                         next_attempt_at = NULL, finished_at = ?3 WHERE id = ?1"
                ),
                params![id, message, now.timestamp()],
            ),
            Settled::RetryAt(error, at) => conn.execute(
                &format!(
                    "UPDATE {table} SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                     WHERE id = ?1"
                ),
                params![id, error, at.timestamp()],
            ),
            Settled::GivenUp(state, reason) => {
                let state = match state {
                    GiveUp::Missed => DeliveryState::Missed,
                    GiveUp::Failed => DeliveryState::Failed,
                };
                conn.execute(
                    &format!(
                        "UPDATE {table} SET state = ?2, last_error = ?3, next_attempt_at = NULL,
                             finished_at = ?4 WHERE id = ?1"
                    ),
                    params![id, state, reason, now.timestamp()],
                )
            }
        };
        done.with_context(|| format!("settling a claim in {table}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::store;

    #[test]
    fn an_unknown_state_is_an_error_not_a_claim() {
        let store = store();
        let state = store
            .conn()
            .query_row("SELECT 'resent'", [], |r| r.get::<_, DeliveryState>(0));
        assert!(state.is_err(), "{state:?}");
        let known = store
            .conn()
            .query_row("SELECT 'missed'", [], |r| r.get::<_, DeliveryState>(0));
        assert_eq!(known.unwrap(), DeliveryState::Missed);
    }
}
