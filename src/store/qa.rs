//! Q&A in SQL: per-guild Q&A settings, the thread of each session or talk, its questions and
//! their votes. A thread deleted on Discord is kept as `gone` (its questions stay readable) and
//! no longer counts as live, so a new one can be opened.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::Store;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, SessionId, TalkId, UserId};

/// How a guild runs Q&A.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QaSettings {
    /// A role that moderates Q&A besides the Manage Threads permission.
    pub moderator_role: Option<RoleId>,
    /// Announcing a session opens its Q&A thread.
    pub auto_open: bool,
}

/// Where a Q&A thread is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QaState {
    Open,
    /// Closed by a moderator: summarised, archived and locked.
    Closed,
}

/// A live (not deleted) Q&A thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaThread {
    pub id: i64,
    pub guild_id: GuildId,
    pub session_id: SessionId,
    /// `None`: the whole session.
    pub talk_id: Option<TalkId>,
    /// The session's or talk's title when it was opened.
    pub title: String,
    /// The channel the thread is in.
    pub channel_id: ChannelId,
    pub thread_id: ChannelId,
    pub state: QaState,
}

/// How long a reservation to open a Q&A thread holds (creating one takes a second or two).
const OPENING_STALE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// A Q&A thread Discord has just opened, to record.
#[derive(Debug, Clone, Copy)]
pub struct OpenedThread<'a> {
    pub guild: GuildId,
    pub session_id: &'a SessionId,
    /// `None`: the whole session.
    pub talk_id: Option<&'a TalkId>,
    /// The session's or talk's title.
    pub title: &'a str,
    /// The channel the thread is in.
    pub channel: ChannelId,
    pub thread: ChannelId,
}

/// A question, with its votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    /// The `qa_threads` row it was asked in.
    pub thread: i64,
    pub talk_id: Option<TalkId>,
    pub author_id: UserId,
    pub text: String,
    pub message_id: Option<MessageId>,
    pub answered: bool,
    pub votes: u32,
}

const THREAD: &str = "SELECT id, guild_id, session_id, talk_id, title, channel_id, thread_id, state
    FROM qa_threads";

fn thread(r: &Row) -> rusqlite::Result<QaThread> {
    Ok(QaThread {
        id: r.get(0)?,
        guild_id: r.get(1)?,
        session_id: r.get(2)?,
        talk_id: r.get(3)?,
        title: r.get(4)?,
        channel_id: r.get(5)?,
        thread_id: r.get(6)?,
        state: if r.get::<_, String>(7)? == "closed" {
            QaState::Closed
        } else {
            QaState::Open
        },
    })
}

const QUESTION: &str = "SELECT q.id, q.thread, q.talk_id, q.author_id, q.text, q.message_id,
        q.answered_at IS NOT NULL, (SELECT count(*) FROM qa_votes v WHERE v.question = q.id) AS votes
    FROM qa_questions q";

fn question(r: &Row) -> rusqlite::Result<Question> {
    Ok(Question {
        id: r.get(0)?,
        thread: r.get(1)?,
        talk_id: r.get(2)?,
        author_id: r.get(3)?,
        text: r.get(4)?,
        message_id: r.get(5)?,
        answered: r.get(6)?,
        votes: r.get(7)?,
    })
}

impl Store {
    /// A guild's Q&A settings (the defaults if it has none).
    pub fn qa_settings(&self, guild_id: GuildId) -> anyhow::Result<QaSettings> {
        let settings = self
            .conn()
            .query_row(
                "SELECT moderator_role, auto_open FROM qa_settings WHERE guild_id = ?1",
                [guild_id],
                |r| {
                    Ok(QaSettings {
                        moderator_role: r.get(0)?,
                        auto_open: r.get(1)?,
                    })
                },
            )
            .optional()
            .context("reading Q&A settings")?;
        Ok(settings.unwrap_or_default())
    }

