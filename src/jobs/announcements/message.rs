//! What an announcement says: a one-line content (with the guild's ping role, the only mention
//! it may carry) and an embed with the session's time, place, way in (a "Watch" link button
//! and the room's voice channel), moderators and talks.

use anyhow::Context;
use chrono::TimeDelta;

use crate::domain::agenda::Action;
use crate::domain::format::{people, span, stamp};
use crate::domain::rooms::Rooms;
use crate::program::time::local_clock;
use crate::program::SessionSlot;
use crate::reply::{truncate, Reply, Style, Text};
use crate::store::{GuildSettings, Store};
use crate::text;

/// The content line and embed announcing `session`, `lead` before it starts, into `guild`
/// (none: as the program alone has it, for a preview).
pub fn render(
    store: &Store,
    session: &SessionSlot,
    lead: TimeDelta,
    late: bool,
    guild: Option<&GuildSettings>,
) -> anyhow::Result<(Text, Reply)> {
    let ping_role = guild.and_then(|g| g.ping_role);
    let conference = store
        .conference()?
        .context("announcing without a program")?;
    let tz = conference.time_zone;
    let when = if lead > TimeDelta::zero() {
        text![
            "starts ",
            stamp(session.start, Style::Relative),
            format!(" ({})", local_clock(session.start, tz))
        ]
    } else {
        format!("is starting now ({})", local_clock(session.start, tz)).into()
    };
    let mut content = text![
        "**",
        Text::program(truncate(&session.title, 200)),
        "** ",
        when
    ];
    if let Some(role) = ping_role {
        content = text![Text::role(role), " ", content];
    }
    if late {
        content += "\n*This announcement is late: confbot could not post it on time.*";
    }

    let mut description = vec![text![
        stamp(session.start, Style::LongDateTime),
        " · ",
        stamp(session.start, Style::Relative),
        " · ",
        span(session.start, session.end, tz)
    ]];
    let place: Vec<&str> = [session.room.as_deref(), session.track.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !place.is_empty() {
        description.push(text!["Where: ", Text::program(place.join(" · "))]);
    }
    let way_in = Rooms::of(store, guild.map(|g| g.guild_id))?.way_in(session, None, session.start);
    description.extend(way_in.line());
    let moderators = store.moderators(&session.id)?;
    if !moderators.is_empty() {
        description.push(text!["Moderated by ", people(&moderators)]);
    }
    let talks = store.talks_of_session(&session.id)?;
    let fields = talks.iter().map(|row| crate::reply::Field {
        name: Text::program(&row.talk.title),
        value: text![
            stamp(row.talk.start, Style::Time),
            format!(
                " ({}) · {} · ",
                local_clock(row.talk.start, tz),
                row.talk.kind
            ),
            people(&row.talk.speakers)
        ],
        inline: false,
        talks: Vec::new(),
    });
    let mut embed = Reply::new(Text::program(&session.title))
        .description(Text::join(description, "\n"))
        .fields(fields)
        .footer(format!(
            "{} · /talk for details, /now for what runs now",
            conference.name
        ));
    if let Some(stream) = &way_in.stream {
        embed = embed.link("Watch", stream.as_str());
    }
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
