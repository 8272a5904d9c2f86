//! The repeating poll: a tokio task that polls at start, then whenever the last [`Outcome`]
//! says, and in between on request ([`SourceHandle::poll_now`], for `/program reload`). One
//! task does every poll, so two never race over the validators, and a requested poll resets
//! the schedule. Each poll runs on a blocking thread (the import parses and writes SQLite),
//! driving its fetch from there, as the announcement tick does.
//!
//! This is the edge: it reads the bot's clock for `now` and logs each distinct error once.
//! Waits are real time, also in a rehearsal.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::Settings;
use super::{poll_once, reload_now, Outcome, Polled, Source};
use crate::clock::Clock;
use crate::store::Store;

type Reply = oneshot::Sender<anyhow::Result<Outcome>>;

/// The running task; stop it with [`SourceTask::stop`].
pub struct SourceTask {
    handle: SourceHandle,
    task: JoinHandle<()>,
}

/// Asks the task for a poll now; cheap to clone.
#[derive(Clone)]
pub struct SourceHandle {
    source: Arc<Source>,
    requests: mpsc::Sender<Reply>,
}

impl SourceTask {
    /// Starts polling `source` into `store` (the first poll at once).
    pub fn start(store: Arc<Store>, source: Source, clock: Arc<dyn Clock>) -> SourceTask {
        let source = Arc::new(source);
        let (requests, received) = mpsc::channel(4);
        let task = tokio::spawn(run(store, Arc::clone(&source), clock, received));
        SourceTask {
            handle: SourceHandle { source, requests },
            task,
        }
    }

    pub fn handle(&self) -> SourceHandle {
        self.handle.clone()
    }

    /// Ends the task; a poll in progress finishes on its blocking thread (its import is one
    /// transaction either way).
    pub async fn stop(self) {
        self.task.abort();
        // A cancelled task's error is the expected result of `abort`.
        let _ = self.task.await;
    }
}

impl SourceHandle {
    pub fn config(&self) -> &Settings {
        &self.source.config
    }

    /// Polls now, unconditionally (after the poll in progress, if any), and says what it found.
    pub async fn poll_now(&self) -> anyhow::Result<Outcome> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(reply)
            .await
            .context("the program source's task has stopped")?;
        answer
            .await
            .context("the program source's task has stopped")?
    }
}

async fn run(
    store: Arc<Store>,
    source: Arc<Source>,
    clock: Arc<dyn Clock>,
    mut requests: mpsc::Receiver<Reply>,
) {
    let mut wait = Duration::ZERO;
    loop {
        let reply = tokio::select! {
            () = tokio::time::sleep(wait) => None,
            request = requests.recv() => match request {
                Some(reply) => Some(reply),
                None => return,
            },
        };
        let outcome = poll(&store, &source, clock.now(), reply.is_some()).await;
        log(&source, &outcome);
        wait = match &outcome {
            Ok(outcome) => outcome.next_poll_in,
            // The store failed: try again as after a first failure.
            Err(_) => source.delay_after(1),
        };
        if let Some(reply) = reply {
            // The admin who asked may have gone; the poll counts all the same.
            let _ = reply.send(outcome);
        }
    }
}

async fn poll(
    store: &Arc<Store>,
    source: &Arc<Source>,
    now: chrono::DateTime<chrono::Utc>,
    forced: bool,
) -> anyhow::Result<Outcome> {
    let (store, source) = (Arc::clone(store), Arc::clone(source));
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async {
            if forced {
                reload_now(&store, &source, now).await
            } else {
                poll_once(&store, &source, now).await
            }
        })
    })
    .await
    .context("polling the program source panicked")?
}

fn log(source: &Source, outcome: &anyhow::Result<Outcome>) {
    let url = source.shown_url();
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(%url, error = ?error, "cannot poll the program source");
            return;
        }
    };
    if outcome.recovered {
        tracing::info!(%url, "the program source answers again");
    }
    let retry_in = outcome.next_poll_in;
    match &outcome.polled {
        Polled::Failed(error) if outcome.new_error => tracing::warn!(
            %url, %error, attempts = outcome.failed_attempts, ?retry_in,
            "the program source failed; the program stays as it is"
        ),
        Polled::Failed(error) => tracing::debug!(
            %url, %error, attempts = outcome.failed_attempts, ?retry_in,
            "the program source still fails"
        ),
        Polled::Imported(imported, diff) if !diff.is_empty() => tracing::info!(
            %url, format = imported.format.name(), %diff, warnings = imported.warnings.len(),
            "imported a changed program from its source (`/program reload` lists its warnings)"
        ),
        Polled::Imported(..) | Polled::Unchanged | Polled::NotModified => {
            tracing::debug!(%url, "the program source has not changed")
        }
    }
}
