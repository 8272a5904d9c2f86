//! `/speaker name`: a person's talks (and the sessions they moderate), found by any part of
//! their name, ignoring case and accents.

use super::{conference, CommandResult};
use crate::domain::format::{day_and_time, span};
use crate::reply::{truncate, Choice, Reply, Text};
use crate::store::Store;
use crate::text;
use crate::user_error;

/// At most this many people are listed when a name matches several.
const MAX_PEOPLE: usize = 10;

pub fn speaker(store: &Store, name: &str) -> CommandResult {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let name = name.trim();
    if name.is_empty() {
        user_error!("Tell me whose talks to find, e.g. `/speaker Vani`.");
    }
    let mut people = store.people_named(name, MAX_PEOPLE + 1)?;
    if people.is_empty() {
        user_error!("Nobody on the program is called “{}”.", truncate(name, 100));
    }
    // An exact name wins over the people it is merely part of.
    if let Some(exact) = people
        .iter()
        .position(|p| p.name.to_lowercase() == name.to_lowercase())
    {
        people = vec![people.swap_remove(exact)];
    }
    let more = people.len() > MAX_PEOPLE;
    people.truncate(MAX_PEOPLE);
    let title = match &people[..] {
        [one] => text!["Talks by ", Text::program(&one.name)],
        _ => format!("People matching “{}”", truncate(name, 100)).into(),
    };
    let mut reply = Reply::new(title).footer(conference.name.clone());
    for person in &people {
        let talks = store.talks_of(person)?;
        let mut lines: Vec<Text> = talks
            .iter()
            .map(|row| {
                text![
                    "• **",
                    Text::program(&row.talk.title),
                    "**, ",
                    day_and_time(row.talk.start, tz),
                    format!(" · id `{}`", row.talk.id)
                ]
            })
            .collect();
        lines.extend(store.sessions_moderated_by(person)?.iter().map(|s| {
            text![
                "• moderates **",
                Text::program(&s.title),
                "**, ",
                span(s.start, s.end, tz)
            ]
        }));
        reply = reply
            .field(Text::program(&person.name), Text::join(lines, "\n"), false)
            .about(
                talks
                    .iter()
                    .map(|row| Choice::new(&row.talk.title, &row.talk.id))
                    .collect(),
            );
    }
    if more {
        reply = reply.description(format!(
            "More than {MAX_PEOPLE} people match; type more of the name."
        ));
    }
    Ok(reply)
}
