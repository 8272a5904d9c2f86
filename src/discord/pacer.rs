//! The bot's own pacing within Discord's global limit (50 requests per second per bot).
//! serenity's ratelimiter is off in proxy mode, and it only ever knew per-route buckets, so
//! the senders that can burst (announcements, DM reminders) take a slot here before each
//! request: slots are [`SPACING`] apart on one timeline shared by every sender, so no second
//! ever holds more than 50 of them.
//!
//! A 429 pushes the whole timeline back, pausing every sender: with its ratelimiter off,
//! serenity hands us the 429 without its `Retry-After` or `global` flag (its error keeps only
//! Discord's code and message), so any 429 on a paced request counts as global and pauses for
//! [`PAUSE_ON_429`], Discord's global window.
//!
//! There is one pacer per bot, shared by the ticks' poster and the posters commands make
//! (`/announce test`, `/qa open`). Channel announcements are never queued behind DMs: the DM
//! tick has at most two requests in flight (`reminders/dm.rs`), so an announcement waits for
//! at most the two slots they hold, however many DMs are due.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Between two paced requests: a little over 1/50 s, so a window of one second never counts
/// 51 whatever its alignment.
pub const SPACING: Duration = Duration::from_millis(21);
/// How long every sender pauses after a 429.
pub const PAUSE_ON_429: Duration = Duration::from_secs(1);

/// The shared timeline of request slots.
#[derive(Debug)]
pub struct Pacer {
    /// The earliest instant the next request may go.
    next: Mutex<Instant>,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer {
            next: Mutex::new(Instant::now()),
        }
    }
}

impl Pacer {
    /// Waits for this request's slot.
    pub async fn slot(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + SPACING;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Discord answered 429: nobody sends for [`PAUSE_ON_429`].
    pub fn pause(&self) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        *next = (*next).max(Instant::now() + PAUSE_ON_429);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_spaced_and_a_429_pauses_everyone() {
        let pacer = Pacer::default();
        let start = Instant::now();
        for _ in 0..6 {
            pacer.slot().await;
        }
        assert!(Instant::now() - start >= SPACING * 5);
        pacer.pause();
        let paused = Instant::now();
        pacer.slot().await;
        assert!(Instant::now() - paused >= PAUSE_ON_429);
    }
}
