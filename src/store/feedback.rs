//! Feedback in SQL: one rating per person and talk, comments kept as written, the "How was
//! it?" prompts as an outbox kind (`outbox.rs`), and the counts organisers read (`/feedback
//! summary`, `/stats`, `confbot export feedback`). A rating is keyed to its user only so that
//! a second click replaces the first; nothing here returns who rated or wrote what.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::outbox::{self, ClaimId, Delivery, DeliveryState, FeedbackPrompts, NewClaim};
use super::{from_unix, Store};
use crate::ids::{ChannelId, GuildId, Nonce, SessionId, TalkId, UserId};

/// A rating of a talk: 1 (poor) to 5 (excellent), and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    /// `stars` as a rating, if it is 1 to 5.
    pub fn new(stars: u8) -> Option<Rating> {
        (1..=5).contains(&stars).then_some(Rating(stars))
    }

    /// Every rating, lowest first.
    pub fn all() -> impl Iterator<Item = Rating> {
        (1..=5).map(Rating)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl std::fmt::Display for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the audience made of one talk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TalkFeedback {
    pub talk_id: TalkId,
    /// The talk's title, or `None` if a reload removed the talk.
    pub title: Option<String>,
    /// How many people gave 1, 2, 3, 4 and 5.
    pub distribution: [u32; 5],
    /// The comments, oldest first, without their authors.
    pub comments: Vec<String>,
}

impl TalkFeedback {
    pub fn ratings(&self) -> u32 {
        self.distribution.iter().sum()
    }

    /// The mean rating, if anyone rated.
    pub fn average(&self) -> Option<f64> {
        let n = self.ratings();
        let sum: u32 = (1..=5).zip(self.distribution).map(|(r, n)| r * n).sum();
        (n > 0).then(|| f64::from(sum) / f64::from(n))
    }
}

/// A talk that ended, with the Q&A thread its prompt goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedTalk {
    pub talk_id: TalkId,
    pub ends_at: DateTime<Utc>,
    pub guild_id: GuildId,
    /// The talk's own open thread, else its session's.
    pub thread_id: ChannelId,
}

/// A claimed prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackPrompt {
    pub delivery: Delivery<FeedbackPrompts>,
    pub guild_id: GuildId,
    pub talk_id: TalkId,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

/// A Q&A thread by how many questions it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyThread {
    pub title: String,
    pub questions: u32,
    pub votes: u32,
}

/// An upcoming talk by how many have it in their agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmarked {
    pub talk_id: TalkId,
    pub title: String,
    pub session_id: SessionId,
    pub room: Option<String>,
    pub track: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub bookmarks: u32,
}

