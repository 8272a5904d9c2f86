//! Shutting down without dropping what was received. Every gateway event (a command, a button
//! press, an autocomplete) is counted while it is handled. At shutdown, once the gateway is
//! closed, [`Drain::wait`] waits until none is in hand and none has started for a moment: serenity
//! spawns a task per event, and in a burst many are spawned but not yet running. It gives up
//! after a limit, so the process still exits in time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::framework::Framework;

/// How long no event may have started before the ones in hand are taken to be all.
const QUIET: Duration = Duration::from_millis(300);

/// Events being handled, and when the last one started.
struct InHand {
    count: usize,
    last_start: Instant,
}

/// A framework whose dispatches [`Drain`] can wait for.
pub struct Draining<F> {
    inner: F,
    in_hand: Arc<Mutex<InHand>>,
}

/// Waits for the dispatches of a [`Draining`] framework.
pub struct Drain(Arc<Mutex<InHand>>);

impl<F> Draining<F> {
    pub fn new(inner: F) -> (Draining<F>, Drain) {
        let in_hand = Arc::new(Mutex::new(InHand {
            count: 0,
            last_start: Instant::now(),
        }));
        let drain = Drain(Arc::clone(&in_hand));
        (Draining { inner, in_hand }, drain)
    }
}

/// Counts one event as in hand while it lives.
struct Handling<'a>(&'a Mutex<InHand>);

impl Drop for Handling<'_> {
    fn drop(&mut self) {
        lock(self.0).count -= 1;
    }
}

fn lock(in_hand: &Mutex<InHand>) -> std::sync::MutexGuard<'_, InHand> {
    in_hand
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[serenity::async_trait]
impl<F: Framework> Framework for Draining<F> {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        {
            let mut in_hand = lock(&self.in_hand);
            in_hand.count += 1;
            in_hand.last_start = Instant::now();
        }
        let _handling = Handling(&self.in_hand);
        self.inner.dispatch(ctx, event).await;
    }
}

impl Drain {
    /// Waits until every event received is handled, at most `limit`; whether it was.
    pub async fn wait(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            {
                let in_hand = lock(&self.0);
                if in_hand.count == 0 && in_hand.last_start.elapsed() >= QUIET {
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