    /// Sets or clears the role that moderates Q&A.
    pub fn set_qa_moderator_role(
        &self,
        guild_id: GuildId,
        role: Option<RoleId>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO qa_settings (guild_id, moderator_role) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET moderator_role = ?2",
                params![guild_id, role],
            )
            .context("setting the Q&A moderator role")?;
        Ok(())
    }

    /// Turns opening Q&A threads on announcement on or off.
    pub fn set_qa_auto_open(&self, guild_id: GuildId, auto_open: bool) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO qa_settings (guild_id, auto_open) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET auto_open = ?2",
                params![guild_id, auto_open],
            )
            .context("setting automatic Q&A")?;
        Ok(())
    }

    /// The live thread of a session (`talk_id` `None`) or of one of its talks.
    pub fn qa_thread_for(
        &self,
        guild_id: GuildId,
        session_id: &SessionId,
        talk_id: Option<&TalkId>,
    ) -> anyhow::Result<Option<QaThread>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{THREAD} WHERE guild_id = ?1 AND session_id = ?2 AND ifnull(talk_id, '') = ifnull(?3, '')
                 AND state != 'gone'"
        ))?;
        stmt.query_row(params![guild_id, session_id, talk_id], thread)
            .optional()
            .context("reading a Q&A thread")
    }

    /// The live Q&A thread with this Discord thread id.
    pub fn qa_thread_by_discord_id(
        &self,
        thread_id: ChannelId,
    ) -> anyhow::Result<Option<QaThread>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{THREAD} WHERE thread_id = ?1 AND state != 'gone'"
        ))?;
        stmt.query_row([thread_id], thread)
            .optional()
            .context("reading a Q&A thread")
    }

    /// A Q&A thread by row id, live or not.
    pub fn qa_thread(&self, id: i64) -> anyhow::Result<Option<QaThread>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{THREAD} WHERE id = ?1"))?;
        stmt.query_row([id], thread)
            .optional()
            .context("reading a Q&A thread")
    }

    /// Takes the right to open the Q&A thread of (guild, session, talk) on Discord: true for
    /// exactly one of any callers at once, until [`Self::qa_thread_opened`] records the thread
    /// or [`Self::release_qa_opening`] gives up. A reservation older than [`OPENING_STALE`]
    /// (its holder crashed) is taken over.
    pub fn reserve_qa_opening(
        &self,
        guild_id: GuildId,
        session_id: &SessionId,
        talk_id: Option<&TalkId>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let conn = self.conn();
        let talk_key = talk_id.map_or("", |t| t.as_str());
        let stale = (now - OPENING_STALE).timestamp();
        conn.execute(
            "DELETE FROM qa_openings WHERE guild_id = ?1 AND session_id = ?2 AND talk_key = ?3
                 AND reserved_at < ?4",
            params![guild_id, session_id, talk_key, stale],
        )
        .context("clearing a stale Q&A opening")?;
        let reserved = conn
            .execute(
                "INSERT OR IGNORE INTO qa_openings (guild_id, session_id, talk_key, reserved_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![guild_id, session_id, talk_key, now.timestamp()],
            )
            .context("reserving a Q&A opening")?;
        Ok(reserved == 1)
    }

    /// Gives up opening a Q&A thread (Discord refused it), so another may try.
    pub fn release_qa_opening(
        &self,
        guild_id: GuildId,
        session_id: &SessionId,
        talk_id: Option<&TalkId>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "DELETE FROM qa_openings WHERE guild_id = ?1 AND session_id = ?2 AND talk_key = ?3",
                params![guild_id, session_id, talk_id.map_or("", |t| t.as_str())],
            )
            .context("releasing a Q&A opening")?;
        Ok(())
    }

    /// Records a thread just opened on Discord, and releases its reservation; fails if its
    /// subject has a live thread.
    pub fn qa_thread_opened(
        &self,
        opened: &OpenedThread<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<QaThread> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("recording a Q&A thread")?;
        let recorded = record_thread(&tx, opened, now)?;
        tx.execute(
            "DELETE FROM qa_openings WHERE guild_id = ?1 AND session_id = ?2 AND talk_key = ?3",
            params![
                opened.guild,
                opened.session_id,
                opened.talk_id.map_or("", |t| t.as_str())
            ],
        )
        .context("releasing a Q&A opening")?;
        tx.commit().context("recording a Q&A thread")?;
        Ok(recorded)
    }

    /// A moderator closed the thread.
    pub fn qa_thread_closed(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE qa_threads SET state = 'closed', closed_at = ?2 WHERE id = ?1 AND state = 'open'",
                params![id, now.timestamp()],
            )
            .context("closing a Q&A thread")?;
        Ok(())
    }

    /// The Discord thread was deleted: forget it as live, so Q&A can be opened again. Returns
    /// whether it was a Q&A thread.
    pub fn qa_thread_gone(&self, thread_id: ChannelId) -> anyhow::Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE qa_threads SET state = 'gone' WHERE thread_id = ?1 AND state != 'gone'",
                [thread_id],
            )
            .context("forgetting a deleted Q&A thread")?;
        Ok(changed > 0)
    }

    /// Records a question (before it is posted, so its id can be in the vote button).
    pub fn ask_question(
        &self,
        thread: i64,
        talk_id: Option<&TalkId>,
        author_id: UserId,
        text: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        self.conn()
            .query_row(
                "INSERT INTO qa_questions (thread, talk_id, author_id, text, asked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![thread, talk_id, author_id, text, now.timestamp()],
                |r| r.get(0),
            )
            .context("recording a question")
    }

    /// The question was posted as `message_id`.
    pub fn question_posted(&self, id: i64, message_id: MessageId) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE qa_questions SET message_id = ?2 WHERE id = ?1",
                params![id, message_id],
            )
            .context("recording a question's message")?;
        Ok(())
    }

    /// Drops a question that could not be posted.
    pub fn forget_question(&self, id: i64) -> anyhow::Result<()> {
        self.conn()
            .execute("DELETE FROM qa_questions WHERE id = ?1", [id])
            .context("dropping a question")?;
        Ok(())
    }

    /// One question by id.
    pub fn question(&self, id: i64) -> anyhow::Result<Option<Question>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{QUESTION} WHERE q.id = ?1"))?;
        stmt.query_row([id], question)
            .optional()
            .context("reading a question")
    }

    /// Adds `user_id`'s vote, or takes it back if they had voted. Returns whether they now vote.
    pub fn toggle_vote(&self, question: i64, user_id: UserId) -> anyhow::Result<bool> {
        let conn = self.conn();
        let removed = conn
            .execute(
                "DELETE FROM qa_votes WHERE question = ?1 AND user_id = ?2",
                params![question, user_id],
            )
            .context("taking back a vote")?;
        if removed > 0 {
            return Ok(false);
        }
        conn.execute(
            "INSERT INTO qa_votes (question, user_id) VALUES (?1, ?2)",
            params![question, user_id],
        )
        .context("recording a vote")?;
        Ok(true)
    }

    /// Marks a question answered; false if it already was.
    pub fn mark_answered(&self, question: i64, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let changed = self
            .conn()
            .execute(
                "UPDATE qa_questions SET answered_at = ?2 WHERE id = ?1 AND answered_at IS NULL",
                params![question, now.timestamp()],
            )
            .context("marking a question answered")?;
        Ok(changed > 0)
    }

    /// The posted questions of a thread, most votes first (earlier asked first among equals);
    /// unanswered ones only unless `answered`.
    pub fn questions_by_votes(
        &self,
        thread: i64,
        answered: bool,
        limit: usize,
    ) -> anyhow::Result<Vec<Question>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{QUESTION} WHERE q.thread = ?1 AND q.message_id IS NOT NULL AND (?2 OR q.answered_at IS NULL)
             ORDER BY votes DESC, q.asked_at, q.id LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![thread, answered, limit as i64], question)?;
        rows.collect::<Result<_, _>>().context("reading questions")
    }

    /// How many questions a thread got, and how many were answered.
    pub fn question_counts(&self, thread: i64) -> anyhow::Result<(usize, usize)> {
        let (asked, answered): (i64, i64) = self
            .conn()
            .query_row(
                "SELECT count(*), count(answered_at) FROM qa_questions
                 WHERE thread = ?1 AND message_id IS NOT NULL",
                [thread],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context("counting questions")?;
        Ok((asked as usize, answered as usize))
    }
}

