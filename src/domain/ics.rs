//! Talks as an iCalendar file (RFC 5545), for `confbot export ics` and the agenda's
//! "Calendar file" button. The `icalendar` crate writes it (text escaping, CRLF, folding at 75
//! octets); this module decides what goes in: one `VEVENT` per talk with a `UID` made of the
//! talk's stable id (so calendar apps update an event on re-import rather than duplicating
//! it), times in UTC, the room as `LOCATION` (the stream when it has no room), the way to watch
//! it as `URL` (its stream, or its recording once it is over; else its page), and speakers,
//! session and an abstract excerpt as `DESCRIPTION`.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, Property};

use crate::domain::rooms::WayIn;
use crate::program::{Conference, Link, Person};
use crate::reply::truncate_at_word;
use crate::store::ScheduledTalk;

/// Our `PRODID` (RFC 5545 §3.7.3).
pub const PRODID: &str = "-//confbot//confbot agenda//EN";
/// How much of an abstract a description carries.
const ABSTRACT_EXCERPT: usize = 300;

/// The `UID` of a talk's event: the same in every export and after any reload.
pub fn uid(talk_id: &str) -> String {
    format!("{talk_id}@confbot")
}

/// The speakers of a talk, by name, or that they are to be announced.
fn speakers(people: &[Person]) -> String {
    if people.is_empty() {
        return "to be announced".to_string();
    }
    people
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An iCalendar file of `talks`, each with its way in at `now` (or at its start, if later: a
/// calendar is for going there), stamped `now`.
pub fn calendar(
    conference: &Conference,
    talks: &[ScheduledTalk],
    mut way_in: impl FnMut(&ScheduledTalk, DateTime<Utc>) -> anyhow::Result<WayIn>,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("X-WR-CALNAME", &conference.name));
    for row in talks {
        let (talk, session) = (&row.talk, &row.session);
        let mut description = format!(
            "Speakers: {}\nSession: {}",
            // A calendar shows text as written: every name, no Markdown escapes.
            speakers(&talk.speakers),
            session.title
        );
        if !talk.abstract_text.is_empty() {
            description.push_str("\n\n");
            description.push_str(&truncate_at_word(&talk.abstract_text, ABSTRACT_EXCERPT));
        }
        let mut event = icalendar::Event::new();
        event
            .uid(&uid(&talk.id))
            .timestamp(now)
            .starts(talk.start)
            .ends(talk.end)
            .summary(&talk.title)
            .description(&description);
        let way_in = way_in(row, now.max(talk.start))?;
        let watch = way_in.stream.as_ref().or(way_in.recording.as_ref());
        let stream = way_in.stream.as_ref().map(Link::as_str);
        if let Some(place) = session
            .room
            .as_deref()
            .or(stream)
            .or(session.track.as_deref())
        {
            event.location(place);
        }
        if let Some(url) = watch.map(Link::as_str).or(talk.url.as_deref()) {
            event.url(url);
        }
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}
