//! The one budget of requests confbot makes on its own, and the rule that spends it ahead of a
//! crowd.
//!
//! Discord lets a bot make 50 requests a second (its global limit; interaction responses are
//! exempt). Every request confbot makes on its own (announcements, DMs, DM channels opened
//! ahead, Q&A threads, the Events mirror) takes a slot of it, [`SPACING`] apart, on the bot's
//! one timeline (`discord/pacer.rs`), at a [`Priority`]: what is due takes the next slot in
//! turn; what is done ahead (opening DM channels) only takes slots nothing due wants.
//!
//! **Crowded instants are sent early** ([`send_until`]). `n` reminders due at the same instant
//! `t` need `n` slots: they start at `t − k`, where `k` is the time of those `n` slots plus the
//! slots of the other deliveries (announcements) due in `[t − k, t]`, so the last goes by `t`.
//! Instants are planned latest first ("as late as possible" on one machine): an instant whose
//! start falls before an earlier instant's due pushes that one's finish earlier too. Earliest
//! due goes first, and the claim key (user, due instant) does not change, so exactly-once is
//! untouched; a reminder sent early says the talk's time (`jobs/reminders`).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Between two paced requests: a little over 1/50 s, so a window of one second never counts
/// 51 whatever its alignment.
pub const SPACING: Duration = Duration::from_millis(21);

/// How far ahead the plan looks: an hour holds about 170,000 requests, far more than any
/// conference's crowded instant.
pub const PLAN_AHEAD: TimeDelta = TimeDelta::hours(1);

/// How a request waits for its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Due now (an announcement, a due DM, a thread): the next slot in turn.
    Due,
    /// Done ahead of need (a DM channel opened before its reminder): only a slot nothing due
    /// wants, so it never delays what is due by more than one slot.
    Ahead,
}

/// What the plan of crowded instants reckons with, on the bot's clock (a rehearsal scales
/// them by its speed, as the pacer's slots are real time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// One request's share of the budget: [`SPACING`] and 2% for the work between requests.
    pub per_request: TimeDelta,
    /// How often the DM tick runs: a crowd starts up to one tick after its planned start, so
    /// it is started a tick early instead.
    pub tick: TimeDelta,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            per_request: TimeDelta::microseconds(21_400),
            tick: TimeDelta::seconds(5),
        }
    }
}

impl Budget {
    /// The budget on a clock running `speed` times faster than real time.
    pub fn scaled(self, speed: f64) -> Budget {
        let scale = |d: TimeDelta| {
            TimeDelta::microseconds(
                (d.num_microseconds().unwrap_or(i64::MAX) as f64 * speed) as i64,
            )
        };
        Budget {
            per_request: scale(self.per_request),
            tick: scale(self.tick),
        }
    }
}

/// The reminders due at one instant (one per user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crowd {
    pub due: DateTime<Utc>,
    pub dms: usize,
}

/// When a crowd's sending starts and by when it must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub finish: DateTime<Utc>,
}

/// Each crowd's window, latest first planned: a crowd finishes by its due instant or by the
/// next crowd's start, whichever is earlier. `crowds` in due order; `others` are the instants
/// of other deliveries due (announcements), each one request, in any order.
pub fn windows(crowds: &[Crowd], others: &[DateTime<Utc>], budget: &Budget) -> Vec<Window> {
    let mut windows = vec![
        Window {
            start: DateTime::<Utc>::MAX_UTC,
            finish: DateTime::<Utc>::MAX_UTC
        };
        crowds.len()
    ];
    let mut next_start = DateTime::<Utc>::MAX_UTC;
    for (crowd, window) in crowds.iter().zip(&mut windows).rev() {
        let finish = crowd.due.min(next_start);
        let start = finish - cost(crowd.dms, others, finish, budget);
        *window = Window { start, finish };
        next_start = start;
    }
    windows
}

/// How long `dms` requests take when they must be done by `finish`, with the other
/// deliveries due in that time taking their slots too.
fn cost(dms: usize, others: &[DateTime<Utc>], finish: DateTime<Utc>, budget: &Budget) -> TimeDelta {
    let slots = |n: usize| budget.per_request * i32::try_from(n).unwrap_or(i32::MAX);
    let mut cost = slots(dms);
    // More time takes in more announcements: grow until it holds them all (it ends, as there
    // are finitely many).
    loop {
        let start = finish - cost;
        let within = others
            .iter()
            .filter(|&&o| start <= o && o <= finish)
            .count();
        let needed = slots(dms + within);
        if needed <= cost {
            return cost;
        }
        cost = needed;
    }
}

/// The latest due instant whose reminders are sent at `now`. Never before `now`: what is due
/// is due. Beyond it, each crowd that needs planning (its slots take longer than a tick, or a
/// later crowd pushed its finish before its due) once its window starts within a tick of
/// `now`, and each crowd after it that the plan chained to it (its window starting before the
/// previous crowd's due, which it pushed earlier), so a sender working earliest due first goes
/// on into it without waiting. A crowd of a few is sent at its due tick, as ever.
pub fn send_until(
    crowds: &[Crowd],
    others: &[DateTime<Utc>],
    now: DateTime<Utc>,
    budget: &Budget,
) -> DateTime<Utc> {
    let mut until = now;
    let mut previous: Option<(&Crowd, Window)> = None;
    for (crowd, window) in crowds.iter().zip(windows(crowds, others, budget)) {
        let chained = previous.is_some_and(|(p, w)| p.due <= until && w.finish < p.due);
        if (needs_planning(crowd, window, budget) && window.start <= now + budget.tick) || chained {
            until = until.max(crowd.due);
        }
        previous = Some((crowd, window));
    }
    until
}

