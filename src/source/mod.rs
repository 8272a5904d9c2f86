//! The live program source: a program file at an http(s) URL (`CONFBOT_PROGRAM_URL`), polled
//! and imported when it changes, so organisers edit their schedule where they keep it (pretalx,
//! Sessionize, a calendar) and confbot follows.
//!
//! [`poll_once`] is one poll, a plain function of the store, the [`Source`] and `now` (no clock
//! is read here); `task.rs` repeats it on the bot's runtime and serves `/program reload`'s
//! "poll now" ([`reload_now`]). Each poll, with its state in the store (`store/source.rs`):
//!
//! 1. GET with the validators of the document last imported (`If-None-Match`,
//!    `If-Modified-Since`). 304: **not modified**, nothing is parsed.
//! 2. 200 with the same bytes (SHA-256) as the last document imported: **unchanged**, not
//!    parsed either; the new validators are kept.
//! 3. Otherwise the document is imported exactly as `confbot import` does (validated, then
//!    `Store::replace_program`, which records moves and cancellations for the tick to post):
//!    **imported**; its validators and hash are kept only now, so a document that failed is
//!    fetched and judged again rather than excused by a 304.
//! 4. Anything else **failed** (unreachable, timeout, 4xx/5xx, too large, cut off, not UTF-8,
//!    invalid): the program stays as it is, and the error is recorded for `/program status`.
//!
//! Timing: after a success the next poll is one interval (`CONFBOT_PROGRAM_POLL`) later. After
//! the n-th failure in a row it is `min(1 min · 2^(n-1), interval)` later: a passing glitch is
//! retried within a minute, a lasting outage settles at the normal pace. `Outcome::new_error`
//! says whether a failure differs from the one before it, so it is logged once, not every poll.

mod fetch;
mod settings;
mod task;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

pub use fetch::{shown_url, FetchError, Limits};
pub use task::{SourceHandle, SourceTask};

use fetch::{Fetched, Fetcher, Validators};

use crate::program::{import_str, ImportError, ImportOptions, Imported, ProgramDiff};
use crate::store::{PollResult, SourceState, Store};
pub use settings::{Settings, DEFAULT_POLL, LONGEST_POLL, SHORTEST_POLL};

/// The first retry after a failure (or the poll interval, if that is shorter).
const FIRST_RETRY: Duration = Duration::from_secs(60);

/// Changes listed in the stored summary of the last change, after its counts.
const SUMMARY_LINES: usize = 5;

/// The configured source and the client that fetches it.
#[derive(Debug)]
pub struct Source {
    pub config: Settings,
    fetcher: Fetcher,
}

impl Source {
    pub fn new(config: Settings, limits: Limits) -> anyhow::Result<Source> {
        Ok(Source {
            config,
            fetcher: Fetcher::new(limits)?,
        })
    }

    /// The URL as shown to people and in logs.
    pub fn shown_url(&self) -> String {
        shown_url(&self.config.url)
    }

    /// How long to wait after `failures` failed polls in a row (none: the poll interval).
    pub fn delay_after(&self, failures: u32) -> Duration {
        let poll = self.config.poll;
        match failures {
            0 => poll,
            n => {
                let doubling = 1u32.checked_shl(n - 1).unwrap_or(u32::MAX);
                FIRST_RETRY.min(poll).saturating_mul(doubling).min(poll)
            }
        }
    }
}

/// The import options as stored with the state: validators obtained with other options (or
/// for another URL) say nothing about what importing would give now.
fn options_key(config: &Settings) -> String {
    let zone = config.time_zone.map_or("-", |tz| tz.name());
    format!("format={:?}; timezone={zone}", config.format)
}

/// The stored state of this source, if it was polled with this configuration.
pub fn state(store: &Store, config: &Settings) -> anyhow::Result<Option<SourceState>> {
    Ok(store
        .source_state()?
        .filter(|s| s.url == config.url.as_str() && s.options == options_key(config)))
}

