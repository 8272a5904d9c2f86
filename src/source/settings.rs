//! The live source's settings: where the program comes from, how often to ask, and how to read
//! it. Read from the environment by `cli/config.rs`.

use std::time::Duration;

use chrono::TimeDelta;
use chrono_tz::Tz;

use crate::program::Format;

/// Where the live program comes from and how to read it: `CONFBOT_PROGRAM_URL`, `_POLL`,
/// `_FORMAT` and `_TIMEZONE` (the latter two as `--format` and `--timezone` of `confbot import`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub url: reqwest::Url,
    /// How often to poll when all is well (failures retry sooner, see `source`).
    pub poll: Duration,
    pub format: Format,
    pub time_zone: Option<Tz>,
}

/// The default and the shortest poll interval: a conference's schedule changes by the hour,
/// and a server should not be asked more than once a minute (nor less than once a day).
pub const DEFAULT_POLL: Duration = Duration::from_secs(5 * 60);
pub const SHORTEST_POLL: TimeDelta = TimeDelta::minutes(1);
pub const LONGEST_POLL: TimeDelta = TimeDelta::days(1);
