//! Personal agendas in SQL: who bookmarked which talk with how many minutes' warning, and
//! whether their reminders are paused. A bookmark names the talk by its stable id, so it
//! follows the talk through reloads: a moved talk keeps its bookmarks; a dropped one loses
//! them, and each import records what it moved or dropped for the DM tick to tell
//! ([`record_changes`]). `/forget-me` deletes a user's rows here and in every table that
//! names them ([`Store::forget_user`]).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::talks::scheduled_talks;
use super::{ScheduledTalk, Store};
use crate::ids::UserId;
use crate::program::Program;

/// What `/forget-me` removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub bookmarks: usize,
    /// Questions kept for their threads, no longer linked to the user.
    pub questions: usize,
    pub votes: usize,
    /// Ratings and comments of talks.
    pub feedback: usize,
}

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

/// Where and when a talk is, as a bookmark's owner cares: its title, start and place.
fn slots(program: &Program) -> HashMap<&str, (&str, DateTime<Utc>, Option<&str>)> {
    program
        .sessions()
        .iter()
        .flat_map(|s| {
            let place = s.slot.place();
            s.talks
                .iter()
                .map(move |t| (t.id.as_str(), (t.title.as_str(), t.start, place)))
        })
        .collect()
}

/// Records, within an import's transaction, each bookmarked talk that `new` moves (in time or
/// place) or drops, with a pending DM for each user who bookmarked it. The bookmarks of a
/// dropped talk go: its reminder is dropped with it.
pub(super) fn record_changes(tx: &Transaction, old: &Program, new: &Program) -> anyhow::Result<()> {
    let bookmarked: Vec<String> = tx
        .prepare("SELECT DISTINCT talk_id FROM bookmarks")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if bookmarked.is_empty() {
        return Ok(());
    }
    let (before, after) = (slots(old), slots(new));
    for talk in &bookmarked {
        let Some(&(title, old_start, old_place)) = before.get(talk.as_str()) else {
            continue;
        };
        let now = after.get(talk.as_str());
        let kind = match now {
            None => "cancelled",
            Some(&(_, start, place)) if start != old_start || place != old_place => "moved",
            Some(_) => continue,
        };
        let change: i64 = tx.query_row(
            "INSERT INTO agenda_changes (talk_id, kind, title, old_starts_at, new_starts_at, old_room, new_room)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![
                talk,
                kind,
                now.map_or(title, |n| n.0),
                old_start.timestamp(),
                now.map(|n| n.1.timestamp()),
                old_place,
                now.and_then(|n| n.2),
            ],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO agenda_change_dms (change_id, user_id, state)
             SELECT ?1, user_id, 'pending' FROM bookmarks WHERE talk_id = ?2",
            params![change, talk],
        )?;
        if now.is_none() {
            tx.execute("DELETE FROM bookmarks WHERE talk_id = ?1", [talk])?;
        }
    }
    Ok(())
}

/// Makes `user` an attendee with an agenda (the row their bookmarks and reminders hang off),
/// if they are not one yet.
pub(super) fn add_agenda_user(tx: &rusqlite::Transaction, user: UserId) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO agenda_users (user_id) VALUES (?1) ON CONFLICT DO NOTHING",
        [user],
    )?;
    Ok(())
}

impl Store {
    /// Deletes everything confbot keeps about a user, in one transaction: their agenda,
    /// reminder state and DM channel (the agenda row, which the rest hangs off), their votes;
    /// their questions stay in their threads but no longer name them (author 0); their ratings
    /// and comments of talks.
    pub fn forget_user(&self, user: UserId) -> anyhow::Result<Forgotten> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let bookmarks = tx.execute("DELETE FROM bookmarks WHERE user_id = ?1", [user])?;
        // Reminders, their talks and change DMs go with the agenda row (ON DELETE CASCADE).
        tx.execute("DELETE FROM agenda_users WHERE user_id = ?1", [user])?;
        let votes = tx.execute("DELETE FROM qa_votes WHERE user_id = ?1", [user])?;
        let questions = tx.execute(
            "UPDATE qa_questions SET author_id = 0 WHERE author_id = ?1",
            [user],
        )?;
        let ratings = tx.execute("DELETE FROM feedback_ratings WHERE user_id = ?1", [user])?;
        let comments = tx.execute("DELETE FROM feedback_comments WHERE user_id = ?1", [user])?;
        tx.commit().context("forgetting a user")?;
        Ok(Forgotten {
            bookmarks,
            questions,
            votes,
            feedback: ratings + comments,
        })
    }

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
        add_agenda_user(&tx, user)?;
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
                let minutes = minutes.remove(talk.talk.id.as_str()).unwrap_or_default();
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
