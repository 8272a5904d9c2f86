//! The core of `/setup events` (the Events tab mirror on or off, its window and its maximum)
//! and of the mirror's line in `/setup show`: whether it is on, how many events it keeps, when
//! it last synced, its last error, and when Discord's cap or a missing permission limits it.
//! Also what pressing Interested on a mirrored event does: it bookmarks the session's talks
//! (with the default DM reminder), and un-pressing removes exactly those.

use chrono::{DateTime, Utc};

use super::CommandResult;
use crate::domain::agenda::DEFAULT_MINUTES;
use crate::domain::format::stamp;
use crate::domain::mirror::cap_room;
use crate::ids::{EventId, GuildId, UserId};
use crate::reply::{limits, Reply, Style, Text};
use crate::store::Store;
use crate::text;

/// The default window of `/setup events`, in hours, and its bounds.
pub const DEFAULT_HOURS: u32 = 24;
pub const MAX_HOURS: u32 = 168;
/// The default maximum of events confbot keeps (at most Discord's cap).
pub const DEFAULT_MAX: u32 = 50;

/// `/setup events`: turns the mirror on or off. Also how an admin repairs a broken mirror and
/// brings back sessions whose event an organiser deleted by hand.
pub fn set_events(
    store: &Store,
    guild: GuildId,
    enabled: bool,
    hours: Option<u32>,
    max: Option<u32>,
) -> CommandResult {
    let hours = hours.unwrap_or(DEFAULT_HOURS).clamp(1, MAX_HOURS);
    let max = max.unwrap_or(DEFAULT_MAX).clamp(1, limits::GUILD_EVENTS);
    store.set_event_mirror(guild, enabled, hours, max)?;
    let reply = Reply::new("Events tab");
    Ok(if enabled {
        reply.description(format!(
            "The sessions starting within the next {hours} h will be shown in the Events tab, \
             soonest first, at most {max} at a time. confbot needs the **Create Events** \
             permission; organisers' own events are never touched."
        ))
    } else {
        reply.description(
            "The mirror is off: confbot removes the events it made (those of sessions already \
             over are marked completed) and creates no more. Organisers' own events are never \
             touched.",
        )
    })
}

/// The mirror's state for `/setup show`.
pub fn health(store: &Store, guild: GuildId) -> anyhow::Result<Text> {
    let Some(mirror) = store.event_mirror(guild)?.filter(|mirror| mirror.enabled) else {
        return Ok("off: use `/setup events enabled:true`".into());
    };
    let mirrored = store
        .mirrored_events(guild)?
        .iter()
        .filter(|e| e.event_id.is_some())
        .count();
    let mut lines: Vec<Text> = vec![format!(
        "on: sessions within {} h, at most {}; **{mirrored}** events mirrored",
        mirror.hours, mirror.max_events
    )
    .into()];
    lines.push(match mirror.last_sync_at {
        Some(at) => text!["last sync ", stamp(at, Style::Relative)],
        None => "not synced yet".into(),
    });
    if let (Some(error), Some(at)) = (&mirror.last_error, mirror.last_error_at) {
        lines.push(text![
            "last error ",
            stamp(at, Style::Relative),
            format!(": {error}")
        ]);
    }
    for room in store.event_rooms(guild)? {
        lines.push(text![
            "**",
            Text::program(&room.name),
            "** → ",
            Text::channel(room.channel_id)
        ]);
    }
    if mirror.broken {
        lines.push(
            "**stopped: confbot lacks the Create Events permission** (since 23 February 2026 \
             Discord needs it for a bot to create events; Manage Events alone no longer \
             does). Grant it, then run `/setup events` again"
                .into(),
        );
    }
    if mirror.repaired > 0 {
        lines.push(
            format!(
                "events of confbot's put back after an edit by hand: {}",
                mirror.repaired
            )
            .into(),
        );
    }
    if mirror.left_out_by_cap {
        lines.push(
            format!(
            "**limited by Discord's cap**: {} of its 100 events are the organisers' own, leaving \
             room for {}; {} sessions in the window are not shown",
            mirror.foreign_events,
            cap_room(mirror.foreign_events),
            mirror.left_out
        )
            .into(),
        );
    } else if mirror.left_out > 0 {
        lines.push(
            format!(
                "{} sessions in the window wait for room under the maximum",
                mirror.left_out
            )
            .into(),
        );
    }
    Ok(Text::join(lines, "\n"))
}

/// `user` pressed Interested on `event`: if it is one of confbot's, the session's talks join
/// their agenda with the default reminder. How many talks were added.
pub fn interested(
    store: &Store,
    event: EventId,
    user: UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let Some(session) = store.session_of_event(event)? else {
        return Ok(0);
    };
    let talks: Vec<String> = store
        .talks_of_session(&session)?
        .into_iter()
        .map(|t| t.talk.id.to_string())
        .collect();
    store.add_event_bookmarks(user, &session, &talks, DEFAULT_MINUTES, now)
}

/// `user` un-pressed Interested: what pressing it added leaves their agenda.
pub fn not_interested(store: &Store, event: EventId, user: UserId) -> anyhow::Result<usize> {
    match store.session_of_event(event)? {
        Some(session) => store.remove_event_bookmarks(user, &session),
        None => Ok(0),
    }
}
