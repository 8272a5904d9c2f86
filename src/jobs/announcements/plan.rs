//! The announcements that *would* be posted in a time window, for `confbot preview` and
//! `/announce pending`. Pure planning: nothing is claimed or posted.

use chrono::{DateTime, Utc};

use super::Rules;
use crate::ids::ChannelId;
use crate::program::SessionSlot;
use crate::store::{GuildSettings, Store};

/// One announcement in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub due_at: DateTime<Utc>,
    pub lead: chrono::TimeDelta,
    pub session: SessionSlot,
    /// The channel it goes to under `settings`, if any.
    pub channel_id: Option<ChannelId>,
}

/// Announcements due in `[from, to)`, in order; channels as `settings` would route them.
pub fn plan(
    store: &Store,
    rules: &Rules,
    settings: Option<&GuildSettings>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Vec<Planned>> {
    let longest = rules.leads.iter().max().copied().unwrap_or_default();
    let mut planned = Vec::new();
    for session in store.sessions_starting_between(from, to + longest)? {
        for &lead in &rules.leads {
            let due_at = session.start - lead;
            if due_at >= from && due_at < to {
                let channel_id = settings
                    .and_then(|s| s.channel_for(session.track.as_deref(), session.room.as_deref()));
                planned.push(Planned {
                    due_at,
                    lead,
                    session: session.clone(),
                    channel_id,
                });
            }
        }
    }
    planned.sort_by(|a, b| (a.due_at, &a.session.id).cmp(&(b.due_at, &b.session.id)));
    Ok(planned)
}
