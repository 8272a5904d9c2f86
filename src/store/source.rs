//! The live program source's state (`program_source`, one row): the validators of the document
//! last imported, how the last poll went, the last change and error, and when to poll next.
//! `source::poll_once` reads it, decides, and writes it back whole.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::from_unix;
use super::Store;

/// How a poll ended, as stored in `last_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollResult {
    /// The server answered 304 Not Modified.
    NotModified,
    /// A document with the same bytes as the last one imported.
    Unchanged,
    /// A new document, imported (its changes, if any, are the last change).
    Imported,
    Failed,
}

impl PollResult {
    fn as_str(self) -> &'static str {
        match self {
            PollResult::NotModified => "not_modified",
            PollResult::Unchanged => "unchanged",
            PollResult::Imported => "imported",
            PollResult::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<PollResult> {
        [
            PollResult::NotModified,
            PollResult::Unchanged,
            PollResult::Imported,
            PollResult::Failed,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// Everything remembered about the source between polls (and restarts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    pub url: String,
    /// The import options, as text: validators obtained with other options do not apply.
    pub options: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// SHA-256 (hex) of the last document imported.
    pub body_sha256: Option<String>,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub last_result: Option<PollResult>,
    pub last_change_at: Option<DateTime<Utc>>,
    /// What the last change changed (the diff's summary, then its first lines).
    pub last_change: Option<String>,
    pub last_error: Option<String>,
    /// When `last_error` was first seen (a repeat of the same error keeps the time).
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failed polls in a row; 0 when the last poll succeeded.
    pub failed_attempts: u32,
    pub next_poll_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The source's state, if it was ever polled.
    pub fn source_state(&self) -> anyhow::Result<Option<SourceState>> {
        self.read()
            .query_row(
                "SELECT url, options, etag, last_modified, body_sha256, last_fetch_at, last_result,
                        last_change_at, last_change, last_error, last_error_at, failed_attempts,
                        next_poll_at
                 FROM program_source WHERE id = 1",
                [],
                |r| {
                    let time = |i: usize| r.get::<_, Option<i64>>(i).map(|t| t.map(from_unix));
                    let result: Option<String> = r.get(6)?;
                    Ok(SourceState {
                        url: r.get(0)?,
                        options: r.get(1)?,
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                        body_sha256: r.get(4)?,
                        last_fetch_at: time(5)?,
                        last_result: result.as_deref().and_then(PollResult::parse),
                        last_change_at: time(7)?,
                        last_change: r.get(8)?,
                        last_error: r.get(9)?,
                        last_error_at: time(10)?,
                        failed_attempts: r.get(11)?,
                        next_poll_at: time(12)?,
                    })
                },
            )
            .optional()
            .context("reading the program source's state")
    }

    /// Replaces the source's state.
    pub fn save_source_state(&self, state: &SourceState) -> anyhow::Result<()> {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp());
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO program_source (id, url, options, etag, last_modified,
                     body_sha256, last_fetch_at, last_result, last_change_at, last_change,
                     last_error, last_error_at, failed_attempts, next_poll_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    state.url,
                    state.options,
                    state.etag,
                    state.last_modified,
                    state.body_sha256,
                    time(state.last_fetch_at),
                    state.last_result.map(PollResult::as_str),
                    time(state.last_change_at),
                    state.last_change,
                    state.last_error,
                    time(state.last_error_at),
                    state.failed_attempts,
                    time(state.next_poll_at),
                ],
            )
            .context("saving the program source's state")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_survives_a_round_trip_and_is_replaced_whole() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.source_state().unwrap(), None);
        let at = from_unix(1_620_150_000);
        let state = SourceState {
            url: "https://example.org/schedule.json".into(),
            options: "format=auto; timezone=-".into(),
            etag: Some("\"v1\"".into()),
            last_modified: Some("Tue, 04 May 2021 17:00:00 GMT".into()),
            body_sha256: Some("ab".repeat(32)),
            last_fetch_at: Some(at),
            last_result: Some(PollResult::Failed),
            last_change_at: Some(at),
            last_change: Some("Nothing changed.".into()),
            last_error: Some("boom".into()),
            last_error_at: Some(at),
            failed_attempts: 3,
            next_poll_at: Some(at),
        };
        store.save_source_state(&state).unwrap();
        assert_eq!(store.source_state().unwrap().as_ref(), Some(&state));
        let fresh = SourceState {
            url: "https://example.org/other.json".into(),
            ..SourceState::default()
        };
        store.save_source_state(&fresh).unwrap();
        assert_eq!(store.source_state().unwrap(), Some(fresh));
    }
}
