//! The core of `/setup room`: a room (or track) of the program as a place on Discord — its
//! stream (over the program's), its voice or stage channel (the Events mirror's), its chat
//! channel (its announcement route) and "now on stage" posts — and the rooms' lines of
//! `/setup show`. Every bad input is a user error that changes nothing. `create.rs`: the core
//! of `/setup rooms create`, a channel per room for a server that starts empty.

pub mod create;

use super::CommandResult;
use crate::domain::rooms::Rooms;
use crate::error::CommandError;
use crate::ids::{ChannelId, GuildId};
use crate::program::Link;
use crate::reply::{Reply, Text};
use crate::store::{RoomChange, Store};
use crate::{text, user_error};

/// A channel's type, as Discord's option resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Text,
    Announcement,
    Voice,
    Stage,
    Other,
}

/// A channel an admin picked: its id and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picked {
    pub id: ChannelId,
    pub kind: ChannelKind,
}

/// `/setup room`'s options as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomRequest {
    pub room: String,
    pub stream: Option<String>,
    pub voice: Option<Picked>,
    pub chat: Option<Picked>,
    pub now_posts: Option<bool>,
    /// How many people the room holds (1 or more), for `/stats`.
    pub capacity: Option<u32>,
    pub clear: bool,
}

/// `/setup room`: checks every option first, then changes the room's places (or, with
/// `clear`, forgets them), and says what the room's places are now. No option: just says.
pub fn set_room(store: &Store, guild: GuildId, request: &RoomRequest) -> CommandResult {
    let name = known_room(store, &request.room)?;
    let change = checked(request)?;
    if request.clear {
        if change != RoomChange::default() {
            user_error!("`clear:true` forgets all of a room's settings: give it alone, then set the room again.");
        }
        store.clear_room(guild, &name)?;
    } else {
        store.change_room(guild, &name, &change)?;
    }
    let rooms = Rooms::of(store, Some(guild))?;
    let line = place_line(&rooms, &name).unwrap_or_else(|| "no settings".into());
    Ok(Reply::new(text!["Room ", Text::program(&name)]).description(line))
}

/// The program's spelling of `room` (a room or a track, in any case), or an error listing the
/// rooms and tracks it has: what `/setup room` and `/setup route` name.
pub(super) fn known_room(store: &Store, room: &str) -> Result<String, CommandError> {
    let known = store.tracks_and_rooms()?;
    match known.iter().find(|k| k.eq_ignore_ascii_case(room.trim())) {
        Some(name) => Ok(name.clone()),
        None => {
            let names = Text::join(known.iter().take(25).map(Text::program), ", ");
            let names = if known.is_empty() {
                "none".into()
            } else {
                names
            };
            user_error!(text: text![
                "The program has no track or room called `",
                Text::program(crate::reply::truncate(room, 100)),
                "`. It has: ",
                names,
                "."
            ])
        }
    }
}

/// The change the options ask for, once each is checked.
fn checked(request: &RoomRequest) -> Result<RoomChange, CommandError> {
    let stream = match request.stream.as_deref() {
        None => None,
        Some(text) => match Link::parse(text) {
            Ok(link) => Some(link),
            Err(e) => user_error!(text: text![
                "`stream`: ",
                Text::program(e.to_string()),
                ". Give the https address where attendees watch this room."
            ]),
        },
    };
    let voice = match request.voice {
        None => None,
        Some(Picked {
            id,
            kind: ChannelKind::Voice,
        }) => Some((id, false)),
        Some(Picked {
            id,
            kind: ChannelKind::Stage,
        }) => Some((id, true)),
        Some(Picked { id, .. }) => user_error!(text: text![
            "`voice`: ",
            Text::channel(id),
            " is not a voice or stage channel."
        ]),
    };
    let chat = match request.chat {
        None => None,
        Some(Picked {
            id,
            kind: ChannelKind::Text | ChannelKind::Announcement,
        }) => Some(id),
        Some(Picked { id, .. }) => user_error!(text: text![
            "`chat`: ",
            Text::channel(id),
            " is not a text or announcement channel."
        ]),
    };
    if request.capacity == Some(0) {
        user_error!("`capacity`: a room holds at least one person.");
    }
    Ok(RoomChange {
        stream,
        voice,
        chat,
        now_posts: request.now_posts,
        capacity: request.capacity,
    })
}

