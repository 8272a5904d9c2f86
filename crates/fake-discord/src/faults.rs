//! Faults on demand (the next N requests to a route answered 429, 500 or 502, or carried out
//! and answered 502) and Discord's
//! per-route rate-limit buckets with their `X-RateLimit-*` headers.
//!
//! Buckets follow Discord's documented behaviour closely enough for serenity's ratelimiter:
//! a bucket per route and major parameter (channel, guild, webhook), a window that starts with
//! the first request, `X-RateLimit-Remaining`/`-Reset-After` on every answer, and a 429 with
//! `Retry-After` when a client sends more than the limit anyway.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::model::unix_ms;

/// A fault to inject into the answers of a route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 429 Too Many Requests with a `Retry-After` header and JSON `retry_after` (seconds).
    /// `global` adds `X-RateLimit-Global: true`, as for Discord's global limit.
    RateLimited {
        /// How long the client is told to wait.
        retry_after: Duration,
        /// Whether this is the global limit rather than the route's.
        global: bool,
    },
    /// 500 Internal Server Error.
    ServerError,
    /// 502 Bad Gateway, as Discord's edge answers when it has a bad moment.
    BadGateway,
    /// The request is carried out, then answered 502 Bad Gateway: the write happened but its
    /// answer was lost (a cut connection, a 5xx after the write).
    LostAfterWrite,
}

impl Fault {
    /// A route-scoped 429 asking the client to wait `retry_after`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        Fault::RateLimited {
            retry_after,
            global: false,
        }
    }
}

/// A rate-limit bucket: at most `limit` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Requests allowed per window.
    pub limit: u32,
    /// Length of a window, from its first request.
    pub window: Duration,
}

#[derive(Debug)]
struct Queued {
    method: String,
    route: String,
    remaining: u32,
    fault: Fault,
}

/// Faults waiting for their route.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queue: Vec<Queued>,
}

impl Faults {
    pub(crate) fn push(&mut self, method: &str, route: &str, n: u32, fault: Fault) {
        self.queue.push(Queued {
            method: method.into(),
            route: route.into(),
            remaining: n,
            fault,
        });
    }

    /// The fault for this request, if one is queued for its route; uses it up.
    pub(crate) fn take(&mut self, method: &str, route: &str) -> Option<Fault> {
        let q = self
            .queue
            .iter_mut()
            .find(|q| q.method == method && q.route == route && q.remaining > 0)?;
        q.remaining -= 1;
        let fault = q.fault;
        self.queue.retain(|q| q.remaining > 0);
        Some(fault)
    }
}

#[derive(Debug)]
struct Window {
    started: Instant,
    used: u32,
}

/// The state of one request against its bucket.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// `X-RateLimit-*` headers for the answer.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// `Some(retry_after)` when the bucket was already empty: answer 429.
    pub(crate) exceeded: Option<Duration>,
}

/// All buckets of one fake.
#[derive(Debug)]
pub(crate) struct Buckets {
    windows: HashMap<String, Window>,
    pub(crate) messages: Bucket,
    pub(crate) default: Bucket,
}

impl Buckets {
    pub(crate) fn new(messages: Bucket, default: Bucket) -> Self {
        Buckets {
            windows: HashMap::new(),
            messages,
            default,
        }
    }

    /// Counts a request to `method route` whose major parameter is `major`.
    pub(crate) fn hit(&mut self, method: &str, route: &str, major: &str) -> Verdict {
        let (key, bucket) = if method == "post" && route == "/channels/{channel_id}/messages" {
            (format!("messages:{major}"), self.messages)
        } else {
            (format!("{method} {route}:{major}"), self.default)
        };
        let now = Instant::now();
        let window = self.windows.entry(key.clone()).or_insert(Window {
            started: now,
            used: 0,
        });
        if now.duration_since(window.started) >= bucket.window {
            *window = Window {
                started: now,
                used: 0,
            };
        }
        let reset_after = bucket
            .window
            .saturating_sub(now.duration_since(window.started));
        let exceeded = if window.used >= bucket.limit {
            Some(reset_after)
        } else {
            window.used += 1;
            None
        };
        let reset_at = (unix_ms() as f64 + reset_after.as_millis() as f64) / 1000.0;
        let headers = vec![
            ("x-ratelimit-limit", bucket.limit.to_string()),
            (
                "x-ratelimit-remaining",
                (bucket.limit - window.used).to_string(),
            ),
            ("x-ratelimit-reset", format!("{reset_at:.3}")),
            (
                "x-ratelimit-reset-after",
                format!("{:.3}", reset_after.as_secs_f64()),
            ),
            ("x-ratelimit-bucket", format!("{:016x}", fnv(&key))),
        ];
        Verdict { headers, exceeded }
    }
}

/// A stable hash for bucket ids (Discord's are opaque strings too).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_used_up_after_n_requests() {
        let mut f = Faults::default();
        f.push(
            "post",
            "/channels/{channel_id}/messages",
            2,
            Fault::ServerError,
        );
        assert_eq!(
            f.take("post", "/channels/{channel_id}/messages"),
            Some(Fault::ServerError)
        );
        assert_eq!(f.take("get", "/channels/{channel_id}/messages"), None);
        assert_eq!(
            f.take("post", "/channels/{channel_id}/messages"),
            Some(Fault::ServerError)
        );
        assert_eq!(f.take("post", "/channels/{channel_id}/messages"), None);
    }

    #[test]
    fn the_message_bucket_is_per_channel() {
        let window = Duration::from_secs(60);
        let mut b = Buckets::new(Bucket { limit: 1, window }, Bucket { limit: 50, window });
        let route = "/channels/{channel_id}/messages";
        assert!(b.hit("post", route, "1").exceeded.is_none());
        assert!(b.hit("post", route, "2").exceeded.is_none());
        let again = b.hit("post", route, "1");
        assert!(again.exceeded.is_some());
        assert!(again
            .headers
            .contains(&("x-ratelimit-remaining", "0".into())));
    }
}
