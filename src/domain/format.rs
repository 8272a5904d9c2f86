//! How confbot writes times, talks and people, for commands and announcements alike.
//!
//! Times are instants (shown in each reader's own zone where the renderer can: a Discord
//! timestamp) next to the conference-local time (`11:00 PDT`), so nobody has to convert.
//! Names and titles are program text ([`Text::program`]): how they are escaped is the
//! renderer's business.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::program::{time::local_clock, Person};
use crate::reply::{Choice, Field, Style, Text};
use crate::store::ScheduledTalk;
use crate::text;

/// An abstract as Discord shows it: its Markdown kept, but a masked link `[label](url)` written
/// as `label (url)`, so a reader sees where a link goes before following it.
pub fn abstract_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let link = from.find("](").and_then(|mid| {
            let label = &from[1..mid];
            let tail = &from[mid + 2..];
            let close = tail.find(')')?;
            let url = &tail[..close];
            let plausible = !label.contains(['[', '\n']) && !url.contains(char::is_whitespace);
            plausible.then(|| (label, url, mid + 2 + close + 1))
        });
        match link {
            Some((label, url, len)) => {
                out.push_str(&format!("{label} ({url})"));
                rest = &from[len..];
            }
            None => {
                out.push('[');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An instant in the reader's zone.
pub fn stamp(at: DateTime<Utc>, style: Style) -> Text {
    Text::instant(at, style)
}

/// `<t:…:t>–<t:…:t> (11:00–11:15 PDT)` on Discord.
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Text {
    let local_start = start.with_timezone(&tz).format("%H:%M");
    text![
        stamp(start, Style::Time),
        "–",
        stamp(end, Style::Time),
        format!(" ({local_start}–{})", local_clock(end, tz))
    ]
}

/// `<t:…:f> (Tue 4 May 11:00 PDT)` on Discord: a date and time, for things not today.
pub fn day_and_time(at: DateTime<Utc>, tz: Tz) -> Text {
    let local = at.with_timezone(&tz).format("%a %-d %b %H:%M %Z");
    text![stamp(at, Style::DateTime), format!(" ({local})")]
}

/// Up to five names; for more, four and how many others.
pub fn people(people: &[Person]) -> Text {
    let (shown, more) = named(people);
    let names = Text::join(shown.iter().map(|p| Text::program(&p.name)), ", ");
    match (people.len(), more) {
        (0, _) => "speaker to be announced".into(),
        (_, 0) => names,
        (_, more) => names + format!(" and {more} more"),
    }
}

/// [`people`] as plain text, for a picture (which has no Markdown to escape); nobody is
/// written as nothing.
pub fn people_line(people: &[Person]) -> String {
    let (shown, more) = named(people);
    let names: Vec<&str> = shown.iter().map(|p| p.name.as_str()).collect();
    match more {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// The people a list names (up to five; of more, four) and how many it leaves out.
fn named(people: &[Person]) -> (&[Person], usize) {
    const SHOWN: usize = 4;
    match people.len() {
        n if n > SHOWN + 1 => (&people[..SHOWN], n - SHOWN),
        _ => (people, 0),
    }
}

/// A talk as one field of a list: title, then when, kind, speakers, session and id.
pub fn talk_field(row: &ScheduledTalk, tz: Tz) -> Field {
    let talk = &row.talk;
    Field {
        name: Text::program(&talk.title),
        value: text![
            day_and_time(talk.start, tz),
            " · ",
            stamp(talk.start, Style::Relative),
            " · ",
            Text::program(talk.kind.to_string()),
            "\n",
            people(&talk.speakers),
            "\nin ",
            Text::program(&row.session.title),
            format!(" · id `{}`", talk.id.replace('`', "'"))
        ],
        inline: false,
        talks: vec![Choice::new(&talk.title, &talk.id)],
    }
}