/// What a room is on Discord, in one line, or `None` when nothing is set or known.
fn place_line(rooms: &Rooms, name: &str) -> Option<Text> {
    let places = rooms.places();
    let same = |other: &str| other.eq_ignore_ascii_case(name);
    let mut parts = Vec::new();
    let whose = |servers| match servers {
        true => " (this server's)",
        false => " (the program's)",
    };
    if let Some((stream, servers)) = rooms.stream_of(name) {
        parts.push(text!["watch ", Text::link(stream.as_str()), whose(servers)]);
    }
    if let Some(voice) = places.voices.iter().find(|v| same(&v.name)) {
        let kind = if voice.stage { "stage " } else { "voice " };
        parts.push(text![kind, Text::channel(voice.channel_id)]);
    }
    if let Some((_, chat)) = places.chats.iter().find(|(n, _)| same(n)) {
        parts.push(text!["chat ", Text::channel(*chat)]);
    }
    if places.settings.iter().any(|s| same(&s.name) && s.now_posts) {
        parts.push("now-on-stage posts".into());
    }
    if let Some((capacity, servers)) = rooms.capacity_of(name) {
        parts.push(text![format!("holds {capacity}"), whose(servers)]);
    }
    (!parts.is_empty()).then(|| Text::join(parts, " · "))
}

/// `/setup show`'s rooms: a line for each room or track of the program with a place.
pub fn show(store: &Store, guild: GuildId) -> anyhow::Result<Vec<Text>> {
    let rooms = Rooms::of(store, Some(guild))?;
    Ok(store
        .tracks_and_rooms()?
        .iter()
        .filter_map(|name| {
            let line = place_line(&rooms, name)?;
            Some(text!["**", Text::program(name), "**: ", line])
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CommandError;
    use crate::testing::bundled;

    fn store() -> (Store, String) {
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&bundled()).unwrap();
        let room = bundled().sessions()[0].slot.place().unwrap().to_string();
        (store, room)
    }

    fn refusal(store: &Store, request: &RoomRequest) -> String {
        match set_room(store, GuildId(1), request) {
            Err(CommandError::User(e)) => e.0.discord(),
            other => panic!("expected a user error, got {other:?}"),
        }
    }

    #[test]
    fn a_room_gets_its_places_and_show_lists_them() {
        let (store, room) = store();
        let request = RoomRequest {
            room: room.to_uppercase(),
            stream: Some("https://youtu.be/live".into()),
            voice: Some(Picked {
                id: ChannelId(5),
                kind: ChannelKind::Stage,
            }),
            chat: Some(Picked {
                id: ChannelId(6),
                kind: ChannelKind::Text,
            }),
            now_posts: Some(true),
            clear: false,
            capacity: Some(120),
        };
        let reply = set_room(&store, GuildId(1), &request).unwrap();
        assert_eq!(
            reply.description.discord(),
            "watch <https://youtu.be/live> (this server's) · stage <#5> · chat <#6> · now-on-stage posts · holds 120 (this server's)"
        );
        let shown = Text::join(show(&store, GuildId(1)).unwrap(), "\n").discord();
        assert!(shown.contains("stage <#5>"), "{shown}");
        let clear = RoomRequest {
            room,
            clear: true,
            ..RoomRequest::default()
        };
        set_room(&store, GuildId(1), &clear).unwrap();
        assert!(show(&store, GuildId(1)).unwrap().is_empty());
    }

    #[test]
    fn bad_options_are_refused_saying_which_and_change_nothing() {
        let (store, room) = store();
        let base = RoomRequest {
            room: room.clone(),
            ..RoomRequest::default()
        };
        let http = RoomRequest {
            stream: Some("http://youtu.be/x".into()),
            ..base.clone()
        };
        let refused = refusal(&store, &http);
        assert!(
            refused.starts_with("`stream`: ") && refused.contains("is not an https link"),
            "{refused}"
        );
        let malformed = RoomRequest {
            stream: Some("youtube".into()),
            ..base.clone()
        };
        assert!(refusal(&store, &malformed).contains("is not a link"));
        let voice = RoomRequest {
            voice: Some(Picked {
                id: ChannelId(9),
                kind: ChannelKind::Text,
            }),
            ..base.clone()
        };
        assert_eq!(
            refusal(&store, &voice),
            "`voice`: <#9> is not a voice or stage channel."
        );
        let chat = RoomRequest {
            chat: Some(Picked {
                id: ChannelId(9),
                kind: ChannelKind::Voice,
            }),
            now_posts: Some(true),
            ..base.clone()
        };
        assert!(refusal(&store, &chat).starts_with("`chat`: <#9>"));
        let unknown = RoomRequest {
            room: "**@everyone**".into(),
            ..base
        };
        assert!(refusal(&store, &unknown)
            .starts_with("The program has no track or room called `\\*\\*@everyone\\*\\*`"));
        assert!(show(&store, GuildId(1)).unwrap().is_empty());
    }
}
