//! `/next [count] [track]`: the talks starting after now, soonest first, each with its way in.

use chrono::{DateTime, Utc};

use super::{conference, CommandResult};
use crate::domain::format::{stamp, talk_field};
use crate::domain::rooms::Rooms;
use crate::ids::GuildId;
use crate::reply::{Reply, Style, Text};
use crate::store::Store;
use crate::text;
use crate::user_error;

pub const DEFAULT_COUNT: usize = 5;
pub const MAX_COUNT: usize = 25;

pub fn next(
    store: &Store,
    guild: Option<GuildId>,
    now: DateTime<Utc>,
    count: usize,
    track: Option<&str>,
) -> CommandResult {
    let conference = conference(store)?;
    if !(1..=MAX_COUNT).contains(&count) {
        user_error!("Ask for between 1 and {MAX_COUNT} talks; you asked for {count}.");
    }
    let track = track.map(str::trim).filter(|t| !t.is_empty());
    if let Some(track) = track {
        let known = store.tracks_and_rooms()?;
        if !known.iter().any(|k| k.eq_ignore_ascii_case(track)) {
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            user_error!("There is no track or room called `{track}`. The program has: {known}.");
        }
    }
    let rows = store.talks_starting_after(now, count, track)?;
    let title = match track {
        Some(track) => text!["Next up in ", Text::program(track)],
        None => "Next up".into(),
    };
    if rows.is_empty() {
        return Ok(Reply::new(title).description(text![
            "Nothing more on the program after ",
            stamp(now, Style::DateTime),
            "."
        ]));
    }
    let rooms = Rooms::of(store, guild)?;
    let fields = rows.iter().map(|row| {
        let mut field = talk_field(row, conference.time_zone);
        if let Some(line) = rooms.way_in(&row.session, Some(&row.talk), now).line() {
            field.value += text!["\n", line];
        }
        field
    });
    Ok(Reply::new(title).fields(fields).footer(conference.name))
}
