//! Interactions per hour over the last day, for `/stats`: for each server, 24 counters in memory,
//! one per hour, bumped as each command is answered there (a server's admins see their own
//! server's activity, never another's; commands in DMs belong to no server's). In memory rather than in the database because a write
//! per interaction would cost the burst path a database turn for a figure that only needs to
//! be roughly right; after a restart the chart starts from there (`/stats` says so).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Utc};

use crate::ids::GuildId;

/// Hours kept.
pub const HOURS: usize = 24;

/// The counts, by server and hour (the hour's start, as seconds since the epoch).
#[derive(Debug, Default)]
pub struct Activity {
    hours: Mutex<HashMap<GuildId, Vec<(i64, u32)>>>,
}

/// The process's one [`Activity`].
pub fn activity() -> &'static Activity {
    static ACTIVITY: LazyLock<Activity> = LazyLock::new(Activity::default);
    &ACTIVITY
}

fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(3600) * 3600
}

impl Activity {
    /// One interaction in `guild` at `at`.
    pub fn count(&self, guild: GuildId, at: DateTime<Utc>) {
        let hour = hour_of(at);
        let mut guilds = self.hours.lock().unwrap_or_else(|e| e.into_inner());
        let hours = guilds.entry(guild).or_default();
        match hours.iter_mut().find(|(h, _)| *h == hour) {
            Some((_, n)) => *n += 1,
            None => hours.push((hour, 1)),
        }
        // The oldest go once the day is full (a clock that jumps back leaves them in order).
        hours.sort_unstable();
        let excess = hours.len().saturating_sub(HOURS);
        hours.drain(..excess);
    }

    /// `guild`'s last [`HOURS`] hours up to `now`'s, oldest first, with hours of none as 0.
    pub fn per_hour(&self, guild: GuildId, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, u32)> {
        let guilds = self.hours.lock().unwrap_or_else(|e| e.into_inner());
        let hours = guilds.get(&guild).map_or(&[][..], Vec::as_slice);
        let last = hour_of(now);
        (0..HOURS as i64)
            .rev()
            .map(|back| {
                let hour = last - back * 3600;
                let n = hours
                    .iter()
                    .find(|(h, _)| *h == hour)
                    .map_or(0, |(_, n)| *n);
                let start = DateTime::from_timestamp(hour, 0).unwrap_or(now);
                (start, n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::pdt;
    use chrono::TimeDelta;

    const HERE: GuildId = GuildId(1);

    #[test]
    fn counts_fall_in_their_hour_and_only_the_last_day_is_kept() {
        let activity = Activity::default();
        let now = pdt(12, 30);
        activity.count(HERE, now);
        activity.count(HERE, now);
        activity.count(HERE, now - TimeDelta::hours(2));
        activity.count(HERE, now - TimeDelta::hours(30));
        let hours = activity.per_hour(HERE, now);
        assert_eq!(hours.len(), HOURS);
        assert_eq!(hours[23].1, 2);
        assert_eq!(hours[21].1, 1);
        assert_eq!(hours.iter().map(|h| h.1).sum::<u32>(), 3);
        for hour in 0..30 {
            activity.count(HERE, now - TimeDelta::hours(hour));
        }
        assert_eq!(activity.hours.lock().unwrap()[&HERE].len(), HOURS);
    }

    #[test]
    fn each_server_sees_only_its_own_activity() {
        let activity = Activity::default();
        let now = pdt(12, 30);
        activity.count(HERE, now);
        activity.count(GuildId(2), now);
        activity.count(GuildId(2), now);
        let total = |guild| {
            activity
                .per_hour(guild, now)
                .iter()
                .map(|h| h.1)
                .sum::<u32>()
        };
        assert_eq!(
            (total(HERE), total(GuildId(2)), total(GuildId(3))),
            (1, 2, 0)
        );
    }
}
