//! Running confbot as a service: what an organiser watches around the bot itself. (The
//! permissions it needs and `confbot invite` touch Discord, so they are in `discord/`.)
//!
//! - `metrics.rs`: the figures confbot keeps for Prometheus, behind a typed API.
//! - `http.rs`: `CONFBOT_HTTP_ADDR`, serving `/healthz` and `/metrics`.
//! - `logs.rs`: text or JSON logs, never with the token in them.
//! - `activity.rs`: interactions per hour over the last day, for `/stats`.
//!
//! `confbot status` (the state from the database alone) is a command line view: `cli/status.rs`.

pub mod activity;
pub mod http;
pub mod logs;
pub mod metrics;
