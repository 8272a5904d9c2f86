//! The clock ticks: tokio-cron-scheduler jobs, in UTC, that run [`super::announcements::tick`]
//! (channel announcements), [`super::reminders::tick`] (DM reminders) and
//! [`super::mirror::tick`] (the Events tab mirror) every few seconds with the bot's clock. They are separate jobs so that thousands
//! of DMs falling due at a keynote, or fifty events to create, never hold up an announcement. A tick still running when its next one fires is not doubled: the next
//! one is skipped (claims would keep it correct anyway; this keeps it quiet).

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::delivery::Rules;
use super::Settings;
use super::{announcements, mirror, reminders};
use crate::clock::Clock;
use crate::domain::ports::{DirectMessenger, EventPublisher, Poster};
use crate::store::Store;

/// The running scheduler; stop it with [`Ticker::stop`].
pub struct Ticker {
    scheduler: JobScheduler,
    /// The first ticks, run at once, then the scheduler's start.
    first_round: tokio::task::JoinHandle<()>,
}

/// What every tick job shares: the store, the clock it asks for `now`, and the rules.
#[derive(Clone)]
struct Shared {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    rules: Arc<Rules>,
}

impl Ticker {
    /// Ticks once now (beside the caller), then every `settings.tick_seconds` (1 to 59).
    pub async fn start<P, E>(
        store: Arc<Store>,
        poster: Arc<P>,
        publisher: Arc<E>,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> anyhow::Result<Ticker>
    where
        P: Poster + DirectMessenger + Send + 'static,
        E: EventPublisher + Send + 'static,
    {
        let restarting = Arc::clone(&store);
        let shared = Shared {
            store,
            clock,
            rules: Arc::new(settings.rules.clone()),
        };
        let announce = every_tick(
            "announcement tick",
            shared.clone(),
            Arc::clone(&poster),
            |store, poster, now, rules| async move {
                announcements::tick(&store, poster.as_ref(), now, &rules).await
            },
        );
        let mirror = every_tick(
            "Events mirror tick",
            shared.clone(),
            publisher,
            |store, publisher, now, _| async move {
                mirror::tick(&store, publisher.as_ref(), now).await
            },
        );
        let remind = every_tick(
            "DM reminder tick",
            shared,
            poster,
            |store, poster, now, rules| async move {
                reminders::tick(&store, poster.as_ref(), now, &rules).await
            },
        );
        let seconds = settings.tick_seconds;
        let scheduler = JobScheduler::new()
            .await
            .context("creating the scheduler")?;
        schedule(&scheduler, seconds, announce.clone()).await?;
        schedule(&scheduler, seconds, remind.clone()).await?;
        schedule(&scheduler, seconds, mirror.clone()).await?;
        // The first round runs beside the caller, which goes on to connect to Discord: a
        // database busy at start (another process importing) must not keep the bot from
        // answering. The schedule starts after it, so the mirror's first sync follows the
        // restart.
        let starting = scheduler.clone();
        let first_round = tokio::spawn(async move {
            restart_event_mirrors(restarting).await;
            announce().await;
            remind().await;
            mirror().await;
            if let Err(error) = starting.start().await {
                tracing::error!(%error, "cannot start the ticks' scheduler");
            }
        });
        Ok(Ticker {
            scheduler,
            first_round,
        })
    }

    pub async fn stop(mut self) {
        self.first_round.abort();
        if let Err(error) = self.scheduler.shutdown().await {
            tracing::warn!(%error, "stopping the scheduler");
        }
    }
}

/// What happened to the events while confbot was away is read before the mirror's first
/// sync. Not fatal: the mirror then lists Discord's events after its next failure or
/// `/setup events`.
async fn restart_event_mirrors(store: Arc<Store>) {
    match tokio::task::spawn_blocking(move || store.restart_event_mirrors()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(error = ?error, "cannot restart the Events mirrors"),
        Err(panic) => tracing::error!(%panic, "restarting the Events mirrors panicked"),
    }
}

/// Adds `run` to the scheduler, every `seconds`.
async fn schedule(
    scheduler: &JobScheduler,
    seconds: u32,
    run: impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let job = Job::new_async_tz(
        format!("*/{seconds} * * * * *"),
        chrono::Utc,
        move |_, _| run(),
    )
    .context("creating a tick job")?;
    scheduler.add(job).await.context("scheduling ticks")?;
    Ok(())
}

type Run = Arc<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// One tick job: `tick` with the clock's `now`, skipped while the previous one still runs,
/// its report logged when it did something.
fn every_tick<P, F, Fut, R>(
    what: &'static str,
    shared: Shared,
    poster: Arc<P>,
    tick: F,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Clone + Send + Sync
where
    P: Send + Sync + 'static,
    F: Fn(Arc<Store>, Arc<P>, DateTime<Utc>, Arc<Rules>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<R>> + Send + 'static,
    R: Debug + Default + PartialEq + Send + 'static,
{
    let running = Arc::new(Mutex::new(()));
    let tick = Arc::new(tick);
    let run: Run = Arc::new(move || {
        let (
            Shared {
                store,
                clock,
                rules,
            },
            poster,
            running,
            tick,
        ) = (
            shared.clone(),
            poster.clone(),
            running.clone(),
            tick.clone(),
        );
        Box::pin(async move {
            let Ok(_guard) = running.try_lock() else {
                return;
            };
            // The tick's SQLite work is synchronous: run it on a blocking thread (driving the
            // posts from there) so it never stalls the runtime's workers, and the gateway
            // heartbeats with them, while an import holds the database.
            let handle = tokio::runtime::Handle::current();
            let ticked = tokio::task::spawn_blocking(move || {
                handle.block_on(tick(store, poster, clock.now(), rules))
            })
            .await;
            match ticked {
                Ok(Ok(report)) if report != R::default() => tracing::info!(?report, "{what}"),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::error!(error = ?error, "{what} failed"),
                Err(panic) => tracing::error!(%panic, "{what} panicked"),
            }
        })
    });
    move || run()
}
