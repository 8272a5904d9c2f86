//! Announcement claims: the outbox kind that makes each (guild, session, lead) announcement
//! happen exactly once (`outbox.rs` moves it through its states). A row is inserted (claimed)
//! before anything is posted; the unique key turns a second claim into a no-op. A claim that was
//! never settled (a crash, a transient error) is picked up again and re-posted with its nonce.

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::from_unix;
use super::outbox::{self, Announcements, ClaimId, Delivery, DeliveryState, NewClaim};
use super::talks::{session_slot, SESSION_SLOT};
use super::Store;
use crate::ids::{ChannelId, GuildId, MessageId, Nonce, SessionId};
use crate::program::SessionSlot;

/// An announcement to claim.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAnnouncement {
    pub guild_id: GuildId,
    pub session_id: SessionId,
    pub lead: TimeDelta,
    pub session_starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

/// A claimed announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    pub delivery: Delivery<Announcements>,
    pub guild_id: GuildId,
    pub session_id: SessionId,
    pub lead: TimeDelta,
    pub session_starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

/// The announcement's own columns, after the outbox's.
const OWN: &str = "guild_id, session_id, lead_secs, session_starts_at, due_at, channel_id, nonce";

fn select() -> String {
    format!("SELECT {}, {OWN} FROM announcements", outbox::columns(""))
}

fn announcement(r: &Row) -> rusqlite::Result<Announcement> {
    Ok(Announcement {
        delivery: outbox::delivery(r, 0)?,
        guild_id: r.get(6)?,
        session_id: r.get(7)?,
        lead: TimeDelta::seconds(r.get(8)?),
        session_starts_at: from_unix(r.get(9)?),
        due_at: from_unix(r.get(10)?),
        channel_id: r.get(11)?,
        nonce: r.get(12)?,
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
    /// will be, and why). Returns the claimed row, or `None` if it was already claimed.
    pub fn claim_announcement(
        &self,
        new: &NewAnnouncement,
        state: DeliveryState,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Announcement>> {
        let (lead, starts, due) = (
            new.lead.num_seconds(),
            new.session_starts_at.timestamp(),
            new.due_at.timestamp(),
        );
        let conn = self.conn();
        let claimed = outbox::claim::<Announcements>(
            &conn,
            &NewClaim {
                columns: &[
                    ("guild_id", &new.guild_id),
                    ("session_id", &new.session_id),
                    ("lead_secs", &lead),
                    ("session_starts_at", &starts),
                    ("due_at", &due),
                    ("channel_id", &new.channel_id),
                    ("nonce", &new.nonce),
                ],
                state,
                reason,
            },
            now,
        )?;
        drop(conn);
        claimed.map(|id| self.announcement(id)).transpose()
    }

    /// One claimed announcement.
    pub fn announcement(&self, id: ClaimId<Announcements>) -> anyhow::Result<Announcement> {
        self.conn()
            .prepare_cached(&format!("{} WHERE id = ?1", select()))?
            .query_row([id], announcement)
            .context("reading an announcement")
    }

    /// Every announcement of a guild, oldest due first (for tests and `/setup show`).
    pub fn announcements(&self, guild_id: GuildId) -> anyhow::Result<Vec<Announcement>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{} WHERE guild_id = ?1 ORDER BY due_at, id",
            select()
        ))?;
        let rows = stmt.query_map([guild_id], announcement)?;
        rows.collect::<Result<_, _>>()
            .context("reading announcements")
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
