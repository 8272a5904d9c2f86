//! Per-guild announcement settings (channel, routes, ping role) and the health of each
//! channel confbot posts into.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::from_unix;
use super::Store;
use crate::ids::{ChannelId, GuildId, RoleId};

/// Where and how a guild wants its announcements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildSettings {
    pub guild_id: GuildId,
    pub announce_channel: Option<ChannelId>,
    pub ping_role: Option<RoleId>,
    /// Track or room names and their channels, by name.
    pub routes: Vec<(String, ChannelId)>,
}

impl GuildSettings {
    /// The channel for a session: its track's route, else its room's, else the default.
    pub fn channel_for(&self, track: Option<&str>, room: Option<&str>) -> Option<ChannelId> {
        let route = |name: Option<&str>| {
            let name = name?;
            self.routes
                .iter()
                .find(|(route, _)| route.eq_ignore_ascii_case(name))
                .map(|(_, channel)| *channel)
        };
        route(track)
            .or_else(|| route(room))
            .or(self.announce_channel)
    }

    /// Every channel announcements may go to, the default first.
    pub fn channels(&self) -> Vec<ChannelId> {
        let mut channels: Vec<ChannelId> = self.announce_channel.into_iter().collect();
        for (_, channel) in &self.routes {
            if !channels.contains(channel) {
                channels.push(*channel);
            }
        }
        channels
    }
}

/// How posting into one channel has gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelHealth {
    pub channel_id: ChannelId,
    pub last_post_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// A permanent error: nothing is posted here until an admin sets the channel again.
    pub broken: bool,
}

