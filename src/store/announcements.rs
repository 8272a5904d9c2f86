//! Announcement claims: the table that makes each (guild, session, lead) announcement happen
//! exactly once. A row is inserted (claimed) before anything is posted; the unique key turns a
//! second claim into a no-op. A claimed row that was never confirmed (a crash, a transient
//! error) is picked up again at `next_attempt_at` and re-posted with the same nonce.

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::from_unix;
use super::talks::{session_slot, SESSION_SLOT};
use super::Store;
use crate::ids::{ChannelId, GuildId, MessageId};
use crate::program::SessionSlot;

/// How long a fresh claim is left alone before it counts as abandoned (its poster crashed).
const CLAIM_LEASE: TimeDelta = TimeDelta::seconds(30);

/// Where an announcement is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementState {
    /// Being posted, or to be retried at `next_attempt_at`.
    Claimed,
    /// Posted.
    Sent,
    /// Never posted: it fell due too long ago, or a later lead superseded it.
    Missed,
    /// Never posted: a permanent error (missing access, unknown channel, cancelled session).
    Failed,
}

impl AnnouncementState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            AnnouncementState::Claimed => "claimed",
            AnnouncementState::Sent => "sent",
            AnnouncementState::Missed => "missed",
            AnnouncementState::Failed => "failed",
        }
    }

    pub(super) fn parse(text: &str) -> AnnouncementState {
        match text {
            "sent" => AnnouncementState::Sent,
            "missed" => AnnouncementState::Missed,
            "failed" => AnnouncementState::Failed,
            _ => AnnouncementState::Claimed,
        }
    }
}

/// An announcement to claim.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAnnouncement {
    pub guild_id: GuildId,
    pub session_id: String,
    pub lead: TimeDelta,
    pub session_starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub channel_id: ChannelId,
    pub nonce: String,
}

/// A claimed announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    pub id: i64,
    pub guild_id: GuildId,
    pub session_id: String,
    pub lead: TimeDelta,
    pub session_starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub channel_id: ChannelId,
    pub nonce: String,
    pub state: AnnouncementState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub message_id: Option<MessageId>,
    /// When it was claimed, which is when its first post was attempted.
    pub claimed_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, guild_id, session_id, lead_secs, session_starts_at, due_at, channel_id, nonce,
    state, attempts, last_error, message_id, claimed_at";

fn announcement(r: &Row) -> rusqlite::Result<Announcement> {
    Ok(Announcement {
        id: r.get(0)?,
        guild_id: r.get(1)?,
        session_id: r.get(2)?,
        lead: TimeDelta::seconds(r.get(3)?),
        session_starts_at: from_unix(r.get(4)?),
        due_at: from_unix(r.get(5)?),
        channel_id: r.get(6)?,
        nonce: r.get(7)?,
        state: AnnouncementState::parse(&r.get::<_, String>(8)?),
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        message_id: r.get(11)?,
        claimed_at: from_unix(r.get(12)?),
    })
}

