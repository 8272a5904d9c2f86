//! The database slots behind [`Data::run`](super::Data::run): at most a fixed number of pieces
//! of database work at once, each waiting its turn without a thread, and urgent work first.
//!
//! Urgent work is an answer Discord will not wait for: an autocomplete must be answered within
//! 3 s and cannot be deferred. A command can be deferred (and is, when it would wait), so in a
//! burst an autocomplete goes ahead of the commands' queue instead of behind thousands of them.
//! Written here because tokio's `Semaphore` serves strictly in order and no well-kept crate
//! offers a semaphore with two classes of waiters; it is a counter and two queues.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// Which queue a piece of work waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Served before any deferrable work that waits.
    Urgent,
    /// Served in order of arrival once no urgent work waits.
    Deferrable,
}

/// A fixed number of slots, handed to urgent waiters first.
pub struct Slots(Arc<Mutex<State>>);

struct State {
    free: usize,
    urgent: VecDeque<oneshot::Sender<Slot>>,
    deferrable: VecDeque<oneshot::Sender<Slot>>,
}

/// One slot, held until dropped; then it goes to the next waiter, or back to the free count.
pub struct Slot(Option<Arc<Mutex<State>>>);

impl Slots {
    pub fn new(slots: usize) -> Slots {
        Slots(Arc::new(Mutex::new(State {
            free: slots,
            urgent: VecDeque::new(),
            deferrable: VecDeque::new(),
        })))
    }

    /// Waits for a slot. Dropping the future gives up its place (a slot handed to it meanwhile
    /// goes on to the next waiter).
    pub async fn take(&self, priority: Priority) -> Slot {
        let waiting = {
            let mut state = lock(&self.0);
            if state.free > 0 {
                state.free -= 1;
                return Slot(Some(Arc::clone(&self.0)));
            }
            let (sender, receiver) = oneshot::channel();
            match priority {
                Priority::Urgent => state.urgent.push_back(sender),
                Priority::Deferrable => state.deferrable.push_back(sender),
            }
            receiver
        };
        // The sender is only dropped after sending: a waiter is never forgotten.
        waiting
            .await
            .expect("a waiter's sender sends before it is dropped")
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(state) = self.0.take() else {
            return;
        };
        loop {
            let next = {
                let mut locked = lock(&state);
                match locked
                    .urgent
                    .pop_front()
                    .or_else(|| locked.deferrable.pop_front())
                {
                    Some(next) => next,
                    None => {
                        locked.free += 1;
                        return;
                    }
                }
            };
            // Sent outside the lock: a slot dropped in a closed channel comes back here.
            match next.send(Slot(Some(Arc::clone(&state)))) {
                Ok(()) => return,
                // That waiter gave up; the slot (disarmed, so not released twice) goes on.
                Err(mut unwanted) => {
                    unwanted.0 = None;
                }
            }
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn free(slots: &Slots) -> usize {
        lock(&slots.0).free
    }

    /// Whether `future` is ready within a few polls of the runtime.
    async fn ready<T>(future: impl std::future::Future<Output = T>) -> Option<T> {
        tokio::time::timeout(Duration::from_millis(50), future)
            .await
            .ok()
    }

    #[tokio::test(start_paused = true)]
    async fn urgent_waiters_go_before_deferrable_ones_that_came_earlier() {
        let slots = Slots::new(1);
        let held = slots.take(Priority::Deferrable).await;
        assert_eq!(free(&slots), 0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let waiter = |name: &'static str, priority| {
            let (slots, order) = (&slots, Arc::clone(&order));
            async move {
                let _slot = slots.take(priority).await;
                order.lock().unwrap().push(name);
            }
        };
        let all = async {
            tokio::join!(
                waiter("deferrable 1", Priority::Deferrable),
                waiter("deferrable 2", Priority::Deferrable),
                waiter("urgent", Priority::Urgent),
            )
        };
        let mut all = std::pin::pin!(all);
        assert!(ready(&mut all).await.is_none(), "all wait for the one slot");
        drop(held);
        ready(&mut all).await.expect("each in turn");
        assert_eq!(
            *order.lock().unwrap(),
            ["urgent", "deferrable 1", "deferrable 2"]
        );
        assert_eq!(free(&slots), 1, "the slot is free again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_does_not_keep_the_slot() {
        let slots = Slots::new(1);
        let held = slots.take(Priority::Deferrable).await;
        let gave_up = ready(slots.take(Priority::Urgent)).await;
        assert!(gave_up.is_none(), "it waited, then its future was dropped");
        let mut next = std::pin::pin!(slots.take(Priority::Deferrable));
        assert!(ready(&mut next).await.is_none());
        drop(held);
        let _next = ready(&mut next)
            .await
            .expect("the slot skips the waiter that left");
        assert_eq!(free(&slots), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn slots_are_counted() {
        let slots = Slots::new(2);
        let (a, _b) = (
            slots.take(Priority::Deferrable).await,
            slots.take(Priority::Urgent).await,
        );
        assert_eq!(free(&slots), 0);
        drop(a);
        assert_eq!(free(&slots), 1);
    }
}
