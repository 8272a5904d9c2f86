//! The core of `/setup` and `/announce pending`: a guild's announcement settings, read and
//! changed. Channels and roles are parts of the reply ([`Text::channel`], [`Text::role`]), which
//! Discord shows as names without pinging anyone.

use chrono::{DateTime, TimeDelta, Utc};

use super::{conference, CommandResult};
use crate::domain::agenda::MAX_MINUTES;
use crate::domain::format::{day_and_time, stamp};
use crate::domain::ports::{record_outcome, PostError};
use crate::error::CommandError;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId};
use crate::jobs::announcements::{plan, render};
use crate::jobs::delivery::Rules;
use crate::reply::{limits, Reply, Style, Text};
use crate::store::{GuildSettings, Store};
use crate::{text, user_error};

fn duration(delta: TimeDelta) -> String {
    match delta.num_minutes() {
        0 => "when it starts".to_string(),
        m if m % 60 == 0 => format!("{} h before", m / 60),
        m => format!("{m} min before"),
    }
}

pub fn set_announcements(store: &Store, guild: GuildId, channel: ChannelId) -> CommandResult {
    store.set_announce_channel(guild, channel)?;
    Ok(Reply::new("Announcements channel set").description(text![
        "Sessions will be announced in ",
        Text::channel(channel),
        ", unless a route sends them elsewhere."
    ]))
}

/// Routes a track or room (as the program names it) to a channel, or removes its route.
pub fn set_route(
    store: &Store,
    guild: GuildId,
    name: &str,
    channel: Option<ChannelId>,
) -> CommandResult {
    let name = super::rooms::known_room(store, name)?;
    store.set_route(guild, &name, channel)?;
    let named = text!["**", Text::program(&name), "**"];
    Ok(Reply::new("Route set").description(match channel {
        Some(channel) => text![
            "Sessions of ",
            named,
            " will be announced in ",
            Text::channel(channel),
            "."
        ],
        None => text![
            named,
            " has no route now: its sessions go to the announcements channel."
        ],
    }))
}

pub fn set_ping(store: &Store, guild: GuildId, role: Option<RoleId>) -> CommandResult {
    store.set_ping_role(guild, role)?;
    Ok(Reply::new("Announcement ping set").description(match role {
        Some(role) => text![
            "Announcements will mention ",
            Text::role(role),
            ", and nobody else."
        ],
        None => "Announcements will mention nobody.".into(),
    }))
}

/// The guild's settings and how posting into each channel has gone.
pub fn show(store: &Store, guild: GuildId, rules: &Rules) -> CommandResult {
    let settings = store.guild_settings(guild)?;
    let health = store.channel_health(guild)?;
    let channel_line = |channel: ChannelId| {
        let Some(h) = health.iter().find(|h| h.channel_id == channel) else {
            return text![Text::channel(channel), ": nothing posted yet"];
        };
        let mut line = text![Text::channel(channel), ": "];
        line += match h.last_post_at {
            Some(at) => text!["last post ", stamp(at, Style::Relative)],
            None => "nothing posted yet".into(),
        };
        if let (Some(error), Some(at)) = (&h.last_error, h.last_error_at) {
            line += text![
                "; last error ",
                stamp(at, Style::Relative),
                format!(": {error}")
            ];
        }
        if h.broken {
            line += " — **not posting here until the channel is set again**";
        }
        line
    };
    let default = match settings.announce_channel {
        Some(channel) => channel_line(channel),
        None => "not set: use `/setup announcements`".into(),
    };
    let routes: Vec<Text> = settings
        .routes
        .iter()
        .map(|(name, channel)| text!["**", Text::program(name), "** → ", channel_line(*channel)])
        .collect();
    let leads: Vec<String> = rules.leads.iter().map(|l| duration(*l)).collect();
    let reply = Reply::new("Announcement settings").field("Announcements channel", default, false);
    let reply = listed(reply, "Routes", routes, "none")
        .field(
            "Ping",
            settings.ping_role.map_or("nobody".into(), Text::role),
            true,
        )
        .field("When", leads.join(", "), true)
        .field(
            "Late posts",
            format!(
                "up to {} min after a session starts",
                rules.grace.num_minutes()
            ),
            true,
        );
    let rooms = super::rooms::show(store, guild)?;
    let reply = listed(reply, "Rooms", rooms, "none: use `/setup room`");
    Ok(reply.field("Events tab", super::mirror::health(store, guild)?, false))
}

/// `lines` as fields named `name`, `name (2)`..., each of as many whole lines as a field holds
/// (`none` when there are none): one field would cut a server's rooms at Discord's 1,024
/// characters, some twenty rooms, and hide the rest.
fn listed(mut reply: Reply, name: &str, lines: Vec<Text>, none: &str) -> Reply {
    if lines.is_empty() {
        return reply.field(name, none, false);
    }
    let mut fields: Vec<Vec<Text>> = vec![Vec::new()];
    let mut used = 0;
    for line in lines {
        let len = line.discord_len() + 1;
        let current = fields.last_mut().expect("one field at least");
        if !current.is_empty() && used + len > limits::FIELD_VALUE {
            fields.push(vec![line]);
            used = len;
        } else {
            current.push(line);
            used += len;
        }
    }
    for (i, lines) in fields.into_iter().enumerate() {
        let title = match i {
            0 => name.to_string(),
            i => format!("{name} ({})", i + 1),
        };
        reply = reply.field(title, Text::join(lines, "\n"), false);
    }
    reply
}