/// Whether a crowd must start before its due tick to be on time.
fn needs_planning(crowd: &Crowd, window: Window, budget: &Budget) -> bool {
    window.finish - window.start > budget.tick || window.finish < crowd.due
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_620_000_000 + seconds, 0).unwrap()
    }

    fn budget() -> Budget {
        Budget {
            per_request: TimeDelta::milliseconds(20),
            tick: TimeDelta::seconds(1),
        }
    }

    #[test]
    fn a_crowd_starts_its_slots_before_it_is_due_and_not_a_tick_sooner() {
        // 5,000 DMs at 20 ms: 100 s.
        let crowds = [Crowd {
            due: at(1_000),
            dms: 5_000,
        }];
        assert_eq!(send_until(&crowds, &[], at(898), &budget()), at(898));
        assert_eq!(send_until(&crowds, &[], at(899), &budget()), at(1_000));
        assert_eq!(
            windows(&crowds, &[], &budget()),
            [Window {
                start: at(900),
                finish: at(1_000)
            }]
        );
    }

    #[test]
    fn announcements_due_in_the_window_move_its_start_earlier() {
        let crowds = [Crowd {
            due: at(1_000),
            dms: 5_000,
        }];
        // Ten at the due instant, one that only the ten's slots bring in, one after it.
        let mut others = vec![at(1_000); 10];
        others.push(at(1_000) - TimeDelta::milliseconds(100_100));
        others.push(at(1_001));
        let w = windows(&crowds, &others, &budget())[0];
        // 5,000 slots reach back to 900, 5,010 to 899.8, which takes in the one at 899.9.
        assert_eq!(w.start, at(1_000) - TimeDelta::milliseconds(20 * 5_011));
    }

    #[test]
    fn a_crowd_just_before_another_is_pushed_earlier_and_sent_with_it() {
        let crowds = [
            Crowd {
                due: at(950),
                dms: 2_500,
            },
            Crowd {
                due: at(1_000),
                dms: 5_000,
            },
        ];
        let w = windows(&crowds, &[], &budget());
        assert_eq!(w[1].start, at(900));
        assert_eq!(
            w[0],
            Window {
                start: at(850),
                finish: at(900)
            }
        );
        assert_eq!(send_until(&crowds, &[], at(849), &budget()), at(1_000));
        assert_eq!(send_until(&crowds, &[], at(848), &budget()), at(848));
    }

    #[test]
    fn a_crowd_of_a_few_waits_for_its_due_tick() {
        let crowds = [Crowd {
            due: at(1_000),
            dms: 3,
        }];
        assert_eq!(send_until(&crowds, &[], at(999), &budget()), at(999));
        assert_eq!(send_until(&crowds, &[], at(1_000), &budget()), at(1_000));
    }

    #[test]
    fn crowds_apart_are_each_sent_at_their_own_start() {
        let crowds = [
            Crowd {
                due: at(100),
                dms: 1,
            },
            Crowd {
                due: at(1_000),
                dms: 5_000,
            },
        ];
        assert_eq!(send_until(&crowds, &[], at(100), &budget()), at(100));
        assert_eq!(send_until(&crowds, &[], at(899), &budget()), at(1_000));
    }

    proptest! {
        /// Sent earliest due first, one slot each, from each window's start on: nothing is
        /// late, and a crowd alone starts no earlier than its slots need plus a tick.
        #[test]
        fn planned_windows_hold_every_slot_and_end_by_each_due(
            crowds in proptest::collection::btree_map(0i64..3_000, 1usize..3_000, 1..8),
            others in proptest::collection::vec(0i64..3_000, 0..40),
        ) {
            let crowds: Vec<Crowd> = crowds.into_iter().map(|(s, dms)| Crowd { due: at(s), dms }).collect();
            let others: Vec<_> = others.into_iter().map(at).collect();
            let budget = budget();
            let windows = windows(&crowds, &others, &budget);
            for (crowd, w) in crowds.iter().zip(&windows) {
                prop_assert!(w.finish <= crowd.due);
                let within = others.iter().filter(|&&o| w.start <= o && o <= w.finish).count();
                let slots = budget.per_request * i32::try_from(crowd.dms + within).unwrap();
                prop_assert!(w.finish - w.start >= slots, "the window holds its slots");
                prop_assert!(w.finish - w.start <= slots + budget.per_request * i32::try_from(others.len()).unwrap());
            }
            for pair in windows.windows(2) {
                prop_assert!(pair[0].finish <= pair[1].start, "windows do not overlap");
            }
            // Whatever `now`, a crowd that needs planning is sent once its window has started
            // (less a tick); the others at their due instant.
            for (crowd, w) in crowds.iter().zip(&windows) {
                let now = if needs_planning(crowd, *w, &budget) { w.start - budget.tick } else { crowd.due };
                prop_assert!(send_until(&crowds, &others, now, &budget) >= crowd.due);
                let before = now - TimeDelta::seconds(1);
                if crowds.iter().zip(&windows).all(|(c, v)| c.due > before && v.start - budget.tick > before) {
                    prop_assert_eq!(send_until(&crowds, &others, before, &budget), before);
                }
            }
        }
    }
}
