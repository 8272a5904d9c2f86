//! The core of `/setup rooms create`: which channels to make so that every room of the
//! program has a text channel (its chat, where its sessions are announced) and, if asked, a
//! voice channel (its voice: the Events tab and on stage now), under categories named after
//! the conference; recording each channel as it is made; and the answer saying what was made
//! and what was not. A room that already has its chat (a route) or its voice (`event_rooms`)
//! gets no second one, so running it again makes only what a reload added (or what was deleted
//! on Discord); nothing is deleted.

use crate::commands::conference;
use crate::error::CommandError;
use crate::ids::{ChannelId, GuildId};
use crate::reply::{limits, plain, Reply, Text};
use crate::store::Store;
use crate::{text, user_error};

/// A category of the guild, as Discord lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: ChannelId,
    pub name: String,
    /// The channels in it now.
    pub channels: usize,
}

/// What the guild holds already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guild {
    pub categories: Vec<Category>,
    /// Every channel of the guild (categories too, threads not).
    pub channels: usize,
    /// The names of its text and voice channels: a new one is named apart from them.
    pub names: Vec<String>,
    /// Every channel's id: a room whose chat or voice is not among them lost it (deleted on
    /// Discord) and gets a new one.
    pub ids: Vec<ChannelId>,
}

/// A category the new channels go in: one of the guild's, or one to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shelf {
    pub name: String,
    pub existing: Option<ChannelId>,
}

/// One channel to make for a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    /// The room as the program names it.
    pub room: String,
    /// The channel's name, as Discord keeps it.
    pub name: String,
    pub voice: bool,
    /// Its category, an index into [`Plan::shelves`].
    pub shelf: usize,
}

/// The channels to make, in order, and the categories they go in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub shelves: Vec<Shelf>,
    pub channels: Vec<NewChannel>,
}

/// A text channel's name as Discord allows it: lower case, a dash between words, no
/// punctuation Discord drops, at most 100 characters ("room" if nothing is left).
pub fn text_channel_name(room: &str) -> String {
    text_name_within(room, limits::CHANNEL_NAME)
}

/// [`text_channel_name`] within `max` characters.
fn text_name_within(room: &str, max: usize) -> String {
    let dropped = |c: char| "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~".contains(c);
    let words: Vec<String> = plain(room, usize::MAX)
        .to_lowercase()
        .split_whitespace()
        .map(|word| word.chars().filter(|c| !dropped(*c)).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect();
    let mut name = String::new();
    for word in words {
        let extra = usize::from(!name.is_empty()) + word.chars().count();
        if name.chars().count() + extra > max {
            break;
        }
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&word);
    }
    if name.is_empty() {
        // A single word longer than the limit is cut; a name of punctuation becomes "room".
        let cut: String = plain(room, usize::MAX)
            .to_lowercase()
            .chars()
            .filter(|c| !dropped(*c) && !c.is_whitespace())
            .take(max)
            .collect();
        return if cut.is_empty() { "room".into() } else { cut };
    }
    name
}

/// A voice channel's or category's name: the program's text, plain, within `max`; "Rooms"
/// when nothing visible is left (Discord wants at least one character).
fn place_name(text: &str, max: usize) -> String {
    match plain(text, max) {
        name if name.is_empty() => "Rooms".into(),
        name => name,
    }
}

/// A room's new channel's name, told apart from every name in `taken` (any case), which it
/// joins: rooms the program spells differently ("Hall A", "Hall-A") can read alike on Discord,
/// and an attendee could not tell their channels apart. The second is "hall-a-2", then "-3"...
fn unique_name(room: &str, voice: bool, taken: &mut Vec<String>) -> String {
    let named = |max: usize| match voice {
        true => place_name(room, max),
        false => text_name_within(room, max),
    };
    let free = |name: &str| {
        !taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
    };
    let mut name = named(limits::CHANNEL_NAME);
    for n in 2.. {
        if free(&name) {
            break;
        }
        let suffix = if voice {
            format!(" {n}")
        } else {
            format!("-{n}")
        };
        name = named(limits::CHANNEL_NAME - suffix.chars().count()) + &suffix;
    }
    taken.push(name.clone());
    name
}

/// The name of the `n`th category (from 1) of `base`: `base`, `base 2`, `base 3`...
fn shelf_name(base: &str, n: usize) -> String {
    match n {
        1 => place_name(base, limits::CHANNEL_NAME),
        n => {
            let suffix = format!(" {n}");
            let base = place_name(base, limits::CHANNEL_NAME - suffix.chars().count());
            format!("{base}{suffix}")
        }
    }
}

