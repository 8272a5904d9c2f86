//! How confbot writes times, talks and people, for commands and announcements alike.
//!
//! Times are Discord timestamps (`<t:UNIX:t>`, shown in each reader's own zone) next to the
//! conference-local time (`11:00 PDT`), so nobody has to convert.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::program::{time::local_clock, Person};
use crate::reply::{Choice, Field};
use crate::store::ScheduledTalk;

/// A Discord timestamp: `t` short time, `f` date and time, `F` long, `R` relative, `D` date.
pub fn stamp(at: DateTime<Utc>, style: char) -> String {
    format!("<t:{}:{style}>", at.timestamp())
}

/// `<t:…:t>–<t:…:t> (11:00–11:15 PDT)`.
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let local_start = start.with_timezone(&tz).format("%H:%M");
    format!(
        "{}–{} ({local_start}–{})",
        stamp(start, 't'),
        stamp(end, 't'),
        local_clock(end, tz)
    )
}

/// `<t:…:f> (Tue 4 May 11:00 PDT)`: a date and time, for things not today.
pub fn day_and_time(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz).format("%a %-d %b %H:%M %Z");
    format!("{} ({local})", stamp(at, 'f'))
}

/// Up to five names; for more, four and how many others.
pub fn people(people: &[Person]) -> String {
    const SHOWN: usize = 4;
    let names = |n: usize| {
        people
            .iter()
            .take(n)
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match people.len() {
        0 => "speaker to be announced".to_string(),
        n if n > SHOWN + 1 => format!("{} and {} more", names(SHOWN), n - SHOWN),
        n => names(n),
    }
}

/// A talk as one field of a list: title, then when, kind, speakers, session and id.
pub fn talk_field(row: &ScheduledTalk, tz: Tz) -> Field {
    let talk = &row.talk;
    Field {
        name: talk.title.clone(),
        value: format!(
            "{} · {} · {}\n{}\nin {} · id `{}`",
            day_and_time(talk.start, tz),
            stamp(talk.start, 'R'),
            talk.kind,
            people(&talk.speakers),
            row.session.title,
            talk.id
        ),
        inline: false,
        talks: vec![Choice::new(&talk.title, &talk.id)],
    }
}
