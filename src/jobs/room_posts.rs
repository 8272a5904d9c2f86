//! Posts into rooms' places, each exactly once through the outbox (`RoomPosts`):
//!
//! - a recording that a reload or the live source added to a talk (not do-not-record) is told
//!   in the talk's (or its session's) open Q&A thread;
//! - in a room with now-posts on (`/setup room now-posts:true`), each talk is told in the
//!   room's chat as it starts ("now on stage"): its speakers, its way in and its Q&A thread if
//!   one is open. Late and grace as for announcements: up to `grace` after the start (saying it
//!   is late after a minute), never after.
//!
//! Run by the announcement tick after its announcements, so a room post never holds one up.

use chrono::{DateTime, Utc};

use super::delivery::{Report, LATE_AFTER};
use super::Tick;
use crate::domain::format::people;
use crate::domain::ports::{Outgoing, Poster};
use crate::domain::rooms::Rooms;
use crate::ids::ChannelId;
use crate::program::Link;
use crate::reply::{truncate, Reply, Text};
use crate::store::outbox::GiveUp;
use crate::store::{NewRoomPost, QaState, RoomPost, RoomPostKind, ScheduledTalk, Store};
use crate::text;

impl<P: Poster> Tick<'_, P> {
    /// Resumes the room posts left unsettled, then claims and posts the new ones.
    pub(super) async fn room_posts(&self) -> anyhow::Result<Report> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        for id in store.claims_to_retry(now)? {
            self.post_room_post(store.room_post(id)?, &mut report)
                .await?;
        }
        let mut new: Vec<NewRoomPost> = store
            .recordings_to_tell()?
            .into_iter()
            .map(|told| NewRoomPost {
                guild_id: told.guild_id,
                talk_id: told.talk_id,
                kind: RoomPostKind::Recording(told.recording),
                channel_id: told.thread_id,
            })
            .collect();
        new.extend(self.now_on_stage()?);
        for post in new {
            if let Some(claimed) = store.claim_room_post(&post, now)? {
                self.post_room_post(claimed, &mut report).await?;
            }
        }
        Ok(report)
    }

    /// The talks started within the grace period, in the chats of rooms with now-posts on.
    fn now_on_stage(&self) -> anyhow::Result<Vec<NewRoomPost>> {
        let (store, now) = (self.store, self.now);
        let mut posts = Vec::new();
        let mut talks: Option<Vec<ScheduledTalk>> = None;
        for guild in store.announcing_guilds()? {
            let rooms = Rooms::of(store, Some(guild.guild_id))?;
            if !rooms.any_now_posts() {
                continue;
            }
            let started = match &talks {
                Some(talks) => talks,
                None => talks.insert(store.talks_starting_between(now - self.rules.grace, now)?),
            };
            for row in started {
                if let Some(chat) = rooms.now_posts_chat(&row.session) {
                    posts.push(NewRoomPost {
                        guild_id: guild.guild_id,
                        talk_id: row.talk.id.clone(),
                        kind: RoomPostKind::Now(row.talk.start),
                        channel_id: chat,
                    });
                }
            }
        }
        Ok(posts)
    }

    async fn post_room_post(&self, post: RoomPost, report: &mut Report) -> anyhow::Result<()> {
        let Some(row) = self.store.talk(&post.talk_id)? else {
            return self.give_up(
                &post.delivery,
                GiveUp::Failed,
                "the talk is no longer in the program",
                report,
            );
        };
        let (message, late) = match &post.kind {
            RoomPostKind::Recording(recording) => {
                // Checked again as it is sent: a reload may have marked it do-not-record.
                if row.talk.links.published_recording() != Some(recording) {
                    return self.give_up(
                        &post.delivery,
                        GiveUp::Failed,
                        "the recording is no longer the talk's, or it is do-not-record",
                        report,
                    );
                }
                (recording_told(&row, recording), false)
            }
            RoomPostKind::Now(start) => {
                if row.talk.start != *start || self.now > *start + self.rules.grace {
                    return self.give_up(
                        &post.delivery,
                        GiveUp::Missed,
                        "the talk moved, or its grace period ended before it could be posted",
                        report,
                    );
                }
                let late = self.now - *start > LATE_AFTER;
                (on_stage(self.store, &post, &row, self.now)?, late)
            }
        };
        let (content, embed) = message;
        let outgoing = Outgoing {
            guild_id: post.guild_id,
            channel_id: post.channel_id,
            nonce: post.nonce.clone(),
            content,
            embed: embed.fitted(),
            mention_role: None,
        };
        self.post_claimed(&post.delivery, &outgoing, late, report)
            .await?;
        Ok(())
    }
}

/// A recording told in a Q&A thread.
fn recording_told(row: &ScheduledTalk, recording: &Link) -> (Text, Reply) {
    let talk = &row.talk;
    let content = text![
        "🎬 The recording of **",
        Text::program(truncate(&talk.title, 200)),
        "** is out: ",
        Text::link(recording.as_str())
    ];
    let embed = Reply::new(Text::program(&talk.title))
        .description(people(&talk.speakers))
        .link("Watch the recording", recording.as_str());
    (content, embed)
}

/// A talk on stage now, told in its room's chat: speakers, way in, its open Q&A thread.
fn on_stage(
    store: &Store,
    post: &RoomPost,
    row: &ScheduledTalk,
    now: DateTime<Utc>,
) -> anyhow::Result<(Text, Reply)> {
    let (talk, session) = (&row.talk, &row.session);
    let place = session.place().unwrap_or_default();
    let content = text![
        "🎤 On stage now in **",
        Text::program(truncate(place, 100)),
        "**: **",
        Text::program(truncate(&talk.title, 200)),
        "**"
    ];
    let way_in = Rooms::of(store, Some(post.guild_id))?.way_in(session, Some(talk), now);
    let mut lines = vec![text!["By ", people(&talk.speakers)]];
    lines.extend(way_in.line());
    if let Some(thread) = open_thread(store, post, row)? {
        lines.push(text!["Q&A: ", Text::channel(thread)]);
    }
    let mut embed = Reply::new(Text::program(&talk.title)).description(Text::join(lines, "\n"));
    if let Some(stream) = &way_in.stream {
        embed = embed.link("Watch", stream.as_str());
    }
    Ok((content, embed))
}

/// The talk's open Q&A thread, else its session's.
fn open_thread(
    store: &Store,
    post: &RoomPost,
    row: &ScheduledTalk,
) -> anyhow::Result<Option<ChannelId>> {
    for talk in [Some(&row.talk.id), None] {
        if let Some(thread) = store.qa_thread_for(post.guild_id, &row.session.id, talk)? {
            if thread.state == QaState::Open {
                return Ok(Some(thread.thread_id));
            }
        }
    }
    Ok(None)
}
