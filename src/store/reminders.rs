//! DM reminder claims: the outbox kinds (`outbox.rs`) that make each (user, due instant)
//! reminder, and each (change, user) change DM, happen exactly once. A reminder row and the
//! talks it covers are inserted (claimed) in one transaction before anything is sent; the unique
//! key turns a second claim into a no-op. Change DMs are recorded pending by the import and
//! leased by the DM tick. Also here: the cached DM channel of each user, and what Discord said
//! when it refused to deliver (50007).

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::from_unix;
use super::outbox::{self, ChangeDms, ClaimId, Delivery, DeliveryState, NewClaim, Reminders};
use super::talks::scheduled_talks;
use super::{ScheduledTalk, Store};
use crate::ids::{ChannelId, GuildId, MessageId, Nonce, TalkId, UserId};

/// A bookmarked talk whose reminder is due and not yet claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueBookmark {
    pub user: UserId,
    pub talk_id: TalkId,
    pub talk_starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// Which of the due reminders [`Store::due_bookmarks`] reads: those of at most `users`
/// (due instant, user) pairs, after the pair `after` in claim order (earliest due first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuePage {
    pub after: Option<(DateTime<Utc>, UserId)>,
    pub users: usize,
}

/// A talk as a reminder covers it: at the start it had when the reminder fell due (a moved
/// talk is reminded again at its new start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkAt {
    pub talk: TalkId,
    pub start: DateTime<Utc>,
}

/// A claimed DM reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct DmReminder {
    pub delivery: Delivery<Reminders>,
    pub user: UserId,
    pub due_at: DateTime<Utc>,
    pub nonce: Nonce,
}

fn reminder(r: &Row) -> rusqlite::Result<DmReminder> {
    Ok(DmReminder {
        delivery: outbox::delivery(r, 0)?,
        user: r.get(6)?,
        due_at: from_unix(r.get(7)?),
        nonce: r.get(8)?,
    })
}

fn select() -> String {
    format!(
        "SELECT {}, user_id, due_at, nonce FROM dm_reminders",
        outbox::columns("")
    )
}

/// A bookmarked talk that a reload moved or cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaChange {
    pub id: i64,
    pub talk_id: TalkId,
    pub title: String,
    pub old_start: DateTime<Utc>,
    /// `None`: cancelled.
    pub new_start: Option<DateTime<Utc>>,
    pub old_room: Option<String>,
    pub new_room: Option<String>,
}

/// The DM telling one user of one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDm {
    pub delivery: Delivery<ChangeDms>,
    pub change: AgendaChange,
    pub user: UserId,
}

/// When a bookmark's reminder is due: `minutes` before its talk, never before it was set.
const DUE: &str = "max(t.starts_at - b.minutes * 60, b.set_at)";

/// The bookmarks of talks starting in `[?2, ?3]` whose reminder is due by `?1` and not yet
/// claimed, of users who neither paused their reminders nor refuse DMs.
const UNCLAIMED: &str = "FROM talks t
    JOIN bookmarks b ON b.talk_id = t.id
    JOIN agenda_users u ON u.user_id = b.user_id
    WHERE t.starts_at BETWEEN ?2 AND ?3 AND u.paused = 0 AND u.dms_refused_at IS NULL
      AND max(t.starts_at - b.minutes * 60, b.set_at) <= ?1
      AND NOT EXISTS (SELECT 1 FROM dm_reminder_talks r
          WHERE r.user_id = b.user_id AND r.talk_id = b.talk_id AND r.talk_starts_at = t.starts_at)";

/// The nonce of a user's reminder at `due`: stable across restarts and versions.
pub fn reminder_nonce(user: UserId, due: DateTime<Utc>) -> Nonce {
    Nonce::of(&format!("dm\u{1f}{user}\u{1f}{}", due.timestamp()))
}

/// The nonce of the DM telling `user` of change `change`.
pub fn change_dm_nonce(change: i64, user: UserId) -> Nonce {
    Nonce::of(&format!("change\u{1f}{change}\u{1f}{user}"))
}

