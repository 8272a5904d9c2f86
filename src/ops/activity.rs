//! Interactions per hour over the last day, for `/stats`: 24 counters in memory, one per hour,
//! bumped as each command is answered. In memory rather than in the database because a write
//! per interaction would cost the burst path a database turn for a figure that only needs to
//! be roughly right; after a restart the chart starts from there (`/stats` says so).

use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Utc};

/// Hours kept.
pub const HOURS: usize = 24;

/// The counts, by hour (the hour's start, as seconds since the epoch).
#[derive(Debug, Default)]
pub struct Activity {
    hours: Mutex<Vec<(i64, u32)>>,
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
    /// One interaction at `at`.
    pub fn count(&self, at: DateTime<Utc>) {
        let hour = hour_of(at);
        let mut hours = self.hours.lock().unwrap_or_else(|e| e.into_inner());
        match hours.iter_mut().find(|(h, _)| *h == hour) {
            Some((_, n)) => *n += 1,
            None => hours.push((hour, 1)),
        }
        // The oldest go once the day is full (a clock that jumps back leaves them in order).
        hours.sort_unstable();
        let excess = hours.len().saturating_sub(HOURS);
        hours.drain(..excess);
    }

    /// The last [`HOURS`] hours up to `now`'s, oldest first, with hours of none as 0.
    pub fn per_hour(&self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, u32)> {
        let hours = self.hours.lock().unwrap_or_else(|e| e.into_inner());
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

    #[test]
    fn counts_fall_in_their_hour_and_only_the_last_day_is_kept() {
        let activity = Activity::default();
        let now = pdt(12, 30);
        activity.count(now);
        activity.count(now);
        activity.count(now - TimeDelta::hours(2));
        activity.count(now - TimeDelta::hours(30));
        let hours = activity.per_hour(now);
        assert_eq!(hours.len(), HOURS);
        assert_eq!(hours[23].1, 2);
        assert_eq!(hours[21].1, 1);
        assert_eq!(hours.iter().map(|h| h.1).sum::<u32>(), 3);
        for hour in 0..30 {
            activity.count(now - TimeDelta::hours(hour));
        }
        assert_eq!(activity.hours.lock().unwrap().len(), HOURS);
    }
}
