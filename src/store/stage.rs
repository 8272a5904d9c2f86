//! On stage now: the rooms whose voice or stage channel shows what is on (every room routed
//! to one, `event_rooms`), and what confbot last set there (`room_statuses`).

use anyhow::Context;
use rusqlite::params;

use super::Store;
use crate::ids::{ChannelId, GuildId};

/// A room (or track) held in a voice or stage channel, and what confbot last set as that
/// channel's status (or its stage's topic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRoom {
    pub guild_id: GuildId,
    pub name: String,
    pub channel_id: ChannelId,
    pub stage: bool,
    pub last_set: Option<String>,
}

impl Store {
    /// Every room held in a voice or stage channel, in every guild, by guild and name.
    pub fn stage_rooms(&self) -> anyhow::Result<Vec<StageRoom>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT r.guild_id, r.name, r.channel_id, r.stage, s.status FROM event_rooms r
               LEFT JOIN room_statuses s ON s.guild_id = r.guild_id AND s.channel_id = r.channel_id
             ORDER BY r.guild_id, r.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StageRoom {
                guild_id: r.get(0)?,
                name: r.get(1)?,
                channel_id: r.get(2)?,
                stage: r.get(3)?,
                last_set: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_, _>>()
            .context("reading the rooms on stage")
    }

    /// Records what confbot set as `channel`'s status (`None`: nothing of confbot's is there).
    pub fn record_room_status(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        status: Option<&str>,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        match status {
            Some(status) => conn.execute(
                "INSERT INTO room_statuses (guild_id, channel_id, status) VALUES (?1, ?2, ?3)
                 ON CONFLICT (guild_id, channel_id) DO UPDATE SET status = ?3",
                params![guild_id, channel_id, status],
            ),
            None => conn.execute(
                "DELETE FROM room_statuses WHERE guild_id = ?1 AND channel_id = ?2",
                params![guild_id, channel_id],
            ),
        }
        .context("recording a room's status")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_remembers_what_confbot_set_in_its_channel_until_it_is_forgotten() {
        let store = Store::open_in_memory().unwrap();
        store
            .set_event_room(GuildId(1), "Hall A", ChannelId(7), false)
            .unwrap();
        let last = |store: &Store| store.stage_rooms().unwrap()[0].last_set.clone();
        assert_eq!(last(&store), None);
        store
            .record_room_status(GuildId(1), ChannelId(7), Some("On stage: Keynote"))
            .unwrap();
        assert_eq!(last(&store).as_deref(), Some("On stage: Keynote"));
        store
            .record_room_status(GuildId(1), ChannelId(7), None)
            .unwrap();
        assert_eq!(last(&store), None);
    }
}
