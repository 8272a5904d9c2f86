//! `/now`: what runs at this moment, session by session, each with its way in (stream, voice
//! channel); if nothing does, what comes next. Breaks (sessions without talks: lunch, coffee) are one line, however many rooms have them.

use chrono::{DateTime, Utc};

use super::{conference, CommandResult};
use crate::domain::format::{day_and_time, people, span, stamp};
use crate::domain::rooms::Rooms;
use crate::ids::GuildId;
use crate::program::SessionSlot;
use crate::reply::{Reply, Style, Text};
use crate::store::Store;
use crate::text;

/// What runs at `now`, with its way in as `guild` (if asked on a server) set its rooms.
pub fn now(store: &Store, guild: Option<GuildId>, now: DateTime<Utc>) -> CommandResult {
    let conference = conference(store)?;
    let rooms = Rooms::of(store, guild)?;
    let tz = conference.time_zone;
    let mut sessions = Vec::new();
    let mut breaks: Vec<SessionSlot> = Vec::new();
    for session in store.sessions_running_at(now)? {
        if store.has_talks(&session.id)? {
            sessions.push(session);
        } else if !breaks.iter().any(|b| b.title == session.title) {
            // Lunch in seven rooms is one break.
            breaks.push(session);
        }
    }
    let on_break = (!breaks.is_empty()).then(|| {
        let names = breaks.iter().map(|b| {
            text![
                "**",
                Text::program(&b.title),
                "** until ",
                stamp(b.end, Style::Time)
            ]
        });
        text!["Break: ", Text::join(names, " · "), "."]
    });
    if sessions.is_empty() {
        let reply = Reply::new(match on_break {
            Some(_) => "On a break",
            None => "Nothing is running right now",
        });
        let mut lines: Vec<Text> = on_break.into_iter().collect();
        lines.push(match store.talks_starting_after(now, 1, None)?.pop() {
            Some(next) => text![
                "Next: **",
                Text::program(&next.talk.title),
                "** by ",
                people(&next.talk.speakers),
                ", ",
                day_and_time(next.talk.start, tz),
                " · ",
                stamp(next.talk.start, Style::Relative),
                "."
            ],
            None => "The program is over. Thanks for coming!".into(),
        });
        return Ok(reply.description(Text::join(lines, "\n")));
    }
    let mut reply = Reply::new("On now").footer(conference.name.clone());
    if let Some(line) = on_break {
        reply = reply.description(line);
    }
    for session in sessions {
        let (current, upcoming) = store.current_and_next_talk(&session.id, now)?;
        let mut lines = vec![span(session.start, session.end, tz)];
        if let Some(place) = session.place() {
            lines.push(text!["in ", Text::program(place)]);
        }
        let way_in = rooms.way_in(&session, current.as_ref().map(|row| &row.talk), now);
        lines.extend(way_in.line());
        match current {
            Some(row) => lines.push(text![
                "**Now:** ",
                Text::program(&row.talk.title),
                " by ",
                people(&row.talk.speakers),
                ", until ",
                stamp(row.talk.end, Style::Time)
            ]),
            None => lines.push("**Now:** a break between talks".into()),
        }
        if let Some(row) = upcoming {
            lines.push(text![
                "**Next:** ",
                Text::program(&row.talk.title),
                " ",
                stamp(row.talk.start, Style::Relative)
            ]);
        }
        reply = reply.field(
            Text::program(&session.title),
            Text::join(lines, "\n"),
            false,
        );
    }
    Ok(reply)
}
