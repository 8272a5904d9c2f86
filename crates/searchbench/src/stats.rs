//! Percentiles of per-call latencies (nearest rank, as `crates/loadbench`), and this
//! process's memory from `/proc/self/status`.
//!
//! Each call is timed twice: wall time, and the CPU time of the calling thread. On a machine
//! shared with other work a call preempted for a scheduler slice (4 ms here) shows in the wall
//! time's p99 whatever the engine; the CPU time does not count time the thread did not run.

use std::time::{Duration, Instant};

/// Calls per measured operation, and at most this long per operation (as the load bench).
pub const CALLS: usize = 2_000;
pub const BUDGET: Duration = Duration::from_secs(4);

/// Latencies of one kind of call, summarised.
pub struct Summary {
    pub n: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Nearest-rank percentiles of `samples` (which it sorts).
    pub fn of(samples: &mut [Duration]) -> Summary {
        samples.sort_unstable();
        let rank = |p: f64| {
            let i = ((p * samples.len() as f64).ceil() as usize).max(1) - 1;
            samples.get(i).copied().unwrap_or_default()
        };
        Summary {
            n: samples.len(),
            p50: rank(0.50),
            p99: rank(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// Wall and CPU time of the calls of one operation.
pub struct Timing {
    pub wall: Summary,
    pub cpu: Summary,
}

/// Times `call(i)` for i = 0, 1, ... up to [`CALLS`] times or [`BUDGET`], whichever ends first.
pub fn measure(calls: usize, mut call: impl FnMut(usize)) -> Timing {
    let started = Instant::now();
    let mut wall = Vec::with_capacity(calls);
    let mut cpu = Vec::with_capacity(calls);
    for i in 0..calls {
        let (t, c) = (Instant::now(), thread_cpu());
        call(i);
        wall.push(t.elapsed());
        cpu.push(thread_cpu().saturating_sub(c));
        if started.elapsed() > BUDGET {
            break;
        }
    }
    Timing {
        wall: Summary::of(&mut wall),
        cpu: Summary::of(&mut cpu),
    }
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    // SAFETY: an all-zero `timespec` is valid, and clock_gettime only writes into it.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `timespec` for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Milliseconds with enough digits for sub-millisecond figures.
pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.3}")
    } else if ms < 100.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    }
}

/// This process's memory, in MB, from `/proc/self/status`.
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss: f64,
    /// `VmHWM`: the peak of `rss`.
    pub peak: f64,
    /// `RssAnon`: the heap and stacks, of `rss`.
    pub anon: f64,
    /// `RssFile`: mapped files (tantivy's index, SQLite's code), of `rss`.
    pub file: f64,
}

pub fn memory() -> Memory {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    Memory {
        rss: field("VmRSS:"),
        peak: field("VmHWM:"),
        anon: field("RssAnon:"),
        file: field("RssFile:"),
    }
}

/// The size of a file, or of every file under a directory, in MB.
pub fn size_mb(path: &std::path::Path) -> f64 {
    fn bytes(path: &std::path::Path) -> u64 {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => std::fs::read_dir(path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| bytes(&e.path()))
                .sum(),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    bytes(path) as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_counts_work_not_sleep() {
        let t = super::measure(2, |i| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(50));
            } else {
                let started = Instant::now();
                while started.elapsed() < Duration::from_millis(20) {
                    std::hint::black_box(0);
                }
            }
        });
        assert_eq!(t.wall.n, 2);
        assert!(t.wall.p50 >= Duration::from_millis(20));
        // The sleep took no CPU; the busy call took some (all of it, unless preempted).
        assert!(t.cpu.p50 < Duration::from_millis(5), "{:?}", t.cpu.p50);
        assert!(t.cpu.max > Duration::ZERO);
    }

    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&mut samples);
        assert_eq!(
            (s.n, s.p50, s.p99, s.max),
            (
                100,
                Duration::from_millis(50),
                Duration::from_millis(99),
                Duration::from_millis(100)
            )
        );
    }
}
