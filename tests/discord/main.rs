//! confbot on Discord, end to end: the real serenity client and poise against the loopback
//! Discord of `crates/fake-discord`, which checks everything the bot sends against Discord's
//! own API spec. One test binary; `helpers` spawns the bot, `program_server` serves a live
//! program source.

mod agenda;
mod announcements;
mod chaos;
mod commands;
mod doctor;
mod feedback;
mod helpers;
mod lifecycle;
mod logs;
mod mirror;
mod program_server;
mod qa;
mod reload;
mod rooms;
mod rooms_create;
mod source;
mod source_poll;
mod stage;