impl Store {
    /// Sessions starting in `[from, to]` with no announcement yet for this guild and lead.
    pub fn unannounced_sessions(
        &self,
        guild_id: GuildId,
        lead: TimeDelta,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<SessionSlot>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{SESSION_SLOT} WHERE s.starts_at BETWEEN ?1 AND ?2 AND NOT EXISTS (
                 SELECT 1 FROM announcements a WHERE a.guild_id = ?3 AND a.session_id = s.id AND a.lead_secs = ?4)
             ORDER BY s.starts_at, s.id"
        ))?;
        let rows = stmt.query_map(
            params![
                from.timestamp(),
                to.timestamp(),
                guild_id,
                lead.num_seconds()
            ],
            |r| session_slot(r, 1),
        )?;
        rows.collect::<Result<_, _>>()
            .context("reading sessions to announce")
    }

    /// Claims an announcement in `state` (claimed to post it, missed to record that it never
    /// will be). Returns the claimed row, or `None` if it was already claimed.
    pub fn claim_announcement(
        &self,
        new: &NewAnnouncement,
        state: AnnouncementState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Announcement>> {
        let conn = self.conn();
        let finished = (state != AnnouncementState::Claimed).then_some(now.timestamp());
        // A fresh claim is leased for a while: if we crash before confirming, a tick after the
        // lease resumes it, and meanwhile nobody else takes it up while its post is in flight.
        let next_attempt =
            (state == AnnouncementState::Claimed).then_some((now + CLAIM_LEASE).timestamp());
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO announcements (guild_id, session_id, lead_secs, session_starts_at, due_at, channel_id,
                 nonce, state, next_attempt_at, last_error, claimed_at, finished_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (guild_id, session_id, lead_secs) DO NOTHING
             RETURNING {COLUMNS}"
        ))?;
        let mut rows = stmt.query_map(
            params![
                new.guild_id,
                new.session_id,
                new.lead.num_seconds(),
                new.session_starts_at.timestamp(),
                new.due_at.timestamp(),
                new.channel_id,
                new.nonce,
                state.as_str(),
                next_attempt,
                error,
                now.timestamp(),
                finished,
            ],
            announcement,
        )?;
        rows.next().transpose().context("claiming an announcement")
    }

    /// Claimed announcements whose next attempt is due: unconfirmed after a crash, or waiting
    /// out a transient error.
    pub fn announcements_to_retry(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<Announcement>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE state = 'claimed' AND next_attempt_at <= ?1 ORDER BY due_at, id"
        ))?;
        let rows = stmt.query_map([now.timestamp()], announcement)?;
        rows.collect::<Result<_, _>>()
            .context("reading announcements to retry")
    }

    /// Every announcement of a guild, oldest due first (for tests and `/setup show`).
    pub fn announcements(&self, guild_id: GuildId) -> anyhow::Result<Vec<Announcement>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE guild_id = ?1 ORDER BY due_at, id"
        ))?;
        let rows = stmt.query_map([guild_id], announcement)?;
        rows.collect::<Result<_, _>>()
            .context("reading announcements")
    }

    /// The announcement was posted as `message_id`.
    pub fn announcement_sent(
        &self,
        id: i64,
        message_id: MessageId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE announcements SET state = 'sent', message_id = ?2, attempts = attempts + 1,
                     next_attempt_at = NULL, finished_at = ?3 WHERE id = ?1",
                params![id, message_id, now.timestamp()],
            )
            .context("marking an announcement sent")?;
        Ok(())
    }

    /// A transient error: try again at `next_attempt_at`.
    pub fn announcement_retry_at(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE announcements SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
                params![id, error, next_attempt_at.timestamp()],
            )
            .context("scheduling an announcement retry")?;
        Ok(())
    }

    /// The announcement will never be posted (`Missed` or `Failed`), and why.
    pub fn announcement_given_up(
        &self,
        id: i64,
        state: AnnouncementState,
        reason: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE announcements SET state = ?2, last_error = ?3, next_attempt_at = NULL, finished_at = ?4
                 WHERE id = ?1",
                params![id, state.as_str(), reason, now.timestamp()],
            )
            .context("giving up an announcement")?;
        Ok(())
    }

    /// The channel and message of the latest announcement posted for a session in a guild.
    pub fn latest_announcement_message(
        &self,
        guild_id: GuildId,
        session_id: &str,
    ) -> anyhow::Result<Option<(ChannelId, MessageId)>> {
        self.conn()
            .query_row(
                "SELECT channel_id, message_id FROM announcements
                 WHERE guild_id = ?1 AND session_id = ?2 AND state = 'sent' AND message_id IS NOT NULL
                 ORDER BY due_at DESC, id DESC LIMIT 1",
                params![guild_id, session_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("reading a session's announcement")
    }
}
