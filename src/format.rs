//! How confbot writes times, talks and people, for commands and announcements alike.
//!
//! Times are Discord timestamps (`<t:UNIX:t>`, shown in each reader's own zone) next to the
//! conference-local time (`11:00 PDT`), so nobody has to convert.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::program::{time::local_clock, Person};
use crate::reply::{Choice, Field};
use crate::store::ScheduledTalk;

/// Program text (a title, a name, a room) as Discord shows it literally: every character that
/// Discord Markdown gives a meaning (`*` `_` `~` `` ` `` `|` `[` `]` `<` `\`, and `#` `>` `-`
/// where they start a line) is escaped, so `[Claim your prize](https://…)` stays text and
/// `C*-algebras and *-algebras` stays itself. Speakers write these; confbot's own formatting is
/// added around them. The CLI's renderer drops the escapes again. (`@everyone` needs no escape:
/// no message allows mentions from program text.)
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_start = true;
    for c in text.chars() {
        let special = matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<')
            || (line_start && matches!(c, '#' | '>' | '-'));
        if special {
            out.push('\\');
        }
        out.push(c);
        if c == '\n' {
            line_start = true;
        } else if !c.is_whitespace() {
            line_start = false;
        }
    }
    out
}

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
            .map(|p| escaped(&p.name))
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
        name: escaped(&talk.title),
        value: format!(
            "{} · {} · {}\n{}\nin {} · id `{}`",
            day_and_time(talk.start, tz),
            stamp(talk.start, 'R'),
            escaped(&talk.kind.to_string()),
            people(&talk.speakers),
            escaped(&row.session.title),
            talk.id.replace('`', "'")
        ),
        inline: false,
        talks: vec![Choice::new(&talk.title, &talk.id)],
    }
}
