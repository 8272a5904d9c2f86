//! The rules of a personal agenda that both the commands (`commands::agenda`) and the DM tick
//! (`reminders::dm`) follow: how many minutes before a talk a reminder may come, and when it is
//! due. (The store's `due_bookmarks` asks SQLite the same question in SQL.)

use chrono::{DateTime, TimeDelta, Utc};

/// Minutes before a talk that its reminder comes, unless the user says otherwise.
pub const DEFAULT_MINUTES: u32 = 10;
/// The most minutes `/remind` accepts.
pub const MAX_MINUTES: u32 = 120;

/// When the reminder for a talk at `start` comes, if it was set at `set_at` with `minutes`:
/// never before it was set, so a talk bookmarked at the last minute is reminded at once.
pub fn due_at(start: DateTime<Utc>, minutes: u32, set_at: DateTime<Utc>) -> DateTime<Utc> {
    (start - TimeDelta::minutes(minutes.into())).max(set_at)
}
