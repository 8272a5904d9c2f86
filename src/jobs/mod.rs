//! What confbot does on its own, on the clock: each job in its own module, all run by the
//! scheduler in `ticker.rs`.
//!
//! - `announcements/`: session announcements into channels.
//! - `changes.rs`: program changes told into channels and, for bookmarked talks, by DM.
//! - `reminders/`: DM reminders of bookmarked talks.
//! - `mirror.rs`: the Events tab mirror (Discord's scheduled events).
//! - `qa.rs`: Q&A threads opened on announcements.
//! - `stage.rs`: on stage now, rooms' voice statuses and stage topics.
//! - `digest.rs`: the daily digest of the day's sessions (`CONFBOT_DIGEST_AT`).
//! - `room_posts.rs`: posts into rooms' places (recordings told in Q&A threads, now on stage),
//!   after the announcement tick's announcements.
//! - `delivery.rs`: the rules every exactly-once delivery follows (late, grace, retry window,
//!   backoff) and the one place an attempt's outcome is settled in the outbox; `dm.rs` sends
//!   one DM.
//!
//! A job is a plain async function of the store, an outbound port (`domain::ports`), `now` and
//! the rules, so tests run it directly with a fake port and a chosen instant.

pub mod announcements;
mod changes;
pub mod delivery;
pub mod digest;
mod dm;
pub mod feedback;
pub mod mirror;
mod qa;
pub mod reminders;
mod room_posts;
pub mod stage;
mod ticker;

use chrono::{DateTime, NaiveTime, Utc};

pub use ticker::{Ports, Ticker};

use crate::ids::ChannelId;
use crate::store::Store;
use delivery::Rules;

/// When and where the jobs deliver, from `CONFBOT_ANNOUNCE_*` and `CONFBOT_TICK` (read by
/// `cli/config.rs`; on its own by `confbot preview`, which needs no token).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Lead times (`CONFBOT_ANNOUNCE_LEADS`) and grace period (`CONFBOT_ANNOUNCE_GRACE`).
    pub rules: Rules,
    /// The default announcements channel for the guild it belongs to, until an admin sets one.
    pub channel: Option<ChannelId>,
    /// How often the announcement clock ticks, in whole seconds (1 to 59).
    pub tick_seconds: u32,
    /// When the daily digest is posted, in the conference's local time (`None`: never).
    pub digest_at: Option<NaiveTime>,
    /// Post "How was it?" into a talk's Q&A thread when it ends (`CONFBOT_FEEDBACK`).
    pub feedback: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            rules: Rules::default(),
            channel: None,
            tick_seconds: 5,
            digest_at: None,
            feedback: false,
        }
    }
}

/// What one tick works with: the store, the port it sends through, the instant it runs at and
/// the rules. Each job's steps are its methods, so they share these instead of passing them on.
pub struct Tick<'a, P> {
    pub store: &'a Store,
    pub out: &'a P,
    pub now: DateTime<Utc>,
    pub rules: &'a Rules,
}