/// Why a poll changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { url: String, offset: usize },
    /// The import error names the URL and the place in the document.
    #[error("{0}")]
    Invalid(ImportError),
    #[error("could not store the program from {url}: {reason}")]
    Store { url: String, reason: String },
}

/// What a poll found.
#[derive(Debug)]
pub enum Polled {
    NotModified,
    Unchanged,
    /// A new document, now the program; the diff may be empty (only its bytes changed).
    Imported(Box<Imported>, ProgramDiff),
    Failed(SourceError),
}

/// What a poll found, and when the next one is due.
#[derive(Debug)]
pub struct Outcome {
    pub polled: Polled,
    /// A failure other than the one before it: worth logging (a repeat is not).
    pub new_error: bool,
    /// A success after failures.
    pub recovered: bool,
    /// Failed polls in a row, this one included.
    pub failed_attempts: u32,
    pub next_poll_at: DateTime<Utc>,
    pub next_poll_in: Duration,
}

/// One scheduled poll: conditional, and a document seen before is not parsed again.
pub async fn poll_once(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    poll(store, source, now, false).await
}

/// A poll an admin asked for (`/program reload`): unconditional and always imported, so its
/// diff is against the program as it is now, even if someone imported another file meanwhile.
pub async fn reload_now(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    poll(store, source, now, true).await
}

async fn poll(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
    forced: bool,
) -> anyhow::Result<Outcome> {
    let config = &source.config;
    let mut state = state(store, config)?.unwrap_or_else(|| SourceState {
        url: config.url.as_str().to_string(),
        options: options_key(config),
        ..SourceState::default()
    });
    let sent = if forced {
        Validators::default()
    } else {
        Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        }
    };
    let polled = match source.fetcher.fetch(&config.url, &sent).await {
        Err(error) => Polled::Failed(error.into()),
        Ok(Fetched::NotModified) => Polled::NotModified,
        Ok(Fetched::Document { body, validators }) => {
            let hash = sha256_hex(&body);
            let same = !forced && state.body_sha256.as_deref() == Some(hash.as_str());
            let polled = if same {
                Polled::Unchanged
            } else {
                match import(store, source, body) {
                    Ok((imported, diff)) => Polled::Imported(Box::new(imported), diff),
                    Err(error) => Polled::Failed(error),
                }
            };
            if !matches!(polled, Polled::Failed(_)) {
                state.etag = validators.etag;
                state.last_modified = validators.last_modified;
                state.body_sha256 = Some(hash);
            }
            polled
        }
    };

    state.last_fetch_at = Some(now);
    let (mut new_error, mut recovered) = (false, false);
    match &polled {
        Polled::Failed(error) => {
            let message = error.to_string();
            new_error = state.failed_attempts == 0 || state.last_error.as_deref() != Some(&message);
            if new_error {
                state.last_error_at = Some(now);
            }
            state.last_error = Some(message);
            state.failed_attempts = state.failed_attempts.saturating_add(1);
        }
        succeeded => {
            recovered = state.failed_attempts > 0;
            state.failed_attempts = 0;
            if let Polled::Imported(imported, diff) = succeeded {
                if !diff.is_empty() {
                    state.last_change_at = Some(now);
                    let tz = imported.program.conference().time_zone;
                    state.last_change = Some(summary(diff, tz));
                }
            }
        }
    }
    state.last_result = Some(match polled {
        Polled::NotModified => PollResult::NotModified,
        Polled::Unchanged => PollResult::Unchanged,
        Polled::Imported(..) => PollResult::Imported,
        Polled::Failed(_) => PollResult::Failed,
    });
    let next_poll_in = source.delay_after(state.failed_attempts);
    let next_poll_at = now + TimeDelta::from_std(next_poll_in).unwrap_or(TimeDelta::days(1));
    state.next_poll_at = Some(next_poll_at);
    store.save_source_state(&state)?;
    Ok(Outcome {
        polled,
        new_error,
        recovered,
        failed_attempts: state.failed_attempts,
        next_poll_at,
        next_poll_in,
    })
}

