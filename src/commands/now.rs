//! `/now`: what runs at this moment, session by session; if nothing does, what comes next.

use chrono::{DateTime, Utc};

use super::{conference, CommandResult};
use crate::format::{day_and_time, people, span, stamp};
use crate::reply::Reply;
use crate::store::Store;

pub fn now(store: &Store, now: DateTime<Utc>) -> CommandResult {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let sessions = store.sessions_running_at(now)?;
    if sessions.is_empty() {
        let reply = Reply::new("Nothing is running right now");
        return Ok(match store.talks_starting_after(now, 1, None)?.pop() {
            Some(next) => reply.description(format!(
                "Next: **{}** by {}, {} · {}.",
                next.talk.title,
                people(&next.talk.speakers),
                day_and_time(next.talk.start, tz),
                stamp(next.talk.start, 'R')
            )),
            None => reply.description("The program is over. Thanks for coming!"),
        });
    }
    let mut reply = Reply::new("On now").footer(conference.name.clone());
    for session in sessions {
        let (current, upcoming) = store.current_and_next_talk(&session.id, now)?;
        let mut lines = vec![span(session.start, session.end, tz)];
        if let Some(place) = session.place() {
            lines.push(format!("in {place}"));
        }
        match current {
            Some(row) => lines.push(format!(
                "**Now:** {} by {}, until {}",
                row.talk.title,
                people(&row.talk.speakers),
                stamp(row.talk.end, 't')
            )),
            None => lines.push("**Now:** a break between talks".to_string()),
        }
        if let Some(row) = upcoming {
            lines.push(format!(
                "**Next:** {} {}",
                row.talk.title,
                stamp(row.talk.start, 'R')
            ));
        }
        reply = reply.field(session.title, lines.join("\n"), false);
    }
    Ok(reply)
}
