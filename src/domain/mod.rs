//! The features' own rules, free of Discord and of any one command or job: what commands and
//! jobs share.
//!
//! - `agenda.rs`: bookmarks and reminder minutes.
//! - `qa.rs`: Q&A subjects, thread names and intros, recording an opened thread, button ids.
//! - `mirror.rs`: the Events tab mirror's decisions (`draft`, `plan`, `reconcile`).
//! - `format.rs`: how times, talks and people are written, as typed parts of a `Text`.
//! - `ics.rs`: iCalendar files.
//! - `timetable.rs`: the day as a picture: which column each session goes in.
//! - `ports.rs`: what confbot sends to Discord and how it fails (`Poster`, `DirectMessenger`,
//!   `EventPublisher`), implemented by `discord/` and by fakes in tests.

pub mod agenda;
pub mod format;
pub mod ics;
pub mod mirror;
pub mod ports;
pub mod qa;
pub mod timetable;
