//! What an announcement says: a one-line content (with the guild's ping role, the only mention
//! it may carry) and an embed with the session's time, place, moderators and talks.

use anyhow::Context;
use chrono::TimeDelta;

use crate::agenda::Action;
use crate::format::{escaped, people, span, stamp};
use crate::ids::RoleId;
use crate::program::time::local_clock;
use crate::reply::{truncate, Reply};
use crate::store::{SessionSlot, Store};

/// The content line and embed announcing `session`, `lead` before it starts.
pub fn render(
    store: &Store,
    session: &SessionSlot,
    lead: TimeDelta,
    late: bool,
    ping_role: Option<RoleId>,
) -> anyhow::Result<(String, Reply)> {
    let conference = store
        .conference()?
        .context("announcing without a program")?;
    let tz = conference.time_zone;
    let when = if lead > TimeDelta::zero() {
        format!(
            "starts {} ({})",
            stamp(session.start, 'R'),
            local_clock(session.start, tz)
        )
    } else {
        format!("is starting now ({})", local_clock(session.start, tz))
    };
    let mut content = format!("**{}** {when}", escaped(&truncate(&session.title, 200)));
    if let Some(role) = ping_role {
        content = format!("<@&{role}> {content}");
    }
    if late {
        content.push_str("\n*This announcement is late: confbot could not post it on time.*");
    }

    let mut description = vec![format!(
        "{} · {} · {}",
        stamp(session.start, 'F'),
        stamp(session.start, 'R'),
        span(session.start, session.end, tz)
    )];
    let place: Vec<&str> = [session.room.as_deref(), session.track.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !place.is_empty() {
        description.push(format!("Where: {}", escaped(&place.join(" · "))));
    }
    let moderators = store.moderators(&session.id)?;
    if !moderators.is_empty() {
        description.push(format!("Moderated by {}", people(&moderators)));
    }
    let talks = store.talks_of_session(&session.id)?;
    let fields = talks.iter().map(|row| crate::reply::Field {
        name: escaped(&row.talk.title),
        value: format!(
            "{} ({}) · {} · {}",
            stamp(row.talk.start, 't'),
            local_clock(row.talk.start, tz),
            row.talk.kind,
            people(&row.talk.speakers)
        ),
        inline: false,
        talks: Vec::new(),
    });
    let mut embed = Reply::new(escaped(&session.title))
        .description(description.join("\n"))
        .fields(fields)
        .footer(format!(
            "{} · /talk for details, /now for what runs now",
            conference.name
        ));
    // Whoever presses it adds the session's talks to their own agenda.
    if !talks.is_empty() {
        embed = embed.action(
            "Remind me",
            Action::RemindSession(session.id.clone()).custom_id(),
        );
    }
    let embed = embed.fitted();
    Ok((content, embed))
}
