//! On stage now on Discord: the serenity implementation of [`StageBoard`] (a voice channel's
//! status, `PUT /channels/{id}/voice-status`, and a live stage's topic, each through the bot's
//! one pacer), and what the gateway tells about the channels. serenity's cache keeps each
//! voice channel's `status` (GUILD_CREATE, VOICE_CHANNEL_STATUS_UPDATE), but not the live
//! stages, which [`GatewayView`] follows from GUILD_CREATE and the STAGE_INSTANCE_* events,
//! with whether the gateway is connected and has sent the guild (else the view may be old).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use poise::serenity_prelude as serenity;
use serde_json::json;
use serenity::{Cache, ChannelId, ConnectionStage, FullEvent, GuildId, Http, StageInstance};

use super::poster::{error_code, post_error, SerenityPoster, Slot};
use super::Data;
use crate::domain::ports::{PostError, Shown, StageBoard};
use crate::ids;

/// Discord's "Unknown Stage Instance": the stage ended meanwhile.
const UNKNOWN_STAGE: isize = 10067;

/// What the gateway has told about rooms' channels beyond serenity's cache: the live stages
/// and their topics, which guilds it has sent since the session began, and whether it is
/// connected. While it is not (a resume replays what was missed), or before a guild came,
/// what the cache says may be old, so nothing is decided there ([`Shown::Unknown`]): a status
/// an organiser set meanwhile is not cleared on the strength of an old view.
#[derive(Debug, Default)]
pub struct GatewayView {
    inner: Mutex<View>,
}

#[derive(Debug, Default)]
struct View {
    connected: bool,
    /// Guilds sent (GUILD_CREATE) in this gateway session.
    known: HashSet<GuildId>,
    topics: HashMap<ChannelId, String>,
}

impl View {
    /// Whether what the gateway told of `guild` is current.
    fn current(&self, guild: GuildId) -> bool {
        self.connected && self.known.contains(&guild)
    }
}

impl GatewayView {
    fn lock(&self) -> MutexGuard<'_, View> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live(&self, stage: &StageInstance) {
        self.lock()
            .topics
            .insert(stage.channel_id, stage.topic.clone());
    }

    /// Follows the gateway: the connection, each guild's stages as it (re)joins, stages going
    /// live, changing and ending.
    pub fn on_event(&self, event: &FullEvent) {
        match event {
            FullEvent::ShardStageUpdate { event } => {
                self.lock().connected = event.new == ConnectionStage::Connected;
            }
            // A new session: every guild comes again, and until then is not known.
            FullEvent::Ready { .. } => {
                let mut view = self.lock();
                view.connected = true;
                view.known.clear();
            }
            // What was missed has been replayed.
            FullEvent::Resume { .. } => self.lock().connected = true,
            FullEvent::GuildCreate { guild, .. } => {
                let mut view = self.lock();
                view.connected = true;
                view.known.insert(guild.id);
                let channels: HashSet<ChannelId> = guild.channels.keys().copied().collect();
                view.topics.retain(|channel, _| !channels.contains(channel));
                for stage in &guild.stage_instances {
                    view.topics.insert(stage.channel_id, stage.topic.clone());
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

/// The gateway's news about the connection and stages, for [`GatewayView`].
pub fn on_event(event: &FullEvent, data: &Data) {
    data.gateway_view().on_event(event);
}

pub struct SerenityStage {
    http: Arc<Http>,
    cache: Arc<Cache>,
    poster: Arc<SerenityPoster>,
    stages: Arc<GatewayView>,
}

impl SerenityStage {
    pub fn new(
        http: Arc<Http>,
        cache: Arc<Cache>,
        poster: Arc<SerenityPoster>,
        stages: Arc<GatewayView>,
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
        let view = self.stages.lock();
        if !view.current(guild) {
            return Shown::Unknown;
        }
        if stage {
            return match view.topics.get(&channel) {
                Some(topic) => Shown::Text(Some(topic.clone())),
                None => Shown::NotLive,
            };
        }
        drop(view);
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
                Slot::Due,
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
                Slot::Due,
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
