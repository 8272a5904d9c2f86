//! Rooms as places, and the one "way in" decision: for a session (or one of its talks) at
//! `now`, where to watch it, its voice or stage channel, and its recording. A room's places
//! in a guild are the server's own stream (`/setup room stream:`, over the program's), its
//! voice or stage channel and its chat (its announcement route); a place is looked up by the
//! session's room, then its track, as the program names them. How many a room seats (for
//! `/stats`) is decided here too: the server's capacity, else the program's.

use std::collections::hash_map::{Entry, HashMap};

use chrono::{DateTime, Utc};

use crate::ids::{ChannelId, GuildId};
use crate::program::{Link, RoomFacts, SessionSlot, Talk};
use crate::reply::Text;
use crate::store::{RoomPlaces, RoomSetting, ScheduledTalk, Store};
use crate::text;

/// How an attendee gets into a session or talk at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WayIn {
    /// Where to watch it live: only while it runs or is to come.
    pub stream: Option<Link>,
    /// Its room's voice or stage channel: only while it runs or is to come.
    pub voice: Option<ChannelId>,
    /// Its recording, once the program has one; never for a do-not-record talk.
    pub recording: Option<Link>,
}

impl WayIn {
    pub fn is_empty(&self) -> bool {
        self.stream.is_none() && self.voice.is_none() && self.recording.is_none()
    }

    /// One line for replies: "Watch: <link> · Join: #room · Recording: <link>".
    pub fn line(&self) -> Option<Text> {
        let mut parts = Vec::new();
        if let Some(stream) = &self.stream {
            parts.push(text!["Watch: ", Text::link(stream.as_str())]);
        }
        if let Some(voice) = self.voice {
            parts.push(text!["Join: ", Text::channel(voice)]);
        }
        if let Some(recording) = &self.recording {
            parts.push(text!["Recording: ", Text::link(recording.as_str())]);
        }
        (!parts.is_empty()).then(|| Text::join(parts, " · "))
    }
}

/// The program's room streams and, in a guild, its rooms' places: read once, asked per session.
#[derive(Debug, Clone, Default)]
pub struct Rooms {
    program: Vec<(String, RoomFacts)>,
    guild: RoomPlaces,
}