impl Store {
    /// Every guild that has somewhere to announce.
    pub fn announcing_guilds(&self) -> anyhow::Result<Vec<GuildSettings>> {
        let ids: Vec<GuildId> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT guild_id FROM guild_settings WHERE announce_channel IS NOT NULL
                 UNION SELECT guild_id FROM announce_routes ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()
                .context("reading announcing guilds")?
        };
        ids.into_iter().map(|id| self.guild_settings(id)).collect()
    }

    /// Every guild confbot is set up to do something in: announce, mirror events, or hold
    /// rooms' events (what `confbot doctor` checks).
    pub fn configured_guilds(&self) -> anyhow::Result<Vec<GuildId>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT guild_id FROM guild_settings WHERE announce_channel IS NOT NULL
             UNION SELECT guild_id FROM announce_routes
             UNION SELECT guild_id FROM event_mirrors WHERE enabled
             UNION SELECT guild_id FROM event_rooms ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()
            .context("reading configured guilds")
    }

    /// A guild's settings (empty if it has none).
    pub fn guild_settings(&self, guild_id: GuildId) -> anyhow::Result<GuildSettings> {
        let conn = self.conn();
        let (announce_channel, ping_role) = conn
            .query_row(
                "SELECT announce_channel, ping_role FROM guild_settings WHERE guild_id = ?1",
                [guild_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("reading guild settings")?
            .unwrap_or_default();
        let mut stmt = conn.prepare_cached(
            "SELECT name, channel_id FROM announce_routes WHERE guild_id = ?1 ORDER BY name",
        )?;
        let routes = stmt
            .query_map([guild_id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()
            .context("reading announcement routes")?;
        Ok(GuildSettings {
            guild_id,
            announce_channel,
            ping_role,
            routes,
        })
    }

    /// Sets the default announcements channel (and gives it a fresh start if it was broken).
    pub fn set_announce_channel(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO guild_settings (guild_id, announce_channel) VALUES (?1, ?2)
             ON CONFLICT (guild_id) DO UPDATE SET announce_channel = ?2",
            params![guild_id, channel_id],
        )
        .context("setting the announcements channel")?;
        clear_broken(&conn, guild_id, channel_id)
    }

    /// Sets the default channel only if the guild has none: how `CONFBOT_ANNOUNCE_CHANNEL_ID`
    /// seeds it without overriding an admin's choice. Returns whether it was set.
    pub fn seed_announce_channel(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
    ) -> anyhow::Result<bool> {
        let changed = self
            .conn()
            .execute(
                "INSERT INTO guild_settings (guild_id, announce_channel) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET announce_channel = ?2 WHERE announce_channel IS NULL",
                params![guild_id, channel_id],
            )
            .context("seeding the announcements channel")?;
        Ok(changed == 1)
    }

    /// Routes a track or room to a channel, or removes its route (`None`).
    pub fn set_route(
        &self,
        guild_id: GuildId,
        name: &str,
        channel_id: Option<ChannelId>,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        match channel_id {
            Some(channel_id) => {
                conn.execute(
                    "INSERT INTO announce_routes (guild_id, name, channel_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT (guild_id, name) DO UPDATE SET channel_id = ?3",
                    params![guild_id, name, channel_id],
                )
                .context("setting a route")?;
                clear_broken(&conn, guild_id, channel_id)
            }
            None => {
                conn.execute(
                    "DELETE FROM announce_routes WHERE guild_id = ?1 AND name = ?2",
                    params![guild_id, name],
                )
                .context("removing a route")?;
                Ok(())
            }
        }
    }

    /// Sets or clears the role mentioned in announcements.
    pub fn set_ping_role(&self, guild_id: GuildId, role_id: Option<RoleId>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO guild_settings (guild_id, ping_role) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET ping_role = ?2",
                params![guild_id, role_id],
            )
            .context("setting the ping role")?;
        Ok(())
    }

    /// The health of every channel of a guild that confbot has posted into or tried to.
    pub fn channel_health(&self, guild_id: GuildId) -> anyhow::Result<Vec<ChannelHealth>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT channel_id, last_post_at, last_error, last_error_at, broken FROM channel_health
             WHERE guild_id = ?1 ORDER BY channel_id",
        )?;
        let rows = stmt.query_map([guild_id], |r| {
            Ok(ChannelHealth {
                channel_id: r.get(0)?,
                last_post_at: r.get::<_, Option<i64>>(1)?.map(from_unix),
                last_error: r.get(2)?,
                last_error_at: r.get::<_, Option<i64>>(3)?.map(from_unix),
                broken: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading channel health")
    }

    /// Records a successful post into a channel.
    pub fn record_post(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "INSERT INTO channel_health (guild_id, channel_id, last_post_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (guild_id, channel_id) DO UPDATE SET last_post_at = ?3, broken = 0",
                params![guild_id, channel_id, at.timestamp()],
            )
            .context("recording a post")?;
        Ok(())
    }

    /// Records a failed post; `permanent` marks the channel broken. Returns whether the channel
    /// has just become broken (so the caller logs it once, not on every announcement).
    pub fn record_post_error(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        error: &str,
        permanent: bool,
        at: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let conn = self.conn();
        let was_broken = is_broken(&conn, guild_id, channel_id)?;
        conn.execute(
            "INSERT INTO channel_health (guild_id, channel_id, last_error, last_error_at, broken)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (guild_id, channel_id) DO UPDATE SET last_error = ?3, last_error_at = ?4,
                 broken = max(broken, ?5)",
            params![guild_id, channel_id, error, at.timestamp(), permanent],
        )
        .context("recording a post error")?;
        Ok(permanent && !was_broken)
    }

    /// Whether a channel is broken (a permanent error since an admin last set it).
    pub fn channel_broken(&self, guild_id: GuildId, channel_id: ChannelId) -> anyhow::Result<bool> {
        is_broken(&self.conn(), guild_id, channel_id)
    }
}

fn is_broken(
    conn: &rusqlite::Connection,
    guild_id: GuildId,
    channel_id: ChannelId,
) -> anyhow::Result<bool> {
    let broken = conn
        .query_row(
            "SELECT broken FROM channel_health WHERE guild_id = ?1 AND channel_id = ?2",
            params![guild_id, channel_id],
            |r| r.get::<_, bool>(0),
        )
        .optional()
        .context("reading channel health")?;
    Ok(broken.unwrap_or(false))
}

pub(super) fn clear_broken(
    conn: &rusqlite::Connection,
    guild_id: GuildId,
    channel_id: ChannelId,
) -> anyhow::Result<()> {
    conn.execute(
        "UPDATE channel_health SET broken = 0 WHERE guild_id = ?1 AND channel_id = ?2",
        params![guild_id, channel_id],
    )
    .context("clearing a channel's error")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_pick_track_then_room_then_default() {
        let settings = GuildSettings {
            guild_id: GuildId(1),
            announce_channel: Some(ChannelId(10)),
            ping_role: None,
            routes: vec![
                ("Posters".into(), ChannelId(20)),
                ("Hall A".into(), ChannelId(30)),
            ],
        };
        assert_eq!(
            settings.channel_for(Some("posters"), Some("Hall A")),
            Some(ChannelId(20))
        );
        assert_eq!(
            settings.channel_for(Some("Orals"), Some("hall a")),
            Some(ChannelId(30))
        );
        assert_eq!(settings.channel_for(None, None), Some(ChannelId(10)));
        assert_eq!(
            settings.channels(),
            [ChannelId(10), ChannelId(20), ChannelId(30)]
        );
    }

    #[test]
    fn settings_are_kept_and_seeding_never_overrides_an_admin() {
        let store = Store::open_in_memory().unwrap();
        assert!(store
            .seed_announce_channel(GuildId(1), ChannelId(10))
            .unwrap());
        store
            .set_announce_channel(GuildId(1), ChannelId(11))
            .unwrap();
        assert!(!store
            .seed_announce_channel(GuildId(1), ChannelId(10))
            .unwrap());
        store
            .set_route(GuildId(1), "Posters", Some(ChannelId(20)))
            .unwrap();
        store
            .set_route(GuildId(1), "posters", Some(ChannelId(21)))
            .unwrap();
        store.set_ping_role(GuildId(1), Some(RoleId(5))).unwrap();
        let settings = store.guild_settings(GuildId(1)).unwrap();
        assert_eq!(settings.announce_channel, Some(ChannelId(11)));
        assert_eq!(
            settings.routes,
            [("Posters".to_string(), ChannelId(21))],
            "route names ignore case"
        );
        assert_eq!(settings.ping_role, Some(RoleId(5)));
        store.set_ping_role(GuildId(1), None).unwrap();
        store.set_route(GuildId(1), "POSTERS", None).unwrap();
        let settings = store.guild_settings(GuildId(1)).unwrap();
        assert_eq!((settings.ping_role, settings.routes.len()), (None, 0));
        assert_eq!(store.announcing_guilds().unwrap().len(), 1);
    }

    #[test]
    fn a_permanent_error_breaks_a_channel_once_until_it_is_set_again() {
        let store = Store::open_in_memory().unwrap();
        let at = DateTime::from_timestamp(1_620_150_000, 0).unwrap();
        assert!(!store
            .record_post_error(GuildId(1), ChannelId(10), "HTTP 500", false, at)
            .unwrap());
        assert!(
            store
                .record_post_error(GuildId(1), ChannelId(10), "Missing Access", true, at)
                .unwrap(),
            "newly broken"
        );
        assert!(
            !store
                .record_post_error(GuildId(1), ChannelId(10), "Missing Access", true, at)
                .unwrap(),
            "already broken"
        );
        assert!(store.channel_broken(GuildId(1), ChannelId(10)).unwrap());
        store
            .set_announce_channel(GuildId(1), ChannelId(10))
            .unwrap();
        assert!(!store.channel_broken(GuildId(1), ChannelId(10)).unwrap());
        let health = store.channel_health(GuildId(1)).unwrap();
        assert_eq!(health[0].last_error.as_deref(), Some("Missing Access"));
    }
}
