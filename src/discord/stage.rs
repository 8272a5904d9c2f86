//! On stage now on Discord: the serenity implementation of [`StageBoard`] (a voice channel's
//! status, `PUT /channels/{id}/voice-status`, and a live stage's topic, each through the bot's
//! one pacer), and what the gateway tells about the channels. serenity's cache keeps each
//! voice channel's `status` (GUILD_CREATE, VOICE_CHANNEL_STATUS_UPDATE), but not the live
//! stages, which [`LiveStages`] follows from GUILD_CREATE and the STAGE_INSTANCE_* events.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use poise::serenity_prelude as serenity;
use serde_json::json;
use serenity::{Cache, ChannelId, FullEvent, GuildId, Http, StageInstance};

use super::poster::{error_code, post_error, SerenityPoster};
use super::Data;
use crate::domain::ports::{PostError, Shown, StageBoard};
use crate::ids;

/// Discord's "Unknown Stage Instance": the stage ended meanwhile.
const UNKNOWN_STAGE: isize = 10067;

/// The live stages of the guilds the gateway has sent, with their topics.
#[derive(Debug, Default)]
pub struct LiveStages {
    inner: Mutex<Stages>,
}

#[derive(Debug, Default)]
struct Stages {
    /// Guilds whose stages are known (GUILD_CREATE came).
    known: HashSet<GuildId>,
    topics: HashMap<ChannelId, String>,
}

impl LiveStages {
    fn lock(&self) -> MutexGuard<'_, Stages> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live(&self, stage: &StageInstance) {
        self.lock()
            .topics
            .insert(stage.channel_id, stage.topic.clone());
    }

    /// Follows the gateway: a guild's stages as it (re)joins, stages going live, changing and
    /// ending.
    pub fn on_event(&self, event: &FullEvent) {
        match event {
            FullEvent::GuildCreate { guild, .. } => {
                let mut stages = self.lock();
                stages.known.insert(guild.id);
                let channels: HashSet<ChannelId> = guild.channels.keys().copied().collect();
                stages
                    .topics
                    .retain(|channel, _| !channels.contains(channel));
                for stage in &guild.stage_instances {
                    stages.topics.insert(stage.channel_id, stage.topic.clone());
                }
            }
            FullEvent::StageInstanceCreate { stage_instance }
            | FullEvent::StageInstanceUpdate { stage_instance } => self.live(stage_instance),
            FullEvent::StageInstanceDelete { stage_instance } => {
                self.lock().topics.remove(&stage_instance.channel_id);
            }
            _ => {}
        }
    }
}

/// The gateway's news about stages, for [`LiveStages`].
pub fn on_event(event: &FullEvent, data: &Data) {
    data.live_stages().on_event(event);
}

pub struct SerenityStage {
    http: Arc<Http>,
    cache: Arc<Cache>,
    poster: Arc<SerenityPoster>,
    stages: Arc<LiveStages>,
}

impl SerenityStage {
    pub fn new(
        http: Arc<Http>,
        cache: Arc<Cache>,
        poster: Arc<SerenityPoster>,
        stages: Arc<LiveStages>,
    ) -> SerenityStage {
        SerenityStage {
            http,
            cache,
            poster,
            stages,
        }
    }
}

impl StageBoard for SerenityStage {
    fn shown(&self, guild: ids::GuildId, channel: ids::ChannelId, stage: bool) -> Shown {
        let (guild, channel) = (GuildId::from(guild), ChannelId::from(channel));
        if stage {
            let stages = self.stages.lock();
            return match (stages.known.contains(&guild), stages.topics.get(&channel)) {
                (false, _) => Shown::Unknown,
                (true, Some(topic)) => Shown::Text(Some(topic.clone())),
                (true, None) => Shown::NotLive,
            };
        }
        let shown = self
            .cache
            .guild(guild)
            .and_then(|g| g.channels.get(&channel).map(|c| c.status.clone()));
        match shown {
            // Discord writes no status as null or as an empty string.
            Some(status) => Shown::Text(status.filter(|s| !s.is_empty())),
            None => Shown::Unknown,
        }
    }

    async fn set_voice_status(
        &self,
        channel: ids::ChannelId,
        status: Option<&str>,
    ) -> Result<(), PostError> {
        let body = json!({ "status": status });
        self.poster
            .paced(
                None,
                self.http
                    .edit_voice_status(ChannelId::from(channel), &body, None),
            )
            .await
            .map_err(|error| post_error(&error))
    }

    async fn set_stage_topic(&self, channel: ids::ChannelId, topic: &str) -> Result<(), PostError> {
        let body = json!({ "topic": topic });
        let edited = self
            .poster
            .paced(
                None,
                self.http
                    .edit_stage_instance(ChannelId::from(channel), &body, None),
            )
            .await;
        match edited {
            Ok(stage) => {
                self.stages.live(&stage);
                Ok(())
            }
            // Not a broken channel: the stage ended, and the next one gets the text.
            Err(error) if error_code(&error) == Some(UNKNOWN_STAGE) => {
                self.stages.lock().topics.remove(&ChannelId::from(channel));
                Err(PostError::Transient("the stage is not live".into()))
            }
            Err(error) => Err(post_error(&error)),
        }
    }
}
