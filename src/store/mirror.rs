//! The Events tab mirror in SQL: each guild's mirror settings and health (`event_mirrors`) and
//! which Discord event stands for which session (`mirrored_events`), and the bookmarks that
//! pressing Interested added (`event_bookmarks`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, OptionalExtension, Row};

use super::agenda::add_agenda_user;
use super::{from_unix, Store};
use crate::ids::{ChannelId, EventId, GuildId, UserId};

/// A guild's mirror: its settings, what it last saw of Discord, and how syncing has gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMirror {
    pub guild_id: GuildId,
    pub enabled: bool,
    /// Mirror the sessions starting within this many hours...
    pub hours: u32,
    /// ...at most this many.
    pub max_events: u32,
    /// Open events of the guild that confbot did not make, at the last listing.
    pub foreign_events: u32,
    /// Discord's list must be read before the next sync.
    pub needs_listing: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// A missing permission: nothing is tried until an admin runs `/setup events` again.
    pub broken: bool,
    /// Sessions in the window left out at the last sync, and whether Discord's cap (rather
    /// than `max_events`) was the reason.
    pub left_out: u32,
    pub left_out_by_cap: bool,
    /// Events of confbot's edited by hand and put back, since `/setup events`.
    pub repaired: u32,
}

/// A room (or track) whose sessions' events are held in a voice or stage channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRoom {
    pub name: String,
    pub channel_id: ChannelId,
    pub stage: bool,
}

/// One session's event: its id (none once an organiser deleted it by hand, or while a create
/// is unanswered) and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirroredEvent {
    pub session_id: String,
    pub event_id: Option<EventId>,
    /// A create was sent and its answer not seen: the event may exist, saying what this
    /// record says; the next listing looks for it before anything is created again.
    pub creating: bool,
    pub name: String,
    pub description: String,
    pub location: String,
    pub channel_id: Option<ChannelId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: EventStatus,
}

/// Where a scheduled event is in its life, as Discord numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Scheduled,
    Active,
    Completed,
    Canceled,
    /// A number Discord may add; kept so it is written back as it came.
    Other(u8),
}

impl EventStatus {
    pub fn code(self) -> u8 {
        match self {
            EventStatus::Scheduled => 1,
            EventStatus::Active => 2,
            EventStatus::Completed => 3,
            EventStatus::Canceled => 4,
            EventStatus::Other(code) => code,
        }
    }

    pub fn from_code(code: u8) -> EventStatus {
        match code {
            1 => EventStatus::Scheduled,
            2 => EventStatus::Active,
            3 => EventStatus::Completed,
            4 => EventStatus::Canceled,
            other => EventStatus::Other(other),
        }
    }
}

impl ToSql for EventStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(i64::from(self.code())))
    }
}

impl FromSql for EventStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        u8::column_result(value).map(EventStatus::from_code)
    }
}

const MIRROR: &str = "SELECT guild_id, enabled, hours, max_events, foreign_events, needs_listing,
    last_sync_at, last_error, last_error_at, broken, left_out, left_out_by_cap, repaired
    FROM event_mirrors";

fn mirror(r: &Row<'_>) -> rusqlite::Result<EventMirror> {
    Ok(EventMirror {
        guild_id: r.get(0)?,
        enabled: r.get(1)?,
        hours: r.get(2)?,
        max_events: r.get(3)?,
        foreign_events: r.get(4)?,
        needs_listing: r.get(5)?,
        last_sync_at: r.get::<_, Option<i64>>(6)?.map(from_unix),
        last_error: r.get(7)?,
        last_error_at: r.get::<_, Option<i64>>(8)?.map(from_unix),
        broken: r.get(9)?,
        left_out: r.get(10)?,
        left_out_by_cap: r.get(11)?,
        repaired: r.get(12)?,
    })
}

impl Store {
    /// A guild's mirror, if `/setup events` was ever run there.
    pub fn event_mirror(&self, guild_id: GuildId) -> anyhow::Result<Option<EventMirror>> {
        let conn = self.read();
        conn.query_row(&format!("{MIRROR} WHERE guild_id = ?1"), [guild_id], mirror)
            .optional()
            .context("reading the event mirror")
    }

