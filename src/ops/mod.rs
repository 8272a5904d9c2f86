//! Running confbot as a service: what an organiser needs around the bot itself.
//!
//! - `permissions.rs`: the one list of Discord permissions confbot needs, and what for.
//! - `invite.rs`: `confbot invite`, the URL that grants exactly those.

pub mod invite;
pub mod permissions;