/// Reads and stores a fetched document as `confbot import` would a file.
fn import(
    store: &Store,
    source: &Source,
    body: Vec<u8>,
) -> Result<(Imported, ProgramDiff), SourceError> {
    let stored = |error: anyhow::Error| SourceError::Store {
        url: source.shown_url(),
        reason: format!("{error:#}"),
    };
    let imported = read(store, source, body)?;
    let diff = store.replace_program(&imported.program).map_err(stored)?;
    Ok((imported, diff))
}

/// Reads and validates a fetched document, without storing it.
fn read(store: &Store, source: &Source, body: Vec<u8>) -> Result<Imported, SourceError> {
    let url = source.shown_url();
    let text = String::from_utf8(body).map_err(|e| SourceError::NotUtf8 {
        url: url.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    // The stored name stands in for formats that have none (Sessionize), as on reload.
    let current = store.conference().map_err(|error| SourceError::Store {
        url: url.clone(),
        reason: format!("{error:#}"),
    })?;
    let options = ImportOptions {
        format: source.config.format,
        time_zone: source.config.time_zone,
        conference_name: current.map(|c| c.name),
        ..ImportOptions::default()
    };
    import_str(&url, &text, &options).map_err(SourceError::Invalid)
}

/// `confbot doctor`'s question: does the source answer now with a program that would import?
/// Fetched unconditionally and validated as a poll would; nothing is stored, not even the
/// poll's state, so the running bot's next poll is unchanged.
pub async fn probe(store: &Store, source: &Source) -> Result<Imported, SourceError> {
    match source
        .fetcher
        .fetch(&source.config.url, &Validators::default())
        .await?
    {
        Fetched::Document { body, .. } => read(store, source, body),
        // Asked without validators, a server has nothing to compare with: a 304 is its bug.
        Fetched::NotModified => Err(FetchError::Status {
            url: source.shown_url(),
            status: "304 to a request that was not conditional".to_string(),
        }
        .into()),
    }
}

/// The diff's counts, then its first changes.
fn summary(diff: &ProgramDiff, tz: chrono_tz::Tz) -> String {
    let mut lines = vec![diff.to_string()];
    lines.extend(
        diff.changes
            .iter()
            .take(SUMMARY_LINES)
            .map(|c| format!("• {}", c.describe(tz))),
    );
    if diff.changes.len() > SUMMARY_LINES {
        lines.push(format!("…and {} more", diff.changes.len() - SUMMARY_LINES));
    }
    lines.join("\n")
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Format;

    fn source(poll: Duration) -> Source {
        let config = Settings {
            url: "https://user:pw@example.org/schedule.json".parse().unwrap(),
            poll,
            format: Format::Auto,
            time_zone: None,
        };
        Source::new(config, Limits::default()).unwrap()
    }

    #[test]
    fn failures_are_retried_sooner_at_first_then_at_the_poll_interval() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        let every_five = source(minutes(5));
        let delays: Vec<Duration> = (0..6).map(|n| every_five.delay_after(n)).collect();
        assert_eq!(
            delays,
            [
                minutes(5),
                minutes(1),
                minutes(2),
                minutes(4),
                minutes(5),
                minutes(5)
            ]
        );
        assert_eq!(every_five.delay_after(u32::MAX), minutes(5), "no overflow");
        let short = source(Duration::from_millis(200));
        assert_eq!(short.delay_after(3), Duration::from_millis(200));
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn state_for_another_url_or_zone_is_not_this_sources() {
        let store = Store::open_in_memory().unwrap();
        let mut config = source(Duration::from_secs(300)).config;
        store
            .save_source_state(&SourceState {
                url: config.url.to_string(),
                options: options_key(&config),
                etag: Some("\"v1\"".into()),
                ..SourceState::default()
            })
            .unwrap();
        assert!(state(&store, &config).unwrap().is_some());
        config.time_zone = Some(chrono_tz::Europe::Berlin);
        assert_eq!(state(&store, &config).unwrap(), None);
        assert_eq!(
            source(Duration::from_secs(300)).shown_url(),
            "https://example.org/schedule.json"
        );
    }
}