/// Inserts an opened thread's row (the unique index refuses a second live one).
fn record_thread(
    conn: &rusqlite::Connection,
    opened: &OpenedThread<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<QaThread> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO qa_threads (guild_id, session_id, talk_id, title, channel_id, thread_id, state, opened_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)
         RETURNING id, guild_id, session_id, talk_id, title, channel_id, thread_id, state",
    )?;
    stmt.query_row(
        params![
            opened.guild,
            opened.session_id,
            opened.talk_id,
            opened.title,
            opened.channel,
            opened.thread,
            now.timestamp()
        ],
        thread,
    )
    .context("recording a Q&A thread")
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    fn opened<'a>(
        guild: u64,
        session_id: &'a SessionId,
        talk_id: Option<&'a TalkId>,
        title: &'a str,
        channel: u64,
        thread: u64,
    ) -> OpenedThread<'a> {
        OpenedThread {
            guild: GuildId(guild),
            session_id,
            talk_id,
            title,
            channel: ChannelId(channel),
            thread: ChannelId(thread),
        }
    }

    /// The session and talk the tests' threads belong to.
    static SESSION: LazyLock<SessionId> = LazyLock::new(|| "s".into());
    static TALK: LazyLock<TalkId> = LazyLock::new(|| "t".into());

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn a_second_vote_takes_the_first_back_and_questions_sort_by_votes() {
        let store = Store::open_in_memory().unwrap();
        let thread = store
            .qa_thread_opened(&opened(1, &SESSION, None, "Session", 10, 100), at(0))
            .unwrap();
        let first = store
            .ask_question(thread.id, None, UserId(7), "first?", at(1))
            .unwrap();
        let second = store
            .ask_question(thread.id, None, UserId(8), "second?", at(2))
            .unwrap();
        let unposted = store
            .ask_question(thread.id, None, UserId(9), "lost?", at(3))
            .unwrap();
        store.question_posted(first, MessageId(1001)).unwrap();
        store.question_posted(second, MessageId(1002)).unwrap();
        assert!(store.toggle_vote(second, UserId(7)).unwrap());
        assert!(store.toggle_vote(second, UserId(8)).unwrap());
        assert!(store.toggle_vote(first, UserId(7)).unwrap());
        assert!(!store.toggle_vote(first, UserId(7)).unwrap(), "taken back");
        let top = store.questions_by_votes(thread.id, false, 10).unwrap();
        let order: Vec<(i64, u32)> = top.iter().map(|q| (q.id, q.votes)).collect();
        assert_eq!(
            order,
            [(second, 2), (first, 0)],
            "unposted questions are not listed"
        );
        assert!(store.mark_answered(second, at(5)).unwrap());
        assert!(!store.mark_answered(second, at(6)).unwrap());
        assert_eq!(store.question_counts(thread.id).unwrap(), (2, 1));
        assert_eq!(
            store
                .questions_by_votes(thread.id, false, 10)
                .unwrap()
                .len(),
            1
        );
        store.forget_question(unposted).unwrap();
        assert!(store.question(unposted).unwrap().is_none());
    }

    #[test]
    fn a_deleted_thread_frees_its_session_for_a_new_one() {
        let store = Store::open_in_memory().unwrap();
        store
            .qa_thread_opened(&opened(1, &SESSION, None, "Session", 10, 100), at(0))
            .unwrap();
        store
            .qa_thread_opened(&opened(1, &SESSION, Some(&TALK), "Talk", 10, 101), at(0))
            .unwrap();
        assert!(
            store
                .qa_thread_opened(&opened(1, &SESSION, None, "Session", 10, 102), at(0))
                .is_err(),
            "one live thread per session"
        );
        assert!(store.qa_thread_gone(ChannelId(100)).unwrap());
        assert!(!store.qa_thread_gone(ChannelId(100)).unwrap());
        assert!(store
            .qa_thread_for(GuildId(1), &"s".into(), None)
            .unwrap()
            .is_none());
        assert_eq!(
            store
                .qa_thread_for(GuildId(1), &"s".into(), Some(&"t".into()))
                .unwrap()
                .unwrap()
                .thread_id,
            ChannelId(101)
        );
        // A thread re-created from the same announcement has the same Discord id.
        let again = store
            .qa_thread_opened(&opened(1, &SESSION, None, "Session", 10, 100), at(9))
            .unwrap();
        assert_eq!(
            store.qa_thread_by_discord_id(ChannelId(100)).unwrap(),
            Some(again)
        );
    }
}
