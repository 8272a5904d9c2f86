//! The clock: tokio-cron-scheduler jobs that run [`super::announcements::tick`] (channel
//! announcements), [`super::reminders::tick`] (DM reminders), [`super::reminders::ahead::tick`]
//! (DM channels opened ahead), [`super::mirror::tick`] (the Events tab mirror),
//! [`super::stage::tick`] (on stage now) and, with `CONFBOT_FEEDBACK`, [`super::feedback::tick`]
//! (the "How was it?" prompts) every few seconds with the bot's clock, evenly spaced, and
//! [`super::digest::tick`] as a wall-clock job at its local hour. They are separate jobs so that
//! thousands of DMs falling due at a keynote, or fifty events to create, never hold up an
//! announcement. A job still running when its next turn comes is not doubled: the turn is
//! skipped (claims would keep it correct anyway; this keeps it quiet).

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::delivery::Rules;
use super::Settings;
use super::{announcements, digest, feedback, mirror, reminders, stage};
use crate::clock::Clock;
use crate::domain::ports::{DirectMessenger, EventPublisher, Poster, StageBoard};
use crate::ops::metrics::DeliveryKind;
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

/// What the jobs send through: the poster (announcements, DMs, the digest), the Events tab's
/// publisher and the stage board (rooms' statuses).
pub struct Ports<P, E, S> {
    pub poster: Arc<P>,
    pub publisher: Arc<E>,
    pub stage: Arc<S>,
}

impl Ticker {
    /// Ticks once now (beside the caller), then every `settings.tick_seconds` (1 to 59).
    pub async fn start<P, E, S>(
        store: Arc<Store>,
        ports: Ports<P, E, S>,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> anyhow::Result<Ticker>
    where
        P: Poster + DirectMessenger + Send + 'static,
        E: EventPublisher + Send + 'static,
        S: StageBoard + Send + 'static,
    {
        let Ports {
            poster,
            publisher,
            stage,
        } = ports;
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
                let report = announcements::tick(&store, poster.as_ref(), now, &rules).await?;
                report.announcements.count(DeliveryKind::Announcement);
                report.notices.count(DeliveryKind::Notice);
                report.room_posts.count(DeliveryKind::RoomPost);
                Ok(report)
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
        let on_stage = every_tick(
            "on stage tick",
            shared.clone(),
            stage,
            |store, board, now, _| async move { stage::tick(&store, board.as_ref(), now).await },
        );
        let remind = every_tick(
            "DM reminder tick",
            shared.clone(),
            Arc::clone(&poster),
            |store, poster, now, rules| async move {
                let report = reminders::tick(&store, poster.as_ref(), now, &rules).await?;
                report.count(DeliveryKind::Dm);
                Ok(report)
            },
        );
        let feedback = settings.feedback.then(|| {
            every_tick(
                "feedback tick",
                shared.clone(),
                Arc::clone(&poster),
                |store, poster, now, rules| async move {
                    let report = feedback::tick(&store, poster.as_ref(), now, &rules).await?;
                    report.count(DeliveryKind::FeedbackPrompt);
                    Ok(report)
                },
            )
        });
        let open_ahead = every_tick(
            "DM channels opened ahead",
            shared.clone(),
            Arc::clone(&poster),
            |store, poster, now, _| async move {
                reminders::ahead::tick(&store, poster.as_ref(), now).await
            },
        );
        let every = Duration::from_secs(settings.tick_seconds.into());
        let scheduler = JobScheduler::new()
            .await
            .context("creating the scheduler")?;
        schedule(&scheduler, every, announce.clone()).await?;
        schedule(&scheduler, every, remind.clone()).await?;
        schedule(&scheduler, every, mirror.clone()).await?;
        schedule(&scheduler, every, on_stage.clone()).await?;
        if let Some(feedback) = &feedback {
            schedule(&scheduler, every, feedback.clone()).await?;
        }
        schedule(&scheduler, every, open_ahead).await?;
        let digest = match settings.digest_at {
            Some(at) => Some(schedule_digest(&scheduler, shared, poster, at).await?),
            None => None,
        };
        // The first round runs beside the caller, which goes on to connect to Discord: a
        // database busy at start (another process importing) must not keep the bot from
        // answering. The schedule starts after it, so the mirror's first sync follows the
        // restart.
        let starting = scheduler.clone();
        // The reminders go beside the rest: a crowd of them, planned ahead, takes minutes, and the
        // schedule must not wait for it (its turns of the DM tick are skipped meanwhile). The
        // channels opened ahead wait for the schedule's first turn.
        let first_round = tokio::spawn(async move {
            restart_event_mirrors(restarting).await;
            announce().await;
            let rest = async {
                mirror().await;
                on_stage().await;
                if let Some(feedback) = feedback {
                    feedback().await;
                }
                if let Some(digest) = digest {
                    digest().await;
                }
                if let Err(error) = starting.start().await {
                    tracing::error!(%error, "cannot start the ticks' scheduler");
                }
            };
            tokio::join!(remind(), rest);
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

/// Adds `run` to the scheduler, every `every`: a repeated job, evenly spaced whatever the
/// period (a cron `*/7` second field would fire at 0, 7, ... 56 and 0 again, 4 s later).
async fn schedule(
    scheduler: &JobScheduler,
    every: Duration,
    run: impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let job = Job::new_repeated_async(every, move |_, _| run()).context("creating a tick job")?;
    scheduler.add(job).await.context("scheduling ticks")?;
    Ok(())
}

/// The daily digest: a wall-clock job at `at` in the conference's zone (as the program says at
/// start; a reload into another zone takes effect at the next start). Also what the first
/// round runs, so a digest missed while the bot was down is posted that day.
async fn schedule_digest<P>(
    scheduler: &JobScheduler,
    shared: Shared,
    poster: Arc<P>,
    at: NaiveTime,
) -> anyhow::Result<impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Clone>
where
    P: Poster + Send + 'static,
{
    let zone = {
        let store = Arc::clone(&shared.store);
        tokio::task::spawn_blocking(move || store.conference())
            .await
            .context("reading the conference's zone")??
            .map_or(chrono_tz::UTC, |conference| conference.time_zone)
    };
    let digest = every_tick(
        "daily digest",
        shared,
        poster,
        move |store, poster, now, rules| async move {
            let report = digest::tick(&store, poster.as_ref(), now, &rules, at).await?;
            report.count(DeliveryKind::Digest);
            Ok(report)
        },
    );
    let run = digest.clone();
    let job = Job::new_async_tz(
        format!("0 {} {} * * *", at.minute(), at.hour()),
        zone,
        move |_, _| run(),
    )
    .context("creating the digest's job")?;
    scheduler.add(job).await.context("scheduling the digest")?;
    Ok(digest)
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
