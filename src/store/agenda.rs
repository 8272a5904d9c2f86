//! Personal agendas in SQL: who bookmarked which talk with how many minutes' warning, and
//! whether their reminders are paused. A bookmark names the talk by its stable id, so it
//! follows the talk through reloads (a moved talk keeps its bookmarks; a dropped one leaves
//! them dangling, unread, until the talk comes back or the user removes it).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::talks::scheduled_talks;
use super::{ScheduledTalk, Store};
use crate::ids::UserId;

/// A bookmarked talk as its owner's agenda shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bookmark {
    pub talk: ScheduledTalk,
    /// How long before the talk starts the reminder comes.
    pub minutes: u32,
}

/// What confbot keeps about an attendee's agenda as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgendaUser {
    pub paused: bool,
}

impl Store {
    /// Adds `talk_id` to the user's agenda with a reminder `minutes` before it, or changes the
    /// minutes if it is there already. True if it was new.
    pub fn set_bookmark(
        &self,
        user: UserId,
        talk_id: &str,
        minutes: u32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO agenda_users (user_id) VALUES (?1) ON CONFLICT DO NOTHING",
            [user],
        )?;
        let existed: bool = tx
            .query_row(
                "SELECT 1 FROM bookmarks WHERE user_id = ?1 AND talk_id = ?2",
                params![user, talk_id],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        tx.execute(
            "INSERT INTO bookmarks (user_id, talk_id, minutes, set_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id, talk_id) DO UPDATE SET minutes = excluded.minutes, set_at = excluded.set_at",
            params![user, talk_id, minutes, now.timestamp()],
        )?;
        tx.commit().context("saving a bookmark")?;
        Ok(!existed)
    }

    /// The minutes of the user's bookmark of `talk_id`, if they have one.
    pub fn bookmark_minutes(&self, user: UserId, talk_id: &str) -> anyhow::Result<Option<u32>> {
        self.read()
            .query_row(
                "SELECT minutes FROM bookmarks WHERE user_id = ?1 AND talk_id = ?2",
                params![user, talk_id],
                |r| r.get(0),
            )
            .optional()
            .context("reading a bookmark")
    }

    /// Removes talks from the user's agenda; how many were there.
    pub fn remove_bookmarks(&self, user: UserId, talk_ids: &[String]) -> anyhow::Result<usize> {
        let ids = serde_json::to_string(talk_ids)?;
        self.conn()
            .execute(
                "DELETE FROM bookmarks WHERE user_id = ?1 AND talk_id IN (SELECT value FROM json_each(?2))",
                params![user, ids],
            )
            .context("removing bookmarks")
    }

    /// The user's bookmarked talks that are in the program, in time order.
    pub fn bookmarks(&self, user: UserId) -> anyhow::Result<Vec<Bookmark>> {
        let conn = self.read();
        let mut minutes: HashMap<String, u32> = conn
            .prepare_cached("SELECT talk_id, minutes FROM bookmarks WHERE user_id = ?1")?
            .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let talks = scheduled_talks(
            &conn,
            "JOIN bookmarks b ON b.talk_id = t.id WHERE b.user_id = ?1 ORDER BY t.starts_at, t.ends_at, t.pk",
            [user],
        )
        .context("reading an agenda")?;
        Ok(talks
            .into_iter()
            .map(|talk| {
                let minutes = minutes.remove(&talk.talk.id).unwrap_or_default();
                Bookmark { talk, minutes }
            })
            .collect())
    }

    /// The user's agenda settings (the defaults if they have none).
    pub fn agenda_user(&self, user: UserId) -> anyhow::Result<AgendaUser> {
        let paused = self
            .read()
            .query_row(
                "SELECT paused FROM agenda_users WHERE user_id = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()
            .context("reading agenda settings")?;
        Ok(AgendaUser {
            paused: paused.unwrap_or(false),
        })
    }

    /// Pauses or resumes all the user's reminders.
    pub fn set_reminders_paused(&self, user: UserId, paused: bool) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO agenda_users (user_id, paused) VALUES (?1, ?2)
                 ON CONFLICT (user_id) DO UPDATE SET paused = excluded.paused",
                params![user, paused],
            )
            .context("pausing reminders")?;
        Ok(())
    }
}
