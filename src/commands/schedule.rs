//! `/schedule [day] [picture]`: a conference day's sessions and their talks, in order; with
//! `picture`, also as timetable pictures (`domain::timetable`), the text coming along for
//! readers who cannot see them.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{conference, CommandResult};
use crate::domain::format::{people, span, stamp};
use crate::domain::timetable::grid;
use crate::error::CommandError;
use crate::picture::timetable;
use crate::program::time::start_of_day;
use crate::program::{Conference, SessionSlot};
use crate::reply::{Attachment, Choice, Reply, Style, Text};
use crate::store::{ScheduledTalk, Store};
use crate::text;
use crate::user_error;

/// The conference-local days that have sessions, in order.
pub fn conference_days(store: &Store, tz: Tz) -> anyhow::Result<Vec<NaiveDate>> {
    let mut days: Vec<NaiveDate> = store
        .session_starts()?
        .into_iter()
        .map(|at| at.with_timezone(&tz).date_naive())
        .collect();
    days.dedup();
    Ok(days)
}

/// A day of the program: its conference, its date and its sessions with their talks.
struct ProgramDay {
    conference: Conference,
    day: NaiveDate,
    sessions: Vec<(SessionSlot, Vec<ScheduledTalk>)>,
}

/// `day` defaults to today if the conference runs today, else its next day, else its last.
fn program_day(
    store: &Store,
    now: DateTime<Utc>,
    day: Option<NaiveDate>,
) -> Result<ProgramDay, CommandError> {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let days = conference_days(store, tz)?;
    let today = now.with_timezone(&tz).date_naive();
    let day = match day {
        Some(day) if days.contains(&day) => day,
        Some(day) => {
            let known: Vec<String> = days
                .iter()
                .map(|d| d.format("%a %-d %b %Y").to_string())
                .collect();
            user_error!(
                "There are no sessions on {}. The conference days are: {}.",
                day.format("%a %-d %b %Y"),
                known.join(", ")
            );
        }
        None => match days.iter().find(|d| **d >= today).or(days.last()) {
            Some(day) => *day,
            None => user_error!("The program has no sessions."),
        },
    };
    let (from, to) = (start_of_day(day, tz), start_of_day(day + Days::new(1), tz));
    let sessions = store
        .sessions_starting_between(from, to)?
        .into_iter()
        .map(|session| {
            let talks = store.talks_of_session(&session.id)?;
            Ok((session, talks))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ProgramDay {
        conference,
        day,
        sessions,
    })
}

/// The day's sessions and talks as text.
pub fn schedule(store: &Store, now: DateTime<Utc>, day: Option<NaiveDate>) -> CommandResult {
    Ok(text(&program_day(store, now, day)?))
}

/// The text of [`schedule`] and the day as timetable pictures, as files named after the day
/// (`schedule-2021-05-04.png`, then `-2.png`… when many rooms split it).
pub fn schedule_pictures(
    store: &Store,
    now: DateTime<Utc>,
    day: Option<NaiveDate>,
) -> Result<(Reply, Vec<Attachment>), CommandError> {
    let the_day = program_day(store, now, day)?;
    let title = format!(
        "{} · {}",
        the_day.conference.name,
        the_day.day.format("%A %-d %B %Y")
    );
    let tz = the_day.conference.time_zone;
    let pictures = timetable::render(&grid(title, tz, &the_day.sessions, now))?;
    let stem = format!("schedule-{}", the_day.day.format("%Y-%m-%d"));
    let files = pictures
        .into_iter()
        .enumerate()
        .map(|(i, png)| Attachment {
            filename: match i {
                0 => format!("{stem}.png"),
                i => format!("{stem}-{}.png", i + 1),
            },
            bytes: png.0,
        })
        .collect();
    Ok((text(&the_day), files))
}

fn text(the_day: &ProgramDay) -> Reply {
    let (conference, tz) = (&the_day.conference, the_day.conference.time_zone);
    let mut reply = Reply::new(text![
        Text::program(&conference.name),
        format!(" · {}", the_day.day.format("%A %-d %B %Y"))
    ])
    // Footers show no Markdown, so the name goes in as written.
    .footer(conference.name.clone());
    // The day's first session, not its midnight: midnight in the conference's zone is the
    // day before for a reader west of it.
    if let Some((first, _)) = the_day.sessions.first() {
        reply = reply.description(text![
            format!("Times in {tz}. In your own zone, the day starts "),
            stamp(first.start, Style::DateTime),
            "."
        ]);
    }
    for (session, talks) in &the_day.sessions {
        let mut lines = vec![span(session.start, session.end, tz)];
        if let Some(place) = session.place() {
            lines.push(text!["in ", Text::program(place)]);
        }
        for row in talks {
            let local = row.talk.start.with_timezone(&tz).format("%H:%M");
            lines.push(text![
                format!("`{local}` "),
                Text::program(&row.talk.title),
                " — ",
                people(&row.talk.speakers)
            ]);
        }
        reply = reply
            .field(
                Text::program(&session.title),
                Text::join(lines, "\n"),
                false,
            )
            .about(
                talks
                    .iter()
                    .map(|row| Choice::new(&row.talk.title, &row.talk.id))
                    .collect(),
            );
    }
    reply
}
