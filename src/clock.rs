//! What time it is, decided only at the edges (ARCHITECTURE.md, rule 1): everything else takes `now`.
//!
//! The system clock for production, a fixed clock for tests, and a rehearsal clock that starts
//! at a chosen instant and optionally runs faster, so organisers can rehearse a conference day.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Always the same instant.
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Starts at `from` when created and runs `speed` times faster than real time.
pub struct RehearsalClock {
    from: DateTime<Utc>,
    speed: f64,
    started: Instant,
}

impl RehearsalClock {
    pub fn new(from: DateTime<Utc>, speed: f64) -> RehearsalClock {
        RehearsalClock {
            from,
            speed,
            started: Instant::now(),
        }
    }
}

impl Clock for RehearsalClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started.elapsed().as_secs_f64() * self.speed;
        self.from + TimeDelta::microseconds((elapsed * 1e6) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rehearsal_clock_starts_at_its_instant_and_runs_faster() {
        let from = DateTime::parse_from_rfc3339("2021-05-04T10:40:00-07:00")
            .unwrap()
            .to_utc();
        let clock = RehearsalClock::new(from, 3600.0);
        let first = clock.now();
        assert!(first >= from && first - from < TimeDelta::minutes(1));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            clock.now() - first >= TimeDelta::seconds(60),
            "20 ms at 3600x is over a minute"
        );
    }
}
