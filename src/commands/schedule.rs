//! `/schedule [day]`: a conference day's sessions and their talks, in order.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{conference, CommandResult};
use crate::domain::format::{people, span, stamp};
use crate::program::time::start_of_day;
use crate::reply::{Choice, Reply, Style, Text};
use crate::store::Store;
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

/// `day` defaults to today if the conference runs today, else its next day, else its last.
pub fn schedule(store: &Store, now: DateTime<Utc>, day: Option<NaiveDate>) -> CommandResult {
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
    let sessions = store.sessions_starting_between(from, to)?;
    let mut reply = Reply::new(text![
        Text::program(&conference.name),
        format!(" · {}", day.format("%A %-d %B %Y"))
    ])
    // Footers show no Markdown, so the name goes in as written.
    .footer(conference.name.clone());
    // The day's first session, not its midnight: midnight in the conference's zone is the
    // day before for a reader west of it.
    if let Some(first) = sessions.first() {
        reply = reply.description(text![
            format!("Times in {tz}. In your own zone, the day starts "),
            stamp(first.start, Style::DateTime),
            "."
        ]);
    }
    for session in sessions {
        let mut lines = vec![span(session.start, session.end, tz)];
        if let Some(place) = session.place() {
            lines.push(text!["in ", Text::program(place)]);
        }
        let talks = store.talks_of_session(&session.id)?;
        for row in &talks {
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
    Ok(reply)
}