impl Rooms {
    /// The rooms as the program has them, and as `guild` set them (none: the program's only,
    /// as the terminal and DMs see them).
    pub fn of(store: &Store, guild: Option<GuildId>) -> anyhow::Result<Rooms> {
        Ok(Rooms {
            program: store.program_rooms()?,
            guild: guild
                .map(|g| store.room_places(g))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// The way into `session` (or its `talk`) at `now`. The stream: the server's for the room,
    /// else the talk's, else the session's, else the program's for the room. Live ways in only
    /// until it ends; the recording once the program has it, unless do-not-record.
    pub fn way_in(&self, session: &SessionSlot, talk: Option<&Talk>, now: DateTime<Utc>) -> WayIn {
        let end = talk.map_or(session.end, |t| t.end);
        let recording = talk.and_then(|t| t.links.published_recording()).cloned();
        if now >= end {
            return WayIn {
                recording,
                ..WayIn::default()
            };
        }
        let names: Vec<&str> = [session.room.as_deref(), session.track.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let named = |name: &String| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let servers = self
            .guild
            .settings
            .iter()
            .filter(|s| named(&s.name))
            .find_map(|s| s.stream.clone());
        let programs = || {
            self.program
                .iter()
                .filter(|(name, _)| named(name))
                .find_map(|(_, facts)| facts.stream.clone())
        };
        let stream = servers
            .or_else(|| talk.and_then(|t| t.links.stream.clone()))
            .or_else(|| session.stream.clone())
            .or_else(programs);
        let voice = self
            .guild
            .voices
            .iter()
            .find(|v| named(&v.name))
            .map(|v| v.channel_id);
        WayIn {
            stream,
            voice,
            recording,
        }
    }

    /// The stream of a room (by name): the server's, else the program's, and whether it is the
    /// server's.
    pub fn stream_of(&self, room: &str) -> Option<(&Link, bool)> {
        self.servers_else_programs(room, |s| s.stream.as_ref(), |p| p.stream.as_ref())
    }

    /// How many a room (by name) seats: the server's capacity, else the program's, and
    /// whether it is the server's.
    pub fn capacity_of(&self, room: &str) -> Option<(u32, bool)> {
        self.servers_else_programs(room, |s| s.capacity, |p| p.capacity)
    }

    /// What this server set for a room (by name), else what the program says, and whether it
    /// is the server's: the order of every room setting the program may also have.
    fn servers_else_programs<'a, T>(
        &'a self,
        room: &str,
        servers: impl Fn(&'a RoomSetting) -> Option<T>,
        programs: impl Fn(&'a RoomFacts) -> Option<T>,
    ) -> Option<(T, bool)> {
        let same = |name: &str| name.eq_ignore_ascii_case(room);
        let server = (self.guild.settings.iter())
            .filter(|s| same(&s.name))
            .find_map(&servers);
        match server {
            Some(value) => Some((value, true)),
            None => (self.program.iter())
                .filter(|(name, _)| same(name))
                .find_map(|(_, facts)| programs(facts))
                .map(|value| (value, false)),
        }
    }

    /// How many the room of a session in `room` (and `track`) seats: its room's capacity,
    /// else its track's.
    pub fn seats(&self, room: Option<&str>, track: Option<&str>) -> Option<u32> {
        [room, track]
            .into_iter()
            .flatten()
            .find_map(|name| self.capacity_of(name))
            .map(|(seats, _)| seats)
    }

    pub fn places(&self) -> &RoomPlaces {
        &self.guild
    }

    /// The chat a session's talks are posted into as they start: its room's (else its
    /// track's), when that room has now-posts on and a chat.
    pub fn now_posts_chat(&self, session: &SessionSlot) -> Option<ChannelId> {
        let names = [session.room.as_deref(), session.track.as_deref()];
        names.into_iter().flatten().find_map(|name| {
            let same = |other: &str| other.eq_ignore_ascii_case(name);
            let on = self
                .guild
                .settings
                .iter()
                .any(|s| same(&s.name) && s.now_posts);
            let chat = self.guild.chats.iter().find(|(n, _)| same(n));
            chat.filter(|_| on).map(|(_, channel)| *channel)
        })
    }

    /// Whether any room of the guild has now-posts on.
    pub fn any_now_posts(&self) -> bool {
        self.guild.settings.iter().any(|s| s.now_posts)
    }
}

/// Ways into talks for one person, outside any server (a DM, their agenda, their calendar
/// file): as the server each session was announced on set its rooms, each server's read once.
pub struct Personal<'s> {
    store: &'s Store,
    rooms: HashMap<Option<GuildId>, Rooms>,
}

impl<'s> Personal<'s> {
    pub fn new(store: &'s Store) -> Personal<'s> {
        Personal {
            store,
            rooms: HashMap::new(),
        }
    }

    pub fn way_in(&mut self, row: &ScheduledTalk, now: DateTime<Utc>) -> anyhow::Result<WayIn> {
        let guild = self
            .store
            .session_link(&row.session.id)?
            .map(|(guild, _, _)| guild);
        let rooms = match self.rooms.entry(guild) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert(Rooms::of(self.store, guild)?),
        };
        Ok(rooms.way_in(&row.session, Some(&row.talk), now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Links;
    use crate::store::RoomChange;
    use crate::testing::bundled;

    fn link(text: &str) -> Link {
        Link::parse(text).unwrap()
    }

    fn rooms() -> Rooms {
        Rooms {
            program: vec![(
                "Hall A".into(),
                RoomFacts {
                    stream: Some(link("https://program.example.org/hall-a")),
                    capacity: Some(300),
                },
            )],
            guild: RoomPlaces::default(),
        }
    }

    #[test]
    fn a_rooms_seats_are_the_servers_else_the_programs_else_its_tracks() {
        let mut rooms = rooms();
        assert_eq!(rooms.capacity_of("hall a"), Some((300, false)));
        assert_eq!(rooms.seats(Some("Hall A"), Some("Main")), Some(300));
        assert_eq!(rooms.seats(Some("Hall B"), Some("Main")), None);
        let setting = |name: &str, capacity| RoomSetting {
            name: name.into(),
            stream: None,
            now_posts: false,
            capacity: Some(capacity),
        };
        rooms.guild.settings.push(setting("main", 40));
        assert_eq!(
            rooms.seats(Some("Hall B"), Some("Main")),
            Some(40),
            "the track's"
        );
        assert_eq!(
            rooms.seats(Some("Hall A"), Some("Main")),
            Some(300),
            "the room's first"
        );
        rooms.guild.settings.push(setting("HALL A", 250));
        assert_eq!(rooms.capacity_of("Hall A"), Some((250, true)));
        assert_eq!(
            rooms
                .stream_of("Hall A")
                .map(|(l, servers)| (l.as_str(), servers)),
            Some(("https://program.example.org/hall-a", false)),
            "a server's capacity alone leaves the program's stream"
        );
    }

    #[test]
    fn the_servers_stream_beats_the_talks_which_beats_the_sessions_and_the_rooms() {
        let program = bundled();
        let mut session = program.sessions()[0].slot.clone();
        session.room = Some("hall a".into());
        let mut talk = program.sessions()[0].talks[0].clone();
        let before = talk.start;
        let mut rooms = rooms();
        let stream = |rooms: &Rooms, talk: &Talk, session: &SessionSlot| {
            rooms
                .way_in(session, Some(talk), before)
                .stream
                .unwrap()
                .to_string()
        };
        assert_eq!(
            stream(&rooms, &talk, &session),
            "https://program.example.org/hall-a"
        );
        session.stream = Some(link("https://session.example.org/"));
        assert_eq!(
            stream(&rooms, &talk, &session),
            "https://session.example.org/"
        );
        talk.links.stream = Some(link("https://talk.example.org/"));
        assert_eq!(stream(&rooms, &talk, &session), "https://talk.example.org/");
        rooms.guild.settings.push(RoomSetting {
            name: "Hall A".into(),
            stream: Some(link("https://server.example.org/")),
            now_posts: false,
            capacity: None,
        });
        assert_eq!(
            stream(&rooms, &talk, &session),
            "https://server.example.org/"
        );
    }

    #[test]
    fn after_the_end_only_a_recording_that_may_be_shown() {
        let program = bundled();
        let session = &program.sessions()[0];
        let mut talk = session.talks[0].clone();
        talk.links = Links {
            stream: Some(link("https://talk.example.org/")),
            recording: Some(link("https://media.example.org/v/1")),
            ..Links::default()
        };
        let rooms = rooms();
        let after = rooms.way_in(&session.slot, Some(&talk), talk.end);
        assert_eq!(after.stream, None);
        assert_eq!(after.recording, talk.links.recording);
        talk.links.do_not_record = true;
        assert!(rooms
            .way_in(&session.slot, Some(&talk), talk.end)
            .is_empty());
        assert!(rooms
            .way_in(&session.slot, Some(&talk), talk.start)
            .recording
            .is_none());
    }

    #[test]
    fn a_guilds_voice_channel_is_found_by_room_then_track() {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        let session = bundled().sessions()[0].slot.clone();
        let name = session.place().unwrap().to_uppercase();
        let guild = GuildId(1);
        let change = RoomChange {
            voice: Some((ChannelId(5), false)),
            ..RoomChange::default()
        };
        store.change_room(guild, &name, &change).unwrap();
        let rooms = Rooms::of(&store, Some(guild)).unwrap();
        let way_in = rooms.way_in(&session, None, session.start);
        assert_eq!(way_in.voice, Some(ChannelId(5)));
        assert_eq!(way_in.line().unwrap().discord(), format!("Join: <#5>"));
        assert!(Rooms::of(&store, None)
            .unwrap()
            .way_in(&session, None, session.start)
            .is_empty());
    }
}
