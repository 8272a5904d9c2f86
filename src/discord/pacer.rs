//! The bot's own pacing within Discord's rate limits. serenity's ratelimiter is off in proxy
//! mode, and it only ever knew per-route buckets, so the senders that can burst
//! (announcements, DM reminders) take a slot here before each request:
//!
//! - **Globally**, slots are [`SPACING`] apart on one timeline shared by every sender, so no
//!   second ever holds more than 50 of them (Discord's global limit per bot).
//! - **Per channel**, a message post also waits until the channel has had fewer than
//!   [`CHANNEL_POSTS`] posts in the last [`CHANNEL_WINDOW`] (Discord's message bucket): ten
//!   sessions announced into one channel at once go out five now and five five seconds later,
//!   instead of five 429s, each of which would pause every sender.
//!
//! A 429 pushes the whole timeline back, pausing every sender: with its ratelimiter off,
//! serenity hands us the 429 without its `Retry-After` or `global` flag (its error keeps only
//! Discord's code and message), so any 429 on a paced request counts as global and pauses for
//! [`PAUSE_ON_429`], Discord's global window.
//!
//! There is one pacer per bot, shared by the ticks' poster and the posters commands make
//! (`/announce test`, `/qa open`). Channel announcements are never queued behind DMs: the DM
//! tick has at most two requests in flight (`jobs/reminders`), so an announcement waits for
//! at most the two slots they hold, however many DMs are due.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::ids::ChannelId;

/// Between two paced requests: a little over 1/50 s, so a window of one second never counts
/// 51 whatever its alignment.
pub const SPACING: Duration = Duration::from_millis(21);
/// How long every sender pauses after a 429.
pub const PAUSE_ON_429: Duration = Duration::from_secs(1);
/// Posts one channel takes per [`CHANNEL_WINDOW`] (Discord's message bucket: 5 per 5 s).
pub const CHANNEL_POSTS: usize = 5;
/// Discord's message window, plus a margin for requests that arrive later than they left.
pub const CHANNEL_WINDOW: Duration = Duration::from_millis(5_250);

/// The shared timeline of request slots, and each channel's recent posts.
#[derive(Debug)]
pub struct Pacer {
    /// The earliest instant the next request may go.
    next: Mutex<Instant>,
    /// When each channel's last posts were (or will be) sent, oldest first, at most
    /// [`CHANNEL_POSTS`]; a channel quiet for a window is forgotten.
    channels: Mutex<HashMap<ChannelId, VecDeque<Instant>>>,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer {
            next: Mutex::new(Instant::now()),
            channels: Mutex::default(),
        }
    }
}

impl Pacer {
    /// Waits for this request's slot on the global timeline.
    pub async fn slot(&self) {
        let at = {
            let mut next = lock(&self.next);
            let at = (*next).max(Instant::now());
            *next = at + SPACING;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Waits for a post's slot in `channel`, then for its global slot.
    pub async fn post_slot(&self, channel: ChannelId) {
        let at = {
            let now = Instant::now();
            let mut channels = lock(&self.channels);
            channels.retain(|_, posts| posts.back().is_some_and(|t| now < *t + CHANNEL_WINDOW));
            let posts = channels.entry(channel).or_default();
            let at = match posts.len() {
                n if n < CHANNEL_POSTS => now,
                _ => (posts[0] + CHANNEL_WINDOW).max(now),
            };
            if posts.len() == CHANNEL_POSTS {
                posts.pop_front();
            }
            posts.push_back(at);
            at
        };
        tokio::time::sleep_until(at).await;
        self.slot().await;
    }

    /// Discord answered 429: nobody sends for [`PAUSE_ON_429`].
    pub fn pause(&self) {
        let mut next = lock(&self.next);
        *next = (*next).max(Instant::now() + PAUSE_ON_429);
    }
}

/// A poisoned lock is recovered: the pacer's state is valid after any panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
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

    #[tokio::test(start_paused = true)]
    async fn a_channel_takes_five_posts_a_window_and_other_channels_are_not_held_up() {
        let pacer = Pacer::default();
        let start = Instant::now();
        for _ in 0..CHANNEL_POSTS {
            pacer.post_slot(ChannelId(1)).await;
        }
        assert!(
            Instant::now() - start < CHANNEL_WINDOW / 2,
            "five go at once"
        );
        pacer.post_slot(ChannelId(2)).await;
        assert!(
            Instant::now() - start < CHANNEL_WINDOW / 2,
            "another channel goes"
        );
        pacer.post_slot(ChannelId(1)).await;
        assert!(
            Instant::now() - start >= CHANNEL_WINDOW,
            "the sixth waits for the window"
        );
    }
}
