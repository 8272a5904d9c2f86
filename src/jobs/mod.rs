//! What confbot does on its own, on the clock: each job in its own module, all run by the
//! scheduler in `ticker.rs`.
//!
//! - `announcements/`: session announcements into channels.
//! - `changes.rs`: program changes told into channels and, for bookmarked talks, by DM.
//! - `reminders/`: DM reminders of bookmarked talks.
//! - `mirror.rs`: the Events tab mirror (Discord's scheduled events).
//! - `qa.rs`: Q&A threads opened on announcements.
//! - `delivery.rs`: the rules every exactly-once delivery follows (late, grace, retry window,
//!   backoff) and the one place an attempt's outcome is settled in the outbox; `dm.rs` sends
//!   one DM.
//!
//! A job is a plain async function of the store, an outbound port (`domain::ports`), `now` and
//! the rules, so tests run it directly with a fake port and a chosen instant.

pub mod announcements;
mod changes;
pub mod delivery;
mod dm;
pub mod mirror;
mod qa;
pub mod reminders;
mod ticker;

use chrono::{DateTime, Utc};

pub use ticker::Ticker;

use crate::store::Store;
use delivery::Rules;

/// What one tick works with: the store, the port it sends through, the instant it runs at and
/// the rules. Each job's steps are its methods, so they share these instead of passing them on.
pub struct Tick<'a, P> {
    pub store: &'a Store,
    pub out: &'a P,
    pub now: DateTime<Utc>,
    pub rules: &'a Rules,
}
