//! On stage now: on every tick, each room held in a voice or stage channel shows what runs
//! there at `now` (`domain::stage`): the voice channel's status, or the live stage's topic.
//! Only what changed is sent (one request at a time, through the bot's pacing), so a restart,
//! a gateway resume or a reload that moves talks sets each text once. A channel Discord
//! refuses for good (a missing permission, a deleted channel) is marked broken in its health,
//! logged once and left alone until an admin sets the room's channel again.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::ports::{record_outcome, StageBoard};
use crate::domain::stage::{limit, says, step, Step};
use crate::store::{StageRoom, Store};

/// What one tick did to the rooms' statuses and topics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StageReport {
    pub set: usize,
    pub cleared: usize,
    pub failed: usize,
}

/// Brings every room's voice status or stage topic in line with the program at `now`.
pub async fn tick(
    store: &Store,
    board: &impl StageBoard,
    now: DateTime<Utc>,
) -> anyhow::Result<StageReport> {
    let mut report = StageReport::default();
    let rooms = store.stage_rooms()?;
    let Some(conference) = store.conference()?.filter(|_| !rooms.is_empty()) else {
        return Ok(report);
    };
    let running = store.sessions_running_at(now)?;
    let mut done = HashSet::new();
    for room in &rooms {
        // Several rooms may share a channel: it shows the first of them that has a session.
        if !done.insert((room.guild_id, room.channel_id))
            || store.channel_broken(room.guild_id, room.channel_id)?
        {
            continue;
        }
        let sharing = rooms
            .iter()
            .filter(|r| (r.guild_id, r.channel_id) == (room.guild_id, room.channel_id));
        let session = sharing
            .flat_map(|r| {
                running.iter().filter(|s| {
                    s.place()
                        .is_some_and(|place| place.eq_ignore_ascii_case(&r.name))
                })
            })
            .next();
        let wanted = match session {
            Some(session) => Some(says(
                store,
                session,
                now,
                conference.time_zone,
                limit(room.stage),
            )?),
            None => None,
        };
        let shown = board.shown(room.guild_id, room.channel_id, room.stage);
        match step(
            wanted.as_deref(),
            &shown,
            room.last_set.as_deref(),
            room.stage,
        ) {
            Step::Leave => {}
            Step::Record(text) => {
                store.record_room_status(room.guild_id, room.channel_id, text.as_deref())?
            }
            Step::Send(text) => match send(store, board, room, text.as_deref(), now).await? {
                true if text.is_some() => report.set += 1,
                true => report.cleared += 1,
                false => report.failed += 1,
            },
        }
    }
    Ok(report)
}

/// Sends `text` (`None`: clears the status) and records the outcome; whether Discord took it.
async fn send(
    store: &Store,
    board: &impl StageBoard,
    room: &StageRoom,
    text: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sent = match (text, room.stage) {
        (Some(topic), true) => board.set_stage_topic(room.channel_id, topic).await,
        (status, _) => board.set_voice_status(room.channel_id, status).await,
    };
    let outcome = sent.as_ref().map(drop);
    let newly_broken = record_outcome(store, room.guild_id, room.channel_id, outcome, now)?;
    match sent {
        Ok(()) => {
            store.record_room_status(room.guild_id, room.channel_id, text)?;
            Ok(true)
        }
        Err(error) => {
            if newly_broken {
                tracing::warn!(guild = %room.guild_id, channel = %room.channel_id, error = error.reason(), "cannot show what is on stage in a room's channel; left alone until an admin sets it again");
            } else {
                tracing::debug!(channel = %room.channel_id, error = error.reason(), "a room's status was not set");
            }
            Ok(false)
        }
    }
}
