//! Posts into rooms' places, the outbox kind (`outbox.rs`) `RoomPosts`: a recording a reload
//! added, told once in the talk's (or its session's) open Q&A thread; and a talk told in its
//! room's chat as it starts ("now on stage"). Keyed by (guild, kind, talk, what): the link for a
//! recording, the start for a talk on stage, so a moved talk is told again at its new time.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{params, Transaction};

use super::outbox::{self, ClaimId, Delivery, DeliveryState, NewClaim, RoomPosts};
use super::{from_unix, ScheduledTalk, Store};
use crate::ids::{ChannelId, GuildId, Nonce, TalkId};
use crate::program::{Link, ProgramDiff};

/// What a room post tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomPostKind {
    /// A talk's recording, now published.
    Recording(Link),
    /// A talk on stage now, starting at this instant.
    Now(DateTime<Utc>),
}

impl RoomPostKind {
    fn columns(&self) -> (&'static str, String) {
        match self {
            RoomPostKind::Recording(link) => ("recording", link.to_string()),
            RoomPostKind::Now(start) => ("now", start.timestamp().to_string()),
        }
    }
}

/// A claimed room post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPost {
    pub delivery: Delivery<RoomPosts>,
    pub guild_id: GuildId,
    pub talk_id: TalkId,
    pub kind: RoomPostKind,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

/// A post to claim: about which talk, into which channel, of which guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoomPost {
    pub guild_id: GuildId,
    pub talk_id: TalkId,
    pub kind: RoomPostKind,
    pub channel_id: ChannelId,
}

/// A published recording with an open Q&A thread to tell it in, not yet told in that guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingToTell {
    pub guild_id: GuildId,
    pub talk_id: TalkId,
    pub recording: Link,
    pub thread_id: ChannelId,
}

/// Records, in the import's transaction, each recording the new program publishes.
pub(super) fn record_published(tx: &Transaction, diff: &ProgramDiff) -> anyhow::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO published_recordings (talk_id, recording) VALUES (?1, ?2)",
    )?;
    for change in &diff.changes {
        if let Some(recording) = change.recording_published() {
            insert.execute(params![change.id, recording.as_str()])?;
        }
    }
    Ok(())
}

