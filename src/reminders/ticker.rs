//! The clock tick: a tokio-cron-scheduler job, in UTC, that runs [`super::tick`] every few
//! seconds with the bot's clock. A tick still running when the next one fires is not doubled:
//! the next one is skipped (claims would keep it correct anyway; this keeps it quiet).

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::{tick, Poster, Rules};
use crate::clock::Clock;
use crate::store::Store;

/// The running scheduler; stop it with [`Ticker::stop`].
pub struct Ticker {
    scheduler: JobScheduler,
}

impl Ticker {
    /// Ticks once now, then every `seconds` (1 to 59).
    pub async fn start<P: Poster + Send + 'static>(
        store: Arc<Store>,
        poster: Arc<P>,
        clock: Arc<dyn Clock>,
        rules: Rules,
        seconds: u32,
    ) -> anyhow::Result<Ticker> {
        let running = Arc::new(Mutex::new(()));
        let rules = Arc::new(rules);
        let run = move || {
            let (store, poster, clock, rules, running) = (
                store.clone(),
                poster.clone(),
                clock.clone(),
                rules.clone(),
                running.clone(),
            );
            async move {
                let Ok(_guard) = running.try_lock() else {
                    return;
                };
                // The tick's SQLite work is synchronous: run it on a blocking thread (driving the
                // posts from there) so it never stalls the runtime's workers, and the gateway
                // heartbeats with them, while an import holds the database.
                let handle = tokio::runtime::Handle::current();
                let ticked = tokio::task::spawn_blocking(move || {
                    handle.block_on(tick(&store, poster.as_ref(), clock.now(), &rules))
                })
                .await;
                match ticked {
                    Ok(Ok(report)) if report != Default::default() => {
                        tracing::info!(?report, "announcement tick")
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => tracing::error!(error = ?error, "announcement tick failed"),
                    Err(panic) => tracing::error!(%panic, "announcement tick panicked"),
                }
            }
        };
        run().await;
        let scheduler = JobScheduler::new()
            .await
            .context("creating the scheduler")?;
        let job = Job::new_async_tz(
            format!("*/{seconds} * * * * *"),
            chrono::Utc,
            move |_, _| Box::pin(run()),
        )
        .context("creating the announcement job")?;
        scheduler
            .add(job)
            .await
            .context("scheduling announcements")?;
        scheduler.start().await.context("starting the scheduler")?;
        Ok(Ticker { scheduler })
    }

    pub async fn stop(mut self) {
        if let Err(error) = self.scheduler.shutdown().await {
            tracing::warn!(%error, "stopping the scheduler");
        }
    }
}
