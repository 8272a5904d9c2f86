//! Running confbot as a service: what an organiser needs around the bot itself.
//!
//! - `permissions.rs`: the one list of Discord permissions confbot needs, and what for.
//! - `invite.rs`: `confbot invite`, the URL that grants exactly those.
//! - `metrics.rs`: the figures confbot keeps for Prometheus, behind a typed API.
//! - `http.rs`: `CONFBOT_HTTP_ADDR`, serving `/healthz` and `/metrics`.
//! - `logs.rs`: text or JSON logs, never with the token in them.
//!
//! `confbot status` (the state from the database alone) is a command line view: `cli/status.rs`.

pub mod http;
pub mod invite;
pub mod logs;
pub mod metrics;
pub mod permissions;