/// How many of `/setup show`'s fields go to a page: all when they fit in one message, else
/// five, which Discord's 6,000 characters always hold (five of 1,024 and their names).
pub fn fields_per_page(reply: &Reply) -> usize {
    // Room for the "Page i of n" footer that pages add.
    let footer = 40;
    if reply.embed_chars() + footer <= limits::EMBED_TOTAL
        && reply.fields.len() <= limits::EMBED_FIELDS
    {
        limits::EMBED_FIELDS
    } else {
        5
    }
}

/// The next announcements this guild will get (within a day).
pub fn pending(store: &Store, guild: GuildId, rules: &Rules, now: DateTime<Utc>) -> CommandResult {
    const SHOWN: usize = 10;
    let tz = conference(store)?.time_zone;
    let settings = store.guild_settings(guild)?;
    let planned = plan(store, rules, Some(&settings), now, now + TimeDelta::days(1))?;
    let reply = Reply::new("Next announcements");
    if settings.channels().is_empty() {
        return Ok(
            reply.description("None: no announcements channel is set. Use `/setup announcements`.")
        );
    }
    if planned.is_empty() {
        return Ok(reply.description("None in the next 24 hours."));
    }
    let fields = planned.iter().take(SHOWN).map(|p| crate::reply::Field {
        name: text![
            Text::program(&p.session.title),
            format!(" · {}", duration(p.lead))
        ],
        value: text![
            day_and_time(p.due_at, tz),
            " · ",
            stamp(p.due_at, Style::Relative),
            " → ",
            p.channel_id.map_or("no channel".into(), Text::channel)
        ],
        inline: false,
        talks: Vec::new(),
    });
    Ok(reply
        .description(format!("{} in the next 24 hours.", planned.len()))
        .fields(fields))
}

/// The DM reminders due in the next 24 hours, by instant (`confbot status`): they are the
/// attendees', not a server's. Overdue ones not yet sent count too: the next tick sends them.
pub fn pending_dms(store: &Store, now: DateTime<Utc>) -> CommandResult {
    const SHOWN: usize = 10;
    let tz = conference(store)?.time_zone;
    let until = now + TimeDelta::days(1);
    // A reminder comes at most MAX_MINUTES before its talk.
    let latest_talk = until + TimeDelta::minutes(MAX_MINUTES.into());
    let due = store.reminder_crowds(until, now, latest_talk)?;
    let reply = Reply::new("Next DM reminders");
    if due.is_empty() {
        return Ok(reply.description("None in the next 24 hours."));
    }
    let people: usize = due.iter().map(|(_, people)| people).sum();
    let fields = due
        .iter()
        .take(SHOWN)
        .map(|(at, people)| crate::reply::Field {
            name: text![day_and_time(*at, tz), " · ", stamp(*at, Style::Relative)],
            value: text![match people {
                1 => "1 person".to_string(),
                n => format!("{n} people"),
            }],
            inline: false,
            talks: Vec::new(),
        });
    Ok(reply
        .description(format!(
            "{people} in the next 24 hours, at {} instants.",
            due.len()
        ))
        .fields(fields))
}

/// `/announce test`, before posting: the channels to test and the sample to post there (the
/// next session makes the most telling sample; after the conference, the first).
pub fn sample(
    store: &Store,
    guild: GuildId,
    now: DateTime<Utc>,
) -> Result<(Vec<ChannelId>, (Text, Reply)), CommandError> {
    let settings = store.guild_settings(guild)?;
    let channels = settings.channels();
    if channels.is_empty() {
        user_error!("No announcements channel is set yet. Use `/setup announcements` first.");
    }
    let session = match store.first_session_from(now)? {
        Some(session) => session,
        None => match store.first_session_from(DateTime::<Utc>::MIN_UTC)? {
            Some(session) => session,
            None => user_error!("The program has no sessions to use as a sample."),
        },
    };
    // A sample pings nobody.
    let settings = GuildSettings {
        ping_role: None,
        ..settings
    };
    let sample = render(
        store,
        &session,
        TimeDelta::minutes(10),
        false,
        Some(&settings),
    )?;
    Ok((channels, sample))
}

/// `/announce test`, after posting into `channel`: the channel's health recorded as for any
/// post, and a line saying how it went.
pub fn tested(
    store: &Store,
    guild: GuildId,
    channel: ChannelId,
    outcome: Result<MessageId, PostError>,
    now: DateTime<Utc>,
) -> Result<Text, CommandError> {
    record_outcome(store, guild, channel, outcome.as_ref().map(|_| ()), now)?;
    Ok(Text::channel(channel)
        + match outcome {
            Ok(_) => ": posted".to_string(),
            Err(PostError::Transient(error)) => {
                format!(": failed for now ({error}); try again later")
            }
            Err(PostError::Rejected(error)) => format!(": Discord refused the sample ({error})"),
            Err(PostError::Permanent(error)) => format!(
                ": **cannot post here** ({error}); check confbot's permissions, then set the channel again"
            ),
        })
}