    /// The guilds whose mirror is on, or off with events of confbot's still on Discord (to be
    /// removed; an unanswered create may have made one), not broken, and not waiting after a failure at `now`.
    pub fn mirroring_guilds(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<EventMirror>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{MIRROR} WHERE (enabled OR EXISTS (SELECT 1 FROM mirrored_events m
                   WHERE m.guild_id = event_mirrors.guild_id
                     AND (m.event_id IS NOT NULL OR m.creating)))
               AND NOT broken AND (retry_at IS NULL OR retry_at <= ?1)
             ORDER BY guild_id"
        ))?;
        let rows = stmt.query_map([now.timestamp()], mirror)?;
        rows.collect::<Result<_, _>>()
            .context("reading mirroring guilds")
    }

    /// `/setup events`: the settings, a fresh start (not broken, no error, Discord listed
    /// again) and sessions whose event an organiser deleted by hand mirrored again.
    pub fn set_event_mirror(
        &self,
        guild_id: GuildId,
        enabled: bool,
        hours: u32,
        max_events: u32,
    ) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO event_mirrors (guild_id, enabled, hours, max_events) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (guild_id) DO UPDATE SET enabled = ?2, hours = ?3, max_events = ?4,
                 needs_listing = 1, broken = 0, last_error = NULL, last_error_at = NULL,
                 failures = 0, retry_at = NULL, repaired = 0",
            params![guild_id, enabled, hours, max_events],
        )
        .context("setting the event mirror")?;
        tx.execute(
            "DELETE FROM mirrored_events WHERE guild_id = ?1 AND event_id IS NULL AND NOT creating",
            [guild_id],
        )?;
        tx.commit().context("setting the event mirror")
    }

    /// Every guild's mirror reads Discord's list again before its next sync (a resume, an
    /// organiser's new event, a full guild).
    pub fn request_event_listing(&self) -> anyhow::Result<()> {
        self.conn()
            .execute("UPDATE event_mirrors SET needs_listing = 1", [])
            .context("asking for a listing")?;
        Ok(())
    }

    /// At start: every mirror reads Discord's list again, and a backoff left by the previous
    /// run (perhaps a request cut off by its own crash) is lifted.
    pub fn restart_event_mirrors(&self) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE event_mirrors SET needs_listing = 1, failures = 0, retry_at = NULL",
                [],
            )
            .context("restarting the event mirrors")?;
        Ok(())
    }

    /// Records what a listing of Discord's events found: the organisers' open events.
    pub fn record_event_listing(&self, guild_id: GuildId, foreign: u32) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE event_mirrors SET foreign_events = ?2, needs_listing = 0 WHERE guild_id = ?1",
                params![guild_id, foreign],
            )
            .context("recording a listing")?;
        Ok(())
    }

    /// A sync that went through: when, and what did not fit.
    pub fn record_event_sync(
        &self,
        guild_id: GuildId,
        now: DateTime<Utc>,
        left_out: u32,
        left_out_by_cap: bool,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE event_mirrors SET last_sync_at = ?2, left_out = ?3, left_out_by_cap = ?4,
                     failures = 0, retry_at = NULL
                 WHERE guild_id = ?1",
                params![guild_id, now.timestamp(), left_out, left_out_by_cap],
            )
            .context("recording a sync")?;
        Ok(())
    }

    /// A failed request; `broken` stops the mirror until `/setup events`, anything else waits
    /// 2 s, 4 s, 8 s... up to 5 minutes (on the bot's clock) before the next sync, so a request
    /// Discord keeps refusing is not repeated every tick. True when this newly broke it, so the
    /// caller says so once.
    pub fn record_event_error(
        &self,
        guild_id: GuildId,
        error: &str,
        broken: bool,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let conn = self.conn();
        let was: bool = conn
            .query_row(
                "SELECT broken FROM event_mirrors WHERE guild_id = ?1",
                [guild_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        conn.execute(
            "UPDATE event_mirrors SET last_error = ?2, last_error_at = ?3, broken = broken OR ?4,
                 failures = failures + 1,
                 retry_at = ?3 + min(300, 2 << min(failures, 8))
             WHERE guild_id = ?1",
            params![guild_id, error, now.timestamp(), broken],
        )
        .context("recording an event error")?;
        Ok(broken && !was)
    }

    /// The sessions mirrored in a guild, soonest first.
    pub fn mirrored_events(&self, guild_id: GuildId) -> anyhow::Result<Vec<MirroredEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT session_id, event_id, name, description, location, starts_at, ends_at, status,
                 channel_id, creating
             FROM mirrored_events WHERE guild_id = ?1 ORDER BY starts_at, session_id",
        )?;
        let rows = stmt.query_map([guild_id], |r| {
            Ok(MirroredEvent {
                session_id: r.get(0)?,
                event_id: r.get(1)?,
                name: r.get(2)?,
                description: r.get(3)?,
                location: r.get(4)?,
                start: from_unix(r.get(5)?),
                end: from_unix(r.get(6)?),
                status: r.get(7)?,
                channel_id: r.get(8)?,
                creating: r.get(9)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading mirrored events")
    }

    /// Records (or updates) a session's event.
    pub fn save_mirrored_event(&self, guild_id: GuildId, e: &MirroredEvent) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO mirrored_events
                     (guild_id, session_id, event_id, name, description, location, starts_at, ends_at,
                      status, channel_id, creating)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (guild_id, session_id) DO UPDATE SET event_id = ?3, name = ?4,
                     description = ?5, location = ?6, starts_at = ?7, ends_at = ?8, status = ?9,
                     channel_id = ?10, creating = ?11",
                params![
                    guild_id,
                    e.session_id,
                    e.event_id,
                    e.name,
                    e.description,
                    e.location,
                    e.start.timestamp(),
                    e.end.timestamp(),
                    e.status,
                    e.channel_id,
                    e.creating
                ],
            )
            .context("recording a mirrored event")?;
        Ok(())
    }

    /// Forgets a session's event (deleted, completed, or gone from Discord).
    pub fn forget_mirrored_event(&self, guild_id: GuildId, session_id: &str) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "DELETE FROM mirrored_events WHERE guild_id = ?1 AND session_id = ?2",
                params![guild_id, session_id],
            )
            .context("forgetting a mirrored event")?;
        Ok(())
    }

    /// An organiser deleted `event` by hand: its session keeps its row without an event, so it
    /// is not recreated until `/setup events`. False if confbot does not know the event (one of
    /// the organisers' own, or one confbot deleted itself).
    pub fn mark_event_deleted_by_hand(&self, event: EventId) -> anyhow::Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE mirrored_events SET event_id = NULL WHERE event_id = ?1",
                [event],
            )
            .context("recording a deleted event")?;
        Ok(changed > 0)
    }

    /// `session_id`'s event is gone from Discord though confbot never deleted it: someone did,
    /// and like a deletion seen on the gateway it stays deleted until `/setup events`.
    pub fn mark_mirrored_event_deleted(
        &self,
        guild_id: GuildId,
        session_id: &str,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE mirrored_events SET event_id = NULL, creating = 0
                 WHERE guild_id = ?1 AND session_id = ?2",
                params![guild_id, session_id],
            )
            .context("recording a deleted event")?;
        Ok(())
    }

    /// Counts `n` events of confbot's found edited by hand, to be put back.
    pub fn count_event_repairs(&self, guild_id: GuildId, n: u32) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE event_mirrors SET repaired = repaired + ?2 WHERE guild_id = ?1",
                params![guild_id, n],
            )
            .context("counting repaired events")?;
        Ok(())
    }

    /// `/setup room voice:`: `name`'s sessions become events in a voice or stage channel,
    /// which also shows what is on stage; a channel set again is tried again if it was broken.
    pub fn set_event_room(
        &self,
        guild_id: GuildId,
        name: &str,
        channel_id: ChannelId,
        stage: bool,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO event_rooms (guild_id, name, channel_id, stage) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (guild_id, name) DO UPDATE SET channel_id = ?3, stage = ?4",
            params![guild_id, name, channel_id, stage],
        )
        .context("routing a room to a channel")?;
        super::settings::clear_broken(&conn, guild_id, channel_id)
    }

    /// The rooms routed to voice or stage channels in a guild, by name.
    pub fn event_rooms(&self, guild_id: GuildId) -> anyhow::Result<Vec<EventRoom>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT name, channel_id, stage FROM event_rooms WHERE guild_id = ?1 ORDER BY name",
        )?;
        let rows = stmt.query_map([guild_id], |r| {
            Ok(EventRoom {
                name: r.get(0)?,
                channel_id: r.get(1)?,
                stage: r.get(2)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading event rooms")
    }

    /// The session a confbot event stands for, if it is one.
    pub fn session_of_event(&self, event: EventId) -> anyhow::Result<Option<String>> {
        self.read()
            .query_row(
                "SELECT session_id FROM mirrored_events WHERE event_id = ?1",
                [event],
                |r| r.get(0),
            )
            .optional()
            .context("reading an event's session")
    }

    /// Interested: bookmarks `talk_ids` of `session_id` with a reminder `minutes` before,
    /// recording them as added by the event; talks the user bookmarked themselves are left as
    /// they are. How many were added.
    pub fn add_event_bookmarks(
        &self,
        user: UserId,
        session_id: &str,
        talk_ids: &[String],
        minutes: u32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        add_agenda_user(&tx, user)?;
        let mut added = 0;
        for talk in talk_ids {
            let new = tx.execute(
                "INSERT INTO bookmarks (user_id, talk_id, minutes, set_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![user, talk, minutes, now.timestamp()],
            )?;
            if new > 0 {
                tx.execute(
                    "INSERT INTO event_bookmarks (user_id, talk_id, session_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    params![user, talk, session_id],
                )?;
                added += new;
            }
        }
        tx.commit().context("bookmarking an event's talks")?;
        Ok(added)
    }

    /// Not interested any more: removes the bookmarks the event added, never the user's own.
    /// How many were removed.
    pub fn remove_event_bookmarks(&self, user: UserId, session_id: &str) -> anyhow::Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let removed = tx.execute(
            "DELETE FROM bookmarks WHERE user_id = ?1 AND talk_id IN
                 (SELECT talk_id FROM event_bookmarks WHERE user_id = ?1 AND session_id = ?2)",
            params![user, session_id],
        )?;
        tx.execute(
            "DELETE FROM event_bookmarks WHERE user_id = ?1 AND session_id = ?2",
            params![user, session_id],
        )?;
        tx.commit().context("removing an event's bookmarks")?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{pdt, store};

    #[test]
    fn interest_adds_only_new_bookmarks_and_forget_me_takes_its_records_too() {
        let store = store();
        let user = UserId(5);
        let talks: Vec<String> = store
            .all_talks()
            .unwrap()
            .into_iter()
            .take(2)
            .map(|t| t.talk.id.to_string())
            .collect();
        assert_eq!(talks.len(), 2);
        store.set_bookmark(user, &talks[0], 30, pdt(9, 0)).unwrap();
        let added = store
            .add_event_bookmarks(user, "s", &talks, 10, pdt(9, 0))
            .unwrap();
        assert_eq!(added, 1, "the user's own bookmark is left as it is");
        assert_eq!(store.bookmark_minutes(user, &talks[0]).unwrap(), Some(30));

        store.forget_user(user).unwrap();
        assert!(store.bookmarks(user).unwrap().is_empty());
        let left: i64 = store
            .read()
            .query_row("SELECT count(*) FROM event_bookmarks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "/forget-me leaves no record of Interested");
        assert_eq!(store.remove_event_bookmarks(user, "s").unwrap(), 0);
    }

    #[test]
    fn a_mirror_turned_off_is_still_synced_while_a_create_is_unanswered() {
        let store = store();
        let guild = GuildId(7);
        store.set_event_mirror(guild, false, 24, 50).unwrap();
        assert!(store.mirroring_guilds(pdt(9, 0)).unwrap().is_empty());
        let attempt = MirroredEvent {
            session_id: "s".into(),
            event_id: None,
            creating: true,
            name: "Keynote".into(),
            description: "Talks".into(),
            location: "Hall".into(),
            channel_id: None,
            start: pdt(10, 0),
            end: pdt(11, 0),
            status: EventStatus::Scheduled,
        };
        store.save_mirrored_event(guild, &attempt).unwrap();
        let synced = store.mirroring_guilds(pdt(9, 0)).unwrap();
        assert_eq!(
            synced.len(),
            1,
            "its event may exist and must be found to be removed"
        );
        // `/setup events` keeps the attempt: only deletions by hand are forgotten.
        store.set_event_mirror(guild, true, 24, 50).unwrap();
        assert_eq!(store.mirrored_events(guild).unwrap(), [attempt]);
    }
}
