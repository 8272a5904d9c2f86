//! Program changes worth telling attendees (a session moved or cancelled), recorded by
//! `replace_program`, and the claims that post each once per guild (an outbox kind,
//! `outbox.rs`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction};

use super::from_unix;
use super::outbox::{self, ClaimId, Delivery, DeliveryState, NewClaim, Notices};
use super::Store;
use crate::ids::{ChannelId, GuildId, Nonce, SessionId};
use crate::program::ItemChange;

/// A recorded move or cancellation of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramChange {
    pub id: i64,
    pub session_id: SessionId,
    pub title: String,
    pub track: Option<String>,
    pub old_start: DateTime<Utc>,
    /// `None`: cancelled.
    pub new_start: Option<DateTime<Utc>>,
    pub old_room: Option<String>,
    pub new_room: Option<String>,
}

/// The notice of a change in a guild, to claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub guild_id: GuildId,
    pub change_id: i64,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

/// A claimed notice of a change in a guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeNotice {
    pub delivery: Delivery<Notices>,
    pub guild_id: GuildId,
    pub change_id: i64,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
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

    /// Claims the notice of a change in a guild; `None` if it was already claimed.
    pub fn claim_change_notice(
        &self,
        notice: &NewNotice,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<ChangeNotice>> {
        let conn = self.conn();
        let claimed = outbox::claim::<Notices>(
            &conn,
            &NewClaim {
                columns: &[
                    ("guild_id", &notice.guild_id),
                    ("change_id", &notice.change_id),
                    ("channel_id", &notice.channel_id),
                    ("nonce", &notice.nonce),
                ],
                state: DeliveryState::Claimed,
                reason: None,
            },
            now,
        )?;
        drop(conn);
        claimed.map(|id| self.change_notice(id)).transpose()
    }

    /// One claimed notice.
    pub fn change_notice(&self, id: ClaimId<Notices>) -> anyhow::Result<ChangeNotice> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {}, guild_id, change_id, channel_id, nonce FROM change_notices WHERE id = ?1",
                outbox::columns("")
            ))?
            .query_row([id], |r| {
                Ok(ChangeNotice {
                    delivery: outbox::delivery(r, 0)?,
                    guild_id: r.get(6)?,
                    change_id: r.get(7)?,
                    channel_id: r.get(8)?,
                    nonce: r.get(9)?,
                })
            })
            .context("reading a change notice")
    }
}
