//! What the audience thinks of each talk: ratings (one per person per talk) and comments, and
//! per talk what organisers export. Keyed to the user only for the one-rating rule and for
//! `/forget-me` (`forget_user` in `agenda.rs`); nothing read here names a user.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::Store;
use crate::ids::UserId;

/// A rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub const MAX: u8 = 5;

    /// `None` outside 1 to 5.
    pub fn new(stars: u8) -> Option<Rating> {
        (1..=Rating::MAX).contains(&stars).then_some(Rating(stars))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// The longest comment, in characters (Discord's modal text field allows as much).
pub const COMMENT_CHARS: usize = 1000;

/// A talk's feedback, without who gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct TalkFeedback {
    pub talk_id: String,
    /// The talk's title, if it is still in the program.
    pub title: Option<String>,
    pub ratings: u32,
    /// The mean rating, if there is any.
    pub average: Option<f64>,
    /// In the order they were written.
    pub comments: Vec<String>,
}

impl Store {
    /// Records `user`'s rating of `talk_id`, replacing their earlier one.
    pub fn rate(
        &self,
        user: UserId,
        talk_id: &str,
        rating: Rating,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO feedback_ratings (user_id, talk_id, rating, rated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, talk_id)
                 DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at",
                params![user, talk_id, rating.get(), now.timestamp()],
            )
            .context("recording a rating")?;
        Ok(())
    }

    /// Records a comment on `talk_id` as written; one longer than [`COMMENT_CHARS`] or blank
    /// is an error (the modal allows neither).
    pub fn comment(
        &self,
        user: UserId,
        talk_id: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let length = body.chars().count();
        anyhow::ensure!(
            !body.trim().is_empty() && length <= COMMENT_CHARS,
            "a comment of {length} characters (1 to {COMMENT_CHARS})"
        );
        self.conn()
            .execute(
                "INSERT INTO feedback_comments (user_id, talk_id, body, written_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![user, talk_id, body, now.timestamp()],
            )
            .context("recording a comment")?;
        Ok(())
    }

    /// Every talk with a rating or a comment, in program order (talks no longer in the program
    /// last, by id), with its count, average and comments.
    pub fn feedback(&self) -> anyhow::Result<Vec<TalkFeedback>> {
        let conn = self.read();
        let mut talks = conn.prepare_cached(
            "WITH rated AS (SELECT talk_id FROM feedback_ratings
                            UNION SELECT talk_id FROM feedback_comments)
             SELECT rated.talk_id, t.title,
                    (SELECT count(*) FROM feedback_ratings r WHERE r.talk_id = rated.talk_id),
                    (SELECT avg(rating) FROM feedback_ratings r WHERE r.talk_id = rated.talk_id)
             FROM rated LEFT JOIN talks t ON t.id = rated.talk_id
             ORDER BY t.starts_at IS NULL, t.starts_at, rated.talk_id",
        )?;
        let mut comments = conn
            .prepare_cached("SELECT body FROM feedback_comments WHERE talk_id = ?1 ORDER BY id")?;
        let rows = talks
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<Vec<(String, Option<String>, u32, Option<f64>)>, _>>()?;
        rows.into_iter()
            .map(|(talk_id, title, ratings, average)| {
                let comments = comments
                    .query_map([&talk_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok(TalkFeedback {
                    talk_id,
                    title,
                    ratings,
                    average,
                    comments,
                })
            })
            .collect::<anyhow::Result<_>>()
            .context("reading the feedback")
    }
}