impl Store {
    /// Recordings to tell: published, still the talk's (and it not do-not-record), with an
    /// open Q&A thread of the talk (first) or of its session, not told there yet.
    pub fn recordings_to_tell(&self) -> anyhow::Result<Vec<RecordingToTell>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT q.guild_id, p.talk_id, p.recording, q.thread_id
             FROM published_recordings p
             JOIN talks t ON t.id = p.talk_id AND t.recording = p.recording AND t.do_not_record = 0
             JOIN sessions s ON s.pk = t.session
             JOIN qa_threads q ON q.session_id = s.id AND q.state = 'open'
                 AND (q.talk_id = t.id OR q.talk_id IS NULL)
             WHERE NOT EXISTS (SELECT 1 FROM room_posts r WHERE r.guild_id = q.guild_id
                 AND r.kind = 'recording' AND r.talk_id = p.talk_id AND r.what = p.recording)
             ORDER BY q.guild_id, p.talk_id, q.talk_id IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, String>(1)?,
                super::link_at(r, 2)?,
                r.get(3)?,
            ))
        })?;
        let mut told: Vec<RecordingToTell> = Vec::new();
        for row in rows {
            let (guild_id, talk_id, recording, thread_id) = row?;
            let Some(recording) = recording else { continue };
            let talk_id: TalkId = talk_id.into();
            // One thread per guild and talk: the talk's own, else its session's.
            if !told
                .iter()
                .any(|t| t.guild_id == guild_id && t.talk_id == talk_id)
            {
                told.push(RecordingToTell {
                    guild_id,
                    talk_id,
                    recording,
                    thread_id,
                });
            }
        }
        Ok(told)
    }

    /// Claims `new`; `None` if it was claimed before.
    pub fn claim_room_post(
        &self,
        new: &NewRoomPost,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<RoomPost>> {
        let NewRoomPost {
            guild_id: guild,
            talk_id: talk,
            kind,
            channel_id: channel,
        } = new;
        let (kind_name, what) = kind.columns();
        let nonce = Nonce::of(&format!(
            "room-post\u{1f}{guild}\u{1f}{kind_name}\u{1f}{talk}\u{1f}{what}"
        ));
        let talk_text = talk.to_string();
        let conn = self.conn();
        let claimed = outbox::claim::<RoomPosts>(
            &conn,
            &NewClaim {
                columns: &[
                    ("guild_id", &guild),
                    ("kind", &kind_name),
                    ("talk_id", &talk_text),
                    ("what", &what),
                    ("channel_id", &channel),
                    ("nonce", &nonce),
                ],
                state: DeliveryState::Claimed,
                reason: None,
            },
            now,
        )?;
        drop(conn);
        claimed.map(|id| self.room_post(id)).transpose()
    }

    /// Talks starting from `from` to `to` (inclusive), soonest first.
    pub fn talks_starting_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<ScheduledTalk>> {
        let conn = self.read();
        super::talks::scheduled_talks(
            &conn,
            "WHERE t.starts_at BETWEEN ?1 AND ?2 ORDER BY t.starts_at, t.pk",
            params![from.timestamp(), to.timestamp()],
        )
        .context("reading the talks starting in a span")
    }

    /// One claimed room post.
    pub fn room_post(&self, id: ClaimId<RoomPosts>) -> anyhow::Result<RoomPost> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {}, guild_id, kind, talk_id, what, channel_id, nonce FROM room_posts WHERE id = ?1",
                outbox::columns("")
            ))?
            .query_row([id], |r| {
                let (kind, what): (String, String) = (r.get(7)?, r.get(9)?);
                let bad = |why: String| {
                    rusqlite::Error::FromSqlConversionFailure(9, Type::Text, why.into())
                };
                let kind = match kind.as_str() {
                    "recording" => RoomPostKind::Recording(
                        Link::parse(&what).map_err(|e| bad(e.to_string()))?,
                    ),
                    _ => RoomPostKind::Now(from_unix(
                        what.parse()
                            .map_err(|_| bad(format!("`{what}` is no instant")))?,
                    )),
                };
                Ok(RoomPost {
                    delivery: outbox::delivery(r, 0)?,
                    guild_id: r.get(6)?,
                    kind,
                    talk_id: r.get::<_, String>(8)?.into(),
                    channel_id: r.get(10)?,
                    nonce: r.get(11)?,
                })
            })
            .context("reading a room post")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Program;
    use crate::testing::bundled;

    /// The bundled program with `recording` on talk `talk` (do-not-record if `secret`).
    fn with_recording(talk: usize, recording: &str, secret: bool) -> Program {
        let program = bundled();
        let mut sessions = program.sessions().to_vec();
        let links = &mut sessions[0].talks[talk].links;
        links.recording = Some(Link::parse(recording).unwrap());
        links.do_not_record = secret;
        Program::new(program.conference().clone(), sessions).unwrap()
    }

    fn published(store: &Store) -> Vec<(String, String)> {
        let conn = store.read();
        let mut stmt = conn
            .prepare("SELECT talk_id, recording FROM published_recordings ORDER BY 1, 2")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn only_a_recording_a_reload_adds_is_published_and_never_a_do_not_record_one() {
        let store = Store::open_in_memory().unwrap();
        store
            .replace_program(&with_recording(0, "https://media.example.org/v/0", false))
            .unwrap();
        assert!(published(&store).is_empty(), "a first import tells nothing");
        store
            .replace_program(&with_recording(1, "https://media.example.org/v/1", true))
            .unwrap();
        assert!(published(&store).is_empty(), "do-not-record");
        let program = with_recording(2, "https://media.example.org/v/2", false);
        store.replace_program(&program).unwrap();
        let talk = program.sessions()[0].talks[2].id.to_string();
        assert_eq!(
            published(&store),
            [(talk, "https://media.example.org/v/2".to_string())]
        );
        assert!(
            store.recordings_to_tell().unwrap().is_empty(),
            "no Q&A thread"
        );
    }
}
