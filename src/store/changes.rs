//! Program changes worth telling attendees (a session moved or cancelled), recorded by
//! `replace_program`, and the claims that post each once per guild.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction};

use super::from_unix;
use super::Store;
use crate::ids::{ChannelId, GuildId, MessageId};
use crate::program::ItemChange;

/// A recorded move or cancellation of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramChange {
    pub id: i64,
    pub session_id: String,
    pub title: String,
    pub track: Option<String>,
    pub old_start: DateTime<Utc>,
    /// `None`: cancelled.
    pub new_start: Option<DateTime<Utc>>,
    pub old_room: Option<String>,
    pub new_room: Option<String>,
}

/// A claimed notice of a change in a guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeNotice {
    pub guild_id: GuildId,
    pub change_id: i64,
    pub channel_id: ChannelId,
    pub nonce: String,
    pub attempts: u32,
    /// When it was claimed, which is when its first post was attempted.
    pub claimed_at: DateTime<Utc>,
}

/// Records a material change and forgets the announcements a move makes stale: those whose
/// session moved by more than their lead time (they are made again for the new time). A
/// cancelled session needs nothing here: it is never announced again, and a claim still
/// pending for it fails at its next attempt ("no longer in the program").
pub(super) fn record(tx: &Transaction, change: &ItemChange) -> anyhow::Result<()> {
    let before = change
        .before
        .as_ref()
        .context("a material change has a before")?;
    let after = change.after.as_ref();
    tx.execute(
        "INSERT INTO program_changes (session_id, kind, title, track, old_starts_at, new_starts_at, old_room, new_room)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            change.id,
            if after.is_some() { "moved" } else { "cancelled" },
            after.unwrap_or(before).title,
            after.unwrap_or(before).track,
            before.start.timestamp(),
            after.map(|a| a.start.timestamp()),
            before.room,
            after.and_then(|a| a.room.clone()),
        ],
    )?;
    if let Some(after) = after {
        tx.execute(
            "DELETE FROM announcements WHERE session_id = ?1 AND abs(?2 - session_starts_at) > lead_secs",
            params![change.id, after.start.timestamp()],
        )?;
    }
    Ok(())
}

const COLUMNS: &str = "c.id, c.session_id, c.title, c.track, c.old_starts_at, c.new_starts_at, c.old_room, c.new_room";

fn program_change(r: &Row) -> rusqlite::Result<ProgramChange> {
    Ok(ProgramChange {
        id: r.get(0)?,
        session_id: r.get(1)?,
        title: r.get(2)?,
        track: r.get(3)?,
        old_start: from_unix(r.get(4)?),
        new_start: r.get::<_, Option<i64>>(5)?.map(from_unix),
        old_room: r.get(6)?,
        new_room: r.get(7)?,
    })
}

impl Store {
    /// Changes to sessions whose old or new start lies in `[from, to]`, not yet claimed for
    /// this guild.
    pub fn unnoticed_changes(
        &self,
        guild_id: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<ProgramChange>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM program_changes c
             WHERE (c.old_starts_at BETWEEN ?1 AND ?2 OR c.new_starts_at BETWEEN ?1 AND ?2)
               AND NOT EXISTS (SELECT 1 FROM change_notices n WHERE n.guild_id = ?3 AND n.change_id = c.id)
             ORDER BY c.id"
        ))?;
        let rows = stmt.query_map(
            params![from.timestamp(), to.timestamp(), guild_id],
            program_change,
        )?;
        rows.collect::<Result<_, _>>()
            .context("reading program changes")
    }

    /// One recorded change.
    pub fn program_change(&self, id: i64) -> anyhow::Result<Option<ProgramChange>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM program_changes c WHERE c.id = ?1"
        ))?;
        let mut rows = stmt.query_map([id], program_change)?;
        rows.next().transpose().context("reading a program change")
    }

    /// Claims the notice of a change in a guild; `false` if it was already claimed.
    pub fn claim_change_notice(
        &self,
        notice: &ChangeNotice,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let inserted = self
            .conn()
            .execute(
                "INSERT INTO change_notices (guild_id, change_id, channel_id, nonce, state, next_attempt_at, claimed_at)
                 VALUES (?1, ?2, ?3, ?4, 'claimed', ?5, ?5) ON CONFLICT DO NOTHING",
                params![
                    notice.guild_id,
                    notice.change_id,
                    notice.channel_id,
                    notice.nonce,
                    now.timestamp()
                ],
            )
            .context("claiming a change notice")?;
        Ok(inserted == 1)
    }

    /// Claimed notices due for a (first or next) attempt.
    pub fn change_notices_to_post(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<ChangeNotice>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT guild_id, change_id, channel_id, nonce, attempts, coalesce(claimed_at, next_attempt_at) FROM change_notices
             WHERE state = 'claimed' AND next_attempt_at <= ?1 ORDER BY change_id",
        )?;
        let rows = stmt.query_map([now.timestamp()], |r| {
            Ok(ChangeNotice {
                guild_id: r.get(0)?,
                change_id: r.get(1)?,
                channel_id: r.get(2)?,
                nonce: r.get(3)?,
                attempts: r.get(4)?,
                claimed_at: from_unix(r.get(5)?),
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading change notices")
    }

    /// The notice was posted as `message_id`.
    pub fn change_notice_sent(
        &self,
        notice: &ChangeNotice,
        message_id: MessageId,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE change_notices SET state = 'sent', message_id = ?3, attempts = attempts + 1,
                     next_attempt_at = NULL WHERE guild_id = ?1 AND change_id = ?2",
                params![notice.guild_id, notice.change_id, message_id],
            )
            .context("marking a change notice sent")?;
        Ok(())
    }

    /// Posting failed: try again at `retry_at`, or (`None`) never.
    pub fn change_notice_failed(
        &self,
        notice: &ChangeNotice,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE change_notices SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                     state = CASE WHEN ?4 IS NULL THEN 'failed' ELSE state END
                 WHERE guild_id = ?1 AND change_id = ?2",
                params![notice.guild_id, notice.change_id, error, retry_at.map(|at| at.timestamp())],
            )
            .context("recording a failed change notice")?;
        Ok(())
    }
}