impl Store {
    /// Change DMs to send: pending, or claimed and due again (a crash, a retry).
    pub fn change_dms_due(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<ChangeDm>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {}, c.id, c.talk_id, c.title, c.old_starts_at, c.new_starts_at, c.old_room,
                 c.new_room, d.user_id
             FROM agenda_change_dms d JOIN agenda_changes c ON c.id = d.change_id
             WHERE d.state = 'pending' OR (d.state = 'claimed' AND d.next_attempt_at <= ?1)
             ORDER BY c.id, d.user_id",
            outbox::columns("d")
        ))?;
        let rows = stmt.query_map([now.timestamp()], |r| {
            Ok(ChangeDm {
                delivery: outbox::delivery(r, 0)?,
                change: AgendaChange {
                    id: r.get(6)?,
                    talk_id: r.get(7)?,
                    title: r.get(8)?,
                    old_start: from_unix(r.get(9)?),
                    new_start: r.get::<_, Option<i64>>(10)?.map(from_unix),
                    old_room: r.get(11)?,
                    new_room: r.get(12)?,
                },
                user: r.get(13)?,
            })
        })?;
        rows.collect::<Result<_, _>>().context("reading change DMs")
    }

    /// The state of each change DM of a user, oldest change first (for tests and support).
    pub fn change_dm_states(&self, user: UserId) -> anyhow::Result<Vec<DeliveryState>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT state FROM agenda_change_dms WHERE user_id = ?1 ORDER BY change_id",
        )?;
        let rows = stmt.query_map([user], |r| r.get(0))?;
        rows.collect::<Result<_, _>>().context("reading change DMs")
    }

    /// Bookmarks of talks starting in `[from, to]` whose reminder is due by `until` and not
    /// yet claimed, of users who neither paused their reminders nor refuse DMs; earliest due
    /// first, the users of [`DuePage`] only. A reminder is due `minutes` before the talk, but
    /// never before the bookmark was set.
    pub fn due_bookmarks(
        &self,
        until: DateTime<Utc>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: &DuePage,
    ) -> anyhow::Result<Vec<DueBookmark>> {
        let conn = self.conn();
        // A page ends between two (due instant, user) pairs, never inside one: that pair's
        // talks are one claim, so one DM.
        let mut stmt = conn.prepare_cached(&format!(
            "WITH due AS (SELECT b.user_id, b.talk_id, t.starts_at, t.pk, {DUE} AS due {UNCLAIMED}),
                 page AS (SELECT DISTINCT due, user_id FROM due WHERE (due, user_id) > (?4, ?5)
                     ORDER BY due, user_id LIMIT ?6)
             SELECT d.user_id, d.talk_id, d.starts_at, d.due
             FROM due d JOIN page p ON p.due = d.due AND p.user_id = d.user_id
             ORDER BY d.due, d.user_id, d.starts_at, d.pk"
        ))?;
        let (after_due, after_user) = page.after.map_or((i64::MIN, i64::MIN), |(due, user)| {
            (due.timestamp(), user.0 as i64)
        });
        let rows = stmt.query_map(
            params![
                until.timestamp(),
                from.timestamp(),
                to.timestamp(),
                after_due,
                after_user,
                page.users
            ],
            |r| {
                Ok(DueBookmark {
                    user: r.get(0)?,
                    talk_id: r.get(1)?,
                    talk_starts_at: from_unix(r.get(2)?),
                    due_at: from_unix(r.get(3)?),
                })
            },
        )?;
        rows.collect::<Result<_, _>>()
            .context("reading due reminders")
    }

    /// The instants the same unclaimed reminders as [`Store::due_bookmarks`] fall due, with
    /// how many users each (one DM per user and instant), earliest first: what the plan of
    /// crowded instants (`domain::budget`) spends the budget on.
    pub fn reminder_crowds(
        &self,
        until: DateTime<Utc>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<(DateTime<Utc>, usize)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DUE} AS due, count(DISTINCT b.user_id) {UNCLAIMED}
             GROUP BY due ORDER BY due"
        ))?;
        let rows = stmt.query_map(
            params![until.timestamp(), from.timestamp(), to.timestamp()],
            |r| Ok((from_unix(r.get(0)?), r.get(1)?)),
        )?;
        rows.collect::<Result<_, _>>()
            .context("reading the reminders' crowds")
    }

    /// Claims the reminder of `user` at `due_at` covering `talks`, in `state`
    /// (claimed to send it, missed to record that it never will be). Returns the claimed row,
    /// or `None` if that user's reminder for that instant was claimed already; the talks are
    /// then recorded against it, so they are not found due again.
    pub fn claim_dm_reminder(
        &self,
        user: UserId,
        due_at: DateTime<Utc>,
        talks: &[TalkAt],
        state: DeliveryState,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<DmReminder>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let (due, nonce) = (due_at.timestamp(), reminder_nonce(user, due_at));
        let claimed = outbox::claim::<Reminders>(
            &tx,
            &NewClaim {
                columns: &[("user_id", &user), ("due_at", &due), ("nonce", &nonce)],
                state,
                reason: None,
            },
            now,
        )?;
        let id: ClaimId<Reminders> = match claimed {
            Some(id) => id,
            None => tx.query_row(
                "SELECT id FROM dm_reminders WHERE user_id = ?1 AND due_at = ?2",
                params![user, due],
                |r| r.get(0),
            )?,
        };
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO dm_reminder_talks (reminder, user_id, talk_id, talk_starts_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )?;
            for TalkAt { talk, start } in talks {
                insert.execute(params![id, user, talk, start.timestamp()])?;
            }
        }
        let claimed = match claimed {
            Some(id) => Some(
                tx.prepare_cached(&format!("{} WHERE id = ?1", select()))?
                    .query_row([id], reminder)?,
            ),
            None => None,
        };
        tx.commit().context("claiming a DM reminder")?;
        Ok(claimed)
    }

    /// One claimed reminder.
    pub fn dm_reminder(&self, id: ClaimId<Reminders>) -> anyhow::Result<DmReminder> {
        self.conn()
            .prepare_cached(&format!("{} WHERE id = ?1", select()))?
            .query_row([id], reminder)
            .context("reading a DM reminder")
    }

    /// Every reminder of a user, oldest due first.
    pub fn dm_reminders(&self, user: UserId) -> anyhow::Result<Vec<DmReminder>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{} WHERE user_id = ?1 ORDER BY due_at, id",
            select()
        ))?;
        let rows = stmt.query_map([user], reminder)?;
        rows.collect::<Result<_, _>>()
            .context("reading DM reminders")
    }

    /// The talks of a reminder that are still in the program, in time order.
    pub fn dm_reminder_talks(
        &self,
        reminder: ClaimId<Reminders>,
    ) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.conn();
        scheduled_talks(
            &conn,
            "JOIN dm_reminder_talks r ON r.talk_id = t.id WHERE r.reminder = ?1
             ORDER BY t.starts_at, t.pk",
            [reminder],
        )
        .context("reading a reminder's talks")
    }

    /// The user's DM channel, if it was opened before.
    pub fn dm_channel(&self, user: UserId) -> anyhow::Result<Option<ChannelId>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT dm_channel_id FROM agenda_users WHERE user_id = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()
            .context("reading a DM channel")?
            .flatten())
    }

    /// Attendees to open a DM channel for ahead of need, at most `limit`, soonest coming
    /// talk first: a talk they bookmarked starts after `now`, their channel is not known and
    /// was not refused, and their reminders are neither paused nor refused.
    pub fn dm_channels_to_open(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> anyhow::Result<Vec<UserId>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT u.user_id FROM agenda_users u
             JOIN bookmarks b ON b.user_id = u.user_id
             JOIN talks t ON t.id = b.talk_id
             WHERE u.dm_channel_id IS NULL AND u.dm_channel_refused_at IS NULL
               AND u.paused = 0 AND u.dms_refused_at IS NULL AND t.starts_at > ?1
             GROUP BY u.user_id ORDER BY min(t.starts_at), u.user_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now.timestamp(), limit], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()
            .context("reading the DM channels to open")
    }

    /// Discord refused to open the user's DM channel ahead: not tried ahead again.
    pub fn dm_channel_refused(&self, user: UserId, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE agenda_users SET dm_channel_refused_at = ?2 WHERE user_id = ?1",
                params![user, now.timestamp()],
            )
            .context("recording a refused DM channel")?;
        Ok(())
    }

    /// Remembers (or with `None` forgets) the user's DM channel.
    pub fn set_dm_channel(&self, user: UserId, channel: Option<ChannelId>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE agenda_users SET dm_channel_id = ?2 WHERE user_id = ?1",
                params![user, channel],
            )
            .context("saving a DM channel")?;
        Ok(())
    }

    /// Discord refused to deliver a DM to the user (50007): no more reminders are tried until
    /// they open `/agenda`, and their next command tells them once.
    pub fn dms_refused(&self, user: UserId, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE agenda_users SET dms_refused_at = ?2, refusal_told = 0 WHERE user_id = ?1",
                params![user, now.timestamp()],
            )
            .context("recording refused DMs")?;
        Ok(())
    }

    /// Whether DMs to the user were refused.
    pub fn dms_refused_at(&self, user: UserId) -> anyhow::Result<Option<DateTime<Utc>>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT dms_refused_at FROM agenda_users WHERE user_id = ?1",
                [user],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()
            .context("reading refused DMs")?
            .flatten()
            .map(from_unix))
    }

    /// True the first time it is asked after DMs to the user were refused, and never again
    /// until they are refused anew: the user is told once.
    pub fn take_refusal_notice(&self, user: UserId) -> anyhow::Result<bool> {
        // Asked after every command: almost always "no", answered by a reader, so commands do
        // not queue on the one writing connection.
        let untold: bool = self
            .read()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM agenda_users
                 WHERE user_id = ?1 AND dms_refused_at IS NOT NULL AND refusal_told = 0)",
                [user],
                |r| r.get(0),
            )
            .context("reading refused DMs")?;
        if !untold {
            return Ok(false);
        }
        let told = self
            .conn()
            .execute(
                "UPDATE agenda_users SET refusal_told = 1
                 WHERE user_id = ?1 AND dms_refused_at IS NOT NULL AND refusal_told = 0",
                [user],
            )
            .context("telling about refused DMs")?;
        Ok(told > 0)
    }

    /// The user opened `/agenda`: try DMs again (their channel is opened afresh).
    pub fn clear_dms_refused(&self, user: UserId) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE agenda_users SET dms_refused_at = NULL, refusal_told = 1 WHERE user_id = ?1",
                [user],
            )
            .context("clearing refused DMs")?;
        Ok(())
    }

    /// A link target for a session: its open Q&A thread, else its latest announcement, in any
    /// guild (a DM belongs to no guild).
    pub fn session_link(
        &self,
        session_id: &str,
    ) -> anyhow::Result<Option<(GuildId, ChannelId, Option<MessageId>)>> {
        let conn = self.conn();
        let thread = conn
            .query_row(
                "SELECT guild_id, thread_id FROM qa_threads
                 WHERE session_id = ?1 AND talk_id IS NULL AND state = 'open' ORDER BY id DESC LIMIT 1",
                [session_id],
                |r| Ok((r.get(0)?, r.get(1)?, None)),
            )
            .optional()?;
        if thread.is_some() {
            return Ok(thread);
        }
        conn.query_row(
            "SELECT guild_id, channel_id, message_id FROM announcements
             WHERE session_id = ?1 AND state = 'sent' AND message_id IS NOT NULL
             ORDER BY due_at DESC, id DESC LIMIT 1",
            [session_id],
            |r| Ok((r.get(0)?, r.get(1)?, Some(r.get(2)?))),
        )
        .optional()
        .context("reading a session's link")
    }
}