/// What to make in `guild` for every room that lacks its chat or (with `voice`) its voice,
/// under `category` (default: the conference's name) and its continuations. Refused, making
/// nothing, when the guild's 500 channels would not hold it.
pub fn plan(
    store: &Store,
    guild_id: GuildId,
    category: Option<&str>,
    voice: bool,
    guild: &Guild,
) -> Result<Plan, CommandError> {
    let conference = conference(store)?;
    let base = match category.map(str::trim).filter(|c| !c.is_empty()) {
        Some(category) => category.to_owned(),
        None => conference.name.clone(),
    };
    let routes = store.guild_settings(guild_id)?.routes;
    let voices = store.event_rooms(guild_id)?;
    let mut wanted: Vec<(String, bool)> = Vec::new();
    let mut rooms: Vec<String> = Vec::new();
    for room in store.places()? {
        // Settings name a room in any case (as SQLite's NOCASE: ASCII), so rooms the program
        // spells in two cases are one room, with one route: a channel each would leave one unused.
        if rooms.iter().any(|r| r.eq_ignore_ascii_case(&room)) {
            continue;
        }
        rooms.push(room.clone());
        let has = |name: &str, channel: &ChannelId| {
            name.eq_ignore_ascii_case(&room) && guild.ids.contains(channel)
        };
        if !routes.iter().any(|(name, channel)| has(name, channel)) {
            wanted.push((room.clone(), false));
        }
        if voice && !voices.iter().any(|v| has(&v.name, &v.channel_id)) {
            wanted.push((room, true));
        }
    }
    let mut plan = Plan::default();
    let room_in = |plan: &mut Plan| -> usize {
        // The first category of the series with room, making the next one when all are full.
        for n in 1.. {
            let name = shelf_name(&base, n);
            let existing = guild
                .categories
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&name));
            let index = match plan.shelves.iter().position(|s| s.name == name) {
                Some(index) => index,
                None => {
                    plan.shelves.push(Shelf {
                        name: name.clone(),
                        existing: existing.map(|c| c.id),
                    });
                    plan.shelves.len() - 1
                }
            };
            let held = existing.map_or(0, |c| c.channels)
                + plan.channels.iter().filter(|c| c.shelf == index).count();
            if held < limits::CATEGORY_CHANNELS {
                return index;
            }
        }
        unreachable!("some category of the series has room")
    };
    let mut taken = guild.names.clone();
    for (room, voice) in wanted {
        let shelf = room_in(&mut plan);
        let name = unique_name(&room, voice, &mut taken);
        plan.channels.push(NewChannel {
            room,
            name,
            voice,
            shelf,
        });
    }
    // Categories nothing goes in are not made.
    let used: Vec<usize> = (0..plan.shelves.len())
        .filter(|i| plan.channels.iter().any(|c| c.shelf == *i))
        .collect();
    let made = used
        .iter()
        .filter(|i| plan.shelves[**i].existing.is_none())
        .count();
    let total = guild.channels + made + plan.channels.len();
    if total > limits::GUILD_CHANNELS {
        user_error!(
            "This would make {} channels, and a server holds at most {}: it has {} already. \
             Nothing was made.",
            made + plan.channels.len(),
            limits::GUILD_CHANNELS,
            guild.channels
        );
    }
    Ok(plan)
}

/// Records a channel just made as its room's chat (the route of its announcements) or voice.
pub fn record(
    store: &Store,
    guild: GuildId,
    made: &NewChannel,
    channel: ChannelId,
) -> anyhow::Result<()> {
    match made.voice {
        true => store.set_event_room(guild, &made.room, channel, false),
        false => store.set_route(guild, &made.room, Some(channel)),
    }
}

/// The answer: every channel made, with its room, and why the rest was not (`failure`).
pub fn report(made: &[(NewChannel, ChannelId)], failure: Option<&str>, left: usize) -> Reply {
    let title = match (made.is_empty(), failure) {
        (true, None) => "Every room has its channels",
        (_, None) => "Room channels made",
        (_, Some(_)) => "Room channels: stopped",
    };
    let mut lines: Vec<Text> = made
        .iter()
        .map(|(new, channel)| {
            let kind = if new.voice { "voice" } else { "chat" };
            text![
                Text::program(&new.room),
                format!(": {kind} "),
                Text::channel(*channel)
            ]
        })
        .collect();
    if made.is_empty() && failure.is_none() {
        lines.push(
            "Nothing to make: each room of the program already has its channel. Rooms a reload \
             adds get theirs when this runs again."
                .into(),
        );
    } else if failure.is_none() {
        lines.push("Each room's sessions are announced in its chat channel.".into());
    }
    if let Some(failure) = failure {
        lines.push(
            format!(
                "Discord refused the next channel ({failure}); {left} were not made. What is \
                 listed above was made and is in use; run this again once fixed to make the \
                 rest."
            )
            .into(),
        );
    }
    Reply::new(title).description(Text::join(lines, "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_channels_name_is_what_discord_allows() {
        assert_eq!(text_channel_name("Hall A (main)"), "hall-a-main");
        assert_eq!(
            text_channel_name("<@1> **Poster** \u{200B}Hall"),
            "‹1-poster-hall"
        );
        assert_eq!(text_channel_name("!!!"), "room");
        let long = text_channel_name(&"word ".repeat(100));
        assert!(
            long.chars().count() <= 100 && long.ends_with("word"),
            "{long}"
        );
        assert_eq!(text_channel_name(&"x".repeat(300)).chars().count(), 100);
    }

    #[test]
    fn a_name_taken_in_any_case_gets_a_number_within_the_limit() {
        let mut taken = vec!["Hall-A".to_string()];
        assert_eq!(unique_name("Hall A", false, &mut taken), "hall-a-2");
        assert_eq!(unique_name("HALL A!", false, &mut taken), "hall-a-3");
        assert_eq!(unique_name("hall-a", true, &mut taken), "hall-a 2");
        assert_eq!(unique_name("Hall B", true, &mut taken), "Hall B");
        let long = "x".repeat(120);
        assert_eq!(unique_name(&long, false, &mut taken).chars().count(), 100);
        let second = unique_name(&long, false, &mut taken);
        assert!(
            second.chars().count() == 100 && second.ends_with("x-2"),
            "{second}"
        );
    }

    #[test]
    fn a_continued_categorys_name_keeps_its_number_within_the_limit() {
        assert_eq!(shelf_name("ICLR 2021", 1), "ICLR 2021");
        assert_eq!(shelf_name("ICLR 2021", 2), "ICLR 2021 2");
        assert_eq!(shelf_name("\u{200B}\u{202E}", 1), "Rooms");
        let long = shelf_name(&"conference ".repeat(20), 12);
        assert!(
            long.chars().count() <= 100 && long.ends_with(" 12"),
            "{long}"
        );
    }
}
