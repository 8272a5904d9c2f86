//! The features' own rules, free of Discord and of any one command or job: what commands and
//! jobs share.
//!
//! - `agenda.rs`: bookmarks and reminder minutes.
//! - `budget.rs`: the one budget of requests confbot makes on its own (Discord's global limit),
//!   its priorities, and the rule that sends a crowded instant's reminders early.
//! - `qa.rs`: Q&A subjects, thread names and intros, recording an opened thread, button ids.
//! - `mirror.rs`: the Events tab mirror's decisions (`draft`, `plan`, `reconcile`).
//! - `rooms.rs`: rooms as places, and the one "way in" decision (stream, voice, recording).
//! - `format.rs`: how times, talks and people are written, as typed parts of a `Text`.
//! - `ics.rs`: iCalendar files.
//! - `stage.rs`: on stage now, what a room's voice status or stage topic says and when to set it.
//! - `timetable.rs`: the day as a picture: which column each session goes in.
//! - `ports.rs`: what confbot sends to Discord and how it fails (`Poster`, `DirectMessenger`,
//!   `EventPublisher`, `StageBoard`), implemented by `discord/` and by fakes in tests.

pub mod agenda;
pub mod budget;
pub mod feedback;
pub mod format;
pub mod ics;
pub mod mirror;
pub mod ports;
pub mod qa;
pub mod rooms;
pub mod stage;
pub mod timetable;
