//! The fake's own tests, all through the real serenity (and poise) client on loopback.
//! One test binary, so serenity is linked once.

mod bots;
mod checks;
mod events;
mod gateway;
mod places;
mod rate_limits;
mod support;
mod world;
