//! The core without Discord, on generated inputs: one test binary.
//!
//! - `properties`: what must hold for any input (proptest): local times, and a reload that
//!   leaves the store as a fresh import.
//! - `tick_property`: exactly-once announcements through any interleaving of crashes, faults
//!   and restarts, against a Discord that deduplicates by nonce.
//! - `search_index`: the bot's search index answers as FTS5 does.

mod properties;
mod search_index;
mod tick_property;
