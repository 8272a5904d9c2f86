//! The bot's own pacing within Discord's rate limits. serenity's ratelimiter is off in proxy
//! mode, and it only ever knew per-route buckets, so the senders that can burst
//! (announcements, DM reminders) take a slot here before each request:
//!
//! - **Globally**, slots are [`SPACING`] apart on one timeline shared by every sender, so no
//!   second ever holds more than 50 of them (Discord's global limit per bot). A request due
//!   now ([`Priority::Due`]) takes the next free slot; one done ahead of need
//!   ([`Priority::Ahead`]: a DM channel opened before its reminder) only a slot when nothing due
//!   has taken one for [`QUIET`], so it delays what is due by at most one slot.
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
//! tick has at most four requests in flight (`jobs/reminders`), so an announcement waits for
//! at most the four slots they hold, however many DMs are due.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::ids::ChannelId;

pub use crate::domain::budget::{Priority, SPACING};

/// How long the timeline must have had no request due before one done ahead takes a slot: a
/// keynote's DMs, four in flight, never leave a gap this long.
pub const QUIET: Duration = Duration::from_millis(250);
/// How long every sender pauses after a 429.
pub const PAUSE_ON_429: Duration = Duration::from_secs(1);
/// Posts one channel takes per [`CHANNEL_WINDOW`] (Discord's message bucket: 5 per 5 s).
pub const CHANNEL_POSTS: usize = 5;
/// Discord's message window, plus a margin for requests that arrive later than they left.
pub const CHANNEL_WINDOW: Duration = Duration::from_millis(5_250);

/// The shared timeline of request slots, and each channel's recent posts.
#[derive(Debug)]
pub struct Pacer {
    /// The earliest instant the next request may go, and the slot of the last one due.
    next: Mutex<Timeline>,
    /// When each channel's last posts were (or will be) sent, oldest first, at most
    /// [`CHANNEL_POSTS`]; a channel quiet for a window is forgotten.
    channels: Mutex<HashMap<ChannelId, VecDeque<Instant>>>,
}

#[derive(Debug, Clone, Copy)]
struct Timeline {
    next: Instant,
    last_due: Instant,
}

impl Default for Pacer {
    fn default() -> Pacer {
        let now = Instant::now();
        Pacer {
            next: Mutex::new(Timeline {
                next: now,
                last_due: now - QUIET,
            }),
            channels: Mutex::default(),
        }
    }
}

impl Pacer {
    /// Waits for this request's slot on the global timeline.
    pub async fn slot(&self, priority: Priority) {
        match priority {
            Priority::Due => {
                let at = {
                    let mut timeline = lock(&self.next);
                    let at = timeline.next.max(Instant::now());
                    *timeline = Timeline {
                        next: at + SPACING,
                        last_due: at,
                    };
                    at
                };
                tokio::time::sleep_until(at).await;
            }
            Priority::Ahead => loop {
                let wake = {
                    let mut timeline = lock(&self.next);
                    let now = Instant::now();
                    let free = timeline.next.max(timeline.last_due + QUIET);
                    if free <= now {
                        timeline.next = now + SPACING;
                        return;
                    }
                    free
                };
                tokio::time::sleep_until(wake).await;
            },
        }
    }

    /// Waits for a post's slot in `channel`, then for its global slot (posts are always due).
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
        self.slot(Priority::Due).await;
    }

    /// Discord answered 429: nobody sends for [`PAUSE_ON_429`].
    pub fn pause(&self) {
        let mut timeline = lock(&self.next);
        timeline.next = timeline.next.max(Instant::now() + PAUSE_ON_429);
    }
}

/// A poisoned lock is recovered: the pacer's state is valid after any panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn what_is_done_ahead_waits_for_a_quiet_timeline_and_delays_what_is_due_by_one_slot() {
        let pacer = std::sync::Arc::new(Pacer::default());
        // Idle: ahead-of-need requests go one slot apart.
        let start = Instant::now();
        for _ in 0..3 {
            pacer.slot(Priority::Ahead).await;
        }
        assert!(Instant::now() - start < SPACING * 3);
        // A stream of due requests: nothing done ahead gets a slot until it has been quiet.
        let due = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                for _ in 0..100 {
                    pacer.slot(Priority::Due).await;
                }
                Instant::now()
            })
        };
        tokio::task::yield_now().await;
        pacer.slot(Priority::Ahead).await;
        let ahead = Instant::now();
        let last_due = due.await.unwrap();
        assert!(ahead >= last_due + QUIET, "{ahead:?} {last_due:?}");
        // Due right after one done ahead took its slot: one slot later, no more.
        let asked = Instant::now();
        pacer.slot(Priority::Due).await;
        assert!(Instant::now() - asked <= SPACING);
    }

    #[tokio::test]
    async fn slots_are_spaced_and_a_429_pauses_everyone() {
        let pacer = Pacer::default();
        let start = Instant::now();
        for _ in 0..6 {
            pacer.slot(Priority::Due).await;
        }
        assert!(Instant::now() - start >= SPACING * 5);
        pacer.pause();
        let paused = Instant::now();
        pacer.slot(Priority::Due).await;
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