impl Store {
    /// Sets `user`'s rating of a talk (1 to 5), replacing theirs; true if it is their first.
    pub fn rate_talk(
        &self,
        user: UserId,
        talk: &TalkId,
        rating: Rating,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existed: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM feedback_ratings WHERE talk_id = ?1 AND user_id = ?2)",
            params![talk, user],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO feedback_ratings (talk_id, user_id, rating, rated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (talk_id, user_id) DO UPDATE SET rating = ?3, rated_at = ?4",
            params![talk, user, rating.get(), now.timestamp()],
        )?;
        tx.commit().context("storing a rating")?;
        Ok(!existed)
    }

    /// Stores a comment as written (the caller checked its length).
    pub fn add_comment(
        &self,
        user: UserId,
        talk: &TalkId,
        comment: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO feedback_comments (talk_id, user_id, comment, written_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![talk, user, comment, now.timestamp()],
            )
            .context("storing a comment")?;
        Ok(())
    }

    /// The feedback on one talk.
    pub fn talk_feedback(&self, talk: &TalkId) -> anyhow::Result<TalkFeedback> {
        Ok(self
            .feedback_where("WHERE f.talk_id = ?1", [talk])?
            .pop()
            .unwrap_or_else(|| TalkFeedback {
                talk_id: talk.clone(),
                title: self.talk_title(talk).ok().flatten(),
                ..TalkFeedback::default()
            }))
    }

    /// The feedback on every talk that has some, the most rated first.
    pub fn all_feedback(&self) -> anyhow::Result<Vec<TalkFeedback>> {
        let mut all = self.feedback_where("", [])?;
        all.sort_by(|a, b| {
            b.ratings()
                .cmp(&a.ratings())
                .then_with(|| a.talk_id.cmp(&b.talk_id))
        });
        Ok(all)
    }

    fn feedback_where<P: rusqlite::Params + Clone>(
        &self,
        filter: &str,
        params: P,
    ) -> anyhow::Result<Vec<TalkFeedback>> {
        let conn = self.conn();
        let mut found: Vec<TalkFeedback> = Vec::new();
        let entry = |found: &mut Vec<TalkFeedback>, talk: TalkId, title: Option<String>| match found
            .iter()
            .position(|f| f.talk_id == talk)
        {
            Some(i) => i,
            None => {
                found.push(TalkFeedback {
                    talk_id: talk,
                    title,
                    ..TalkFeedback::default()
                });
                found.len() - 1
            }
        };
        let mut ratings = conn.prepare_cached(&format!(
            "SELECT f.talk_id, t.title, f.rating, count(*) FROM feedback_ratings f
             LEFT JOIN talks t ON t.id = f.talk_id {filter}
             GROUP BY f.talk_id, f.rating ORDER BY f.talk_id"
        ))?;
        let rows = ratings.query_map(params.clone(), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?;
        for row in rows {
            let (talk, title, rating, count) = row?;
            let i = entry(&mut found, talk, title);
            found[i].distribution[usize::from(rating - 1)] = count;
        }
        let mut comments = conn.prepare_cached(&format!(
            "SELECT f.talk_id, t.title, f.comment FROM feedback_comments f
             LEFT JOIN talks t ON t.id = f.talk_id {filter} ORDER BY f.talk_id, f.id"
        ))?;
        let rows = comments.query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (talk, title, comment) = row?;
            let i = entry(&mut found, talk, title);
            found[i].comments.push(comment);
        }
        Ok(found)
    }

    fn talk_title(&self, talk: &TalkId) -> anyhow::Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn()
            .query_row("SELECT title FROM talks WHERE id = ?1", [talk], |r| {
                r.get(0)
            })
            .optional()
            .context("reading a talk's title")
    }

    /// Talks that ended in `(from, to]` and have an open Q&A thread (their own, else their
    /// session's) in some guild: where their prompts go.
    pub fn talks_ended(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<EndedTalk>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.id, t.ends_at, q.guild_id,
                 coalesce(
                     (SELECT o.thread_id FROM qa_threads o WHERE o.guild_id = q.guild_id
                        AND o.session_id = s.id AND o.talk_id = t.id AND o.state = 'open'),
                     max(CASE WHEN q.talk_id IS NULL THEN q.thread_id END))
             FROM talks t JOIN sessions s ON s.pk = t.session
             JOIN qa_threads q ON q.session_id = s.id AND q.state = 'open'
                 AND (q.talk_id IS NULL OR q.talk_id = t.id)
             WHERE t.ends_at > ?1 AND t.ends_at <= ?2
             GROUP BY t.id, q.guild_id ORDER BY t.ends_at, t.id, q.guild_id",
        )?;
        let rows = stmt.query_map(params![from.timestamp(), to.timestamp()], |r| {
            Ok(EndedTalk {
                talk_id: r.get(0)?,
                ends_at: from_unix(r.get(1)?),
                guild_id: r.get(2)?,
                thread_id: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading the talks that ended")
    }

    /// Claims the prompt of a talk that ended into a thread; `None` if it was claimed before.
    pub fn claim_feedback_prompt(
        &self,
        ended: &EndedTalk,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<FeedbackPrompt>> {
        let ends_at = ended.ends_at.timestamp();
        let nonce = Nonce::of(&format!(
            "feedback\u{1f}{}\u{1f}{ends_at}\u{1f}{}",
            ended.talk_id, ended.thread_id
        ));
        let conn = self.conn();
        let claimed = outbox::claim::<FeedbackPrompts>(
            &conn,
            &NewClaim {
                columns: &[
                    ("guild_id", &ended.guild_id),
                    ("talk_id", &ended.talk_id),
                    ("talk_ends_at", &ends_at),
                    ("channel_id", &ended.thread_id),
                    ("nonce", &nonce),
                ],
                state: DeliveryState::Claimed,
                reason: None,
            },
            now,
        )?;
        drop(conn);
        claimed.map(|id| self.feedback_prompt(id)).transpose()
    }

    /// One claimed prompt.
    pub fn feedback_prompt(&self, id: ClaimId<FeedbackPrompts>) -> anyhow::Result<FeedbackPrompt> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {}, guild_id, talk_id, channel_id, nonce FROM feedback_prompts WHERE id = ?1",
                outbox::columns("")
            ))?
            .query_row([id], |r| {
                Ok(FeedbackPrompt {
                    delivery: outbox::delivery(r, 0)?,
                    guild_id: r.get(6)?,
                    talk_id: r.get(7)?,
                    channel_id: r.get(8)?,
                    nonce: r.get(9)?,
                })
            })
            .context("reading a feedback prompt")
    }

    /// The upcoming talks (starting after `now`) most bookmarked, most first.
    pub fn most_bookmarked(&self, now: DateTime<Utc>, n: usize) -> anyhow::Result<Vec<Bookmarked>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.id, t.title, s.id, s.room, s.track, t.starts_at, count(*) AS n
             FROM bookmarks b JOIN talks t ON t.id = b.talk_id JOIN sessions s ON s.pk = t.session
             WHERE t.starts_at > ?1 GROUP BY t.pk ORDER BY n DESC, t.starts_at, t.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now.timestamp(), n], |r| {
            Ok(Bookmarked {
                talk_id: r.get(0)?,
                title: r.get(1)?,
                session_id: r.get(2)?,
                room: r.get(3)?,
                track: r.get(4)?,
                starts_at: from_unix(r.get(5)?),
                bookmarks: r.get(6)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading the most bookmarked talks")
    }

    /// `guild`'s Q&A threads with the most questions, most first.
    pub fn busiest_threads(&self, guild: GuildId, n: usize) -> anyhow::Result<Vec<BusyThread>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT q.title, count(DISTINCT x.id),
                 (SELECT count(*) FROM qa_votes v JOIN qa_questions y ON y.id = v.question
                  WHERE y.thread = q.id)
             FROM qa_threads q JOIN qa_questions x ON x.thread = q.id
             WHERE q.guild_id = ?2
             GROUP BY q.id ORDER BY 2 DESC, q.id LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![n, guild], |r| {
            Ok(BusyThread {
                title: r.get(0)?,
                questions: r.get(1)?,
                votes: r.get(2)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading the busiest Q&A threads")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use crate::testing::rating;

    #[test]
    fn the_busiest_threads_are_a_guilds_own_most_asked_first() {
        let program = testing::bundled();
        let session = &program.sessions()[0].slot;
        let store = testing::store_of(&program);
        let now = testing::pdt(6, 0);
        let thread = |guild, talk: &crate::program::Talk, questions: usize| {
            let opened = crate::store::OpenedThread {
                guild: GuildId(guild),
                session_id: &session.id,
                talk_id: Some(&talk.id),
                title: &talk.title,
                channel: ChannelId(5),
                thread: ChannelId(guild * 100 + questions as u64),
            };
            let id = store.qa_thread_opened(&opened, now).unwrap().id;
            for q in 0..questions {
                store
                    .ask_question(id, None, UserId(q as u64), "Why?", now)
                    .unwrap();
            }
        };
        let talks = &program.sessions()[0].talks;
        thread(1, &talks[0], 1);
        thread(1, &talks[1], 3);
        thread(2, &talks[2], 5);
        let busiest = |guild| -> Vec<(String, u32)> {
            store
                .busiest_threads(GuildId(guild), 10)
                .unwrap()
                .into_iter()
                .map(|t| (t.title, t.questions))
                .collect()
        };
        assert_eq!(
            busiest(1),
            [(talks[1].title.clone(), 3), (talks[0].title.clone(), 1)]
        );
        assert_eq!(busiest(2), [(talks[2].title.clone(), 5)]);
        assert!(busiest(3).is_empty());
    }

    #[test]
    fn one_rating_per_person_a_second_changes_it_and_forgetting_a_user_removes_both() {
        let store = testing::store();
        let now = testing::pdt(12, 0);
        let talk = testing::bundled().sessions()[0].talks[0].id.clone();
        assert!(store.rate_talk(UserId(1), &talk, rating(4), now).unwrap());
        assert!(!store.rate_talk(UserId(1), &talk, rating(2), now).unwrap());
        assert!(store.rate_talk(UserId(2), &talk, rating(5), now).unwrap());
        store
            .add_comment(UserId(2), &talk, "Great, thanks", now)
            .unwrap();
        let feedback = store.talk_feedback(&talk).unwrap();
        assert_eq!(feedback.distribution, [0, 1, 0, 0, 1]);
        assert_eq!(feedback.average(), Some(3.5));
        assert_eq!(feedback.comments, ["Great, thanks"]);
        assert!(feedback.title.is_some());
        assert!(Rating::new(6).is_none() && Rating::new(0).is_none());

        let forgotten = store.forget_user(UserId(2)).unwrap();
        assert_eq!((forgotten.ratings, forgotten.comments), (1, 1));
        let feedback = store.talk_feedback(&talk).unwrap();
        assert_eq!(feedback.distribution, [0, 1, 0, 0, 0]);
        assert!(feedback.comments.is_empty());
    }
}
