//! Rooms as places: each guild's own settings for a room (or track) of the program from
//! `/setup room` (a stream that overrides the program's, and "now on stage" posts), and the
//! program's own room streams. A room's voice place is its `event_rooms` row (`mirror.rs`),
//! its chat place its announcement route (`settings.rs`): those stay where they were.

use anyhow::Context;
use rusqlite::params;

use super::mirror::EventRoom;
use super::{link_at, Store};
use crate::ids::{ChannelId, GuildId};
use crate::program::{Link, RoomFacts};

/// A guild's own settings for one room, as `/setup room` left them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSetting {
    pub name: String,
    /// Overrides the program's stream for this room.
    pub stream: Option<Link>,
    pub now_posts: bool,
    /// How many people it holds, if an admin said.
    pub capacity: Option<u32>,
}

/// What `/setup room` changes for one room; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomChange {
    pub stream: Option<Link>,
    /// The voice or stage channel, and whether it is a stage.
    pub voice: Option<(ChannelId, bool)>,
    pub chat: Option<ChannelId>,
    pub now_posts: Option<bool>,
    pub capacity: Option<u32>,
}

impl Store {
    /// Applies `change` to `name`'s settings in one transaction.
    pub fn change_room(
        &self,
        guild_id: GuildId,
        name: &str,
        change: &RoomChange,
    ) -> anyhow::Result<()> {
        if let Some((channel, stage)) = change.voice {
            self.set_event_room(guild_id, name, channel, stage)?;
        }
        if let Some(chat) = change.chat {
            self.set_route(guild_id, name, Some(chat))?;
        }
        self.conn()
            .execute(
                "INSERT INTO room_places (guild_id, name, stream, now_posts, capacity)
                 VALUES (?1, ?2, ?3, coalesce(?4, 0), ?5)
                 ON CONFLICT (guild_id, name) DO UPDATE SET
                     stream = coalesce(?3, stream), now_posts = coalesce(?4, now_posts),
                     capacity = coalesce(?5, capacity)",
                params![
                    guild_id,
                    name,
                    change.stream.as_ref().map(Link::as_str),
                    change.now_posts,
                    change.capacity
                ],
            )
            .context("changing a room's settings")?;
        Ok(())
    }

    /// Forgets every setting of `name` in this guild: its stream, voice, chat route and posts.
    pub fn clear_room(&self, guild_id: GuildId, name: &str) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for table in ["room_places", "event_rooms", "announce_routes"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE guild_id = ?1 AND name = ?2 COLLATE NOCASE"),
                params![guild_id, name],
            )?;
        }
        tx.commit().context("clearing a room's settings")
    }

    /// The guild's own settings of every room, by name.
    pub fn room_settings(&self, guild_id: GuildId) -> anyhow::Result<Vec<RoomSetting>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT name, stream, now_posts, capacity FROM room_places WHERE guild_id = ?1
             ORDER BY name",
        )?;
        let rows = stmt.query_map([guild_id], |r| {
            Ok(RoomSetting {
                name: r.get(0)?,
                stream: link_at(r, 1)?,
                now_posts: r.get(2)?,
                capacity: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading room settings")
    }

    /// What the program says of each room: where to watch it, how many it seats.
    pub fn program_rooms(&self) -> anyhow::Result<Vec<(String, RoomFacts)>> {
        read_program_rooms(&self.read()).context("reading the program's rooms")
    }

    /// Everything a guild set for its rooms, read at once: settings, voice channels, routes.
    pub fn room_places(&self, guild_id: GuildId) -> anyhow::Result<RoomPlaces> {
        Ok(RoomPlaces {
            settings: self.room_settings(guild_id)?,
            voices: self.event_rooms(guild_id)?,
            chats: self.guild_settings(guild_id)?.routes,
        })
    }
}

/// A guild's rooms' places, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomPlaces {
    pub settings: Vec<RoomSetting>,
    pub voices: Vec<EventRoom>,
    /// Announcement routes: a room's is its chat.
    pub chats: Vec<(String, ChannelId)>,
}

/// What the program says of each room, by name (also read back with the whole program).
pub(super) fn read_program_rooms(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<Vec<(String, RoomFacts)>> {
    let mut stmt =
        conn.prepare_cached("SELECT name, stream, capacity FROM program_rooms ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        let facts = RoomFacts {
            stream: link_at(r, 1)?,
            capacity: r.get(2)?,
        };
        Ok((r.get(0)?, facts))
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_clear_forgets_everything() {
        let store = Store::open_in_memory().unwrap();
        let guild = GuildId(1);
        let stream = Link::parse("https://youtu.be/hall-a").unwrap();
        let change = RoomChange {
            stream: Some(stream.clone()),
            voice: Some((ChannelId(7), true)),
            chat: Some(ChannelId(8)),
            now_posts: None,
            capacity: Some(300),
        };
        store.change_room(guild, "Hall A", &change).unwrap();
        let posts = RoomChange {
            now_posts: Some(true),
            ..RoomChange::default()
        };
        store.change_room(guild, "hall a", &posts).unwrap();
        let places = store.room_places(guild).unwrap();
        assert_eq!(
            places.settings,
            [RoomSetting {
                name: "Hall A".into(),
                stream: Some(stream),
                now_posts: true,
                capacity: Some(300),
            }]
        );
        assert_eq!(places.voices[0].channel_id, ChannelId(7));
        assert_eq!(places.chats, [("Hall A".to_string(), ChannelId(8))]);
        store.clear_room(guild, "HALL A").unwrap();
        assert_eq!(store.room_places(guild).unwrap(), RoomPlaces::default());
    }
}
