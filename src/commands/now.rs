//! `/now`: what runs at this moment, session by session; if nothing does, what comes next.
//! Breaks (sessions without talks: lunch, coffee) are one line, however many rooms have them.

use chrono::{DateTime, Utc};

use super::{conference, CommandResult};
use crate::format::{day_and_time, escaped, people, span, stamp};
use crate::reply::Reply;
use crate::store::{SessionSlot, Store};

pub fn now(store: &Store, now: DateTime<Utc>) -> CommandResult {
    let conference = conference(store)?;
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
        let names: Vec<String> = breaks
            .iter()
            .map(|b| format!("**{}** until {}", escaped(&b.title), stamp(b.end, 't')))
            .collect();
        format!("Break: {}.", names.join(" · "))
    });
    if sessions.is_empty() {
        let reply = Reply::new(match on_break {
            Some(_) => "On a break",
            None => "Nothing is running right now",
        });
        let mut lines: Vec<String> = on_break.into_iter().collect();
        lines.push(match store.talks_starting_after(now, 1, None)?.pop() {
            Some(next) => format!(
                "Next: **{}** by {}, {} · {}.",
                escaped(&next.talk.title),
                people(&next.talk.speakers),
                day_and_time(next.talk.start, tz),
                stamp(next.talk.start, 'R')
            ),
            None => "The program is over. Thanks for coming!".to_string(),
        });
        return Ok(reply.description(lines.join("\n")));
    }
    let mut reply = Reply::new("On now").footer(conference.name.clone());
    if let Some(line) = on_break {
        reply = reply.description(line);
    }
    for session in sessions {
        let (current, upcoming) = store.current_and_next_talk(&session.id, now)?;
        let mut lines = vec![span(session.start, session.end, tz)];
        if let Some(place) = session.place() {
            lines.push(format!("in {}", escaped(place)));
        }
        match current {
            Some(row) => lines.push(format!(
                "**Now:** {} by {}, until {}",
                escaped(&row.talk.title),
                people(&row.talk.speakers),
                stamp(row.talk.end, 't')
            )),
            None => lines.push("**Now:** a break between talks".to_string()),
        }
        if let Some(row) = upcoming {
            lines.push(format!(
                "**Next:** {} {}",
                escaped(&row.talk.title),
                stamp(row.talk.start, 'R')
            ));
        }
        reply = reply.field(escaped(&session.title), lines.join("\n"), false);
    }
    Ok(reply)
}
