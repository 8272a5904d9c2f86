//! `confbot serve`: the bot, configured from the environment, until SIGINT or SIGTERM.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use super::config::Config;
use crate::clock::{Clock, RehearsalClock, SystemClock};
use crate::discord::{self, Bot};
use crate::ops::http::{self, Endpoints};
use crate::ops::metrics::metrics;
use crate::source::{Limits, Source};
use crate::store::Store;

pub fn serve(db: &Path) -> anyhow::Result<()> {
    let config = Config::from_environment()?;
    let source = config
        .source
        .map(|source| Source::new(source, Limits::default()))
        .transpose()?;
    let store = match (&source, &config.program) {
        // An empty database waits for the source's first poll rather than taking the bundled
        // program, whose sessions the source's would then "cancel".
        (Some(_), None) => Store::open(db)?,
        _ => super::open_store(db, config.program.as_deref())?,
    };
    let store = Arc::new(store);
    let rehearsal = match config.rehearse_from {
        Some(from) => {
            let speed = config.rehearse_speed;
            let at = store.rehearsal_start(from, speed)?;
            tracing::info!(%from, %at, speed, "rehearsing");
            Some(Arc::new(RehearsalClock::new(at, speed)))
        }
        None => None,
    };
    let mut announce = config.announce;
    if rehearsal.is_some() {
        // Discord's memory of nonces is real time; the rehearsal's clock runs `speed` times faster.
        let real = announce.rules.retry_within.num_milliseconds() as f64;
        announce.rules.retry_within =
            chrono::TimeDelta::milliseconds((real * config.rehearse_speed) as i64);
        // So are the pacer's slots, which the plan of crowded reminders counts.
        announce.rules.budget = announce.rules.budget.scaled(config.rehearse_speed);
    }
    let clock: Arc<dyn Clock> = match &rehearsal {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    let bot = Bot {
        token: config.discord_token,
        guild_id: config.guild_id,
        api_url: config.api_url,
        http_client: None,
        store: Arc::clone(&store),
        clock,
        announce,
        source,
    };
    let http_addr = http_addr()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    if let Some(clock) = rehearsal {
        runtime.spawn(keep_rehearsal_position(Arc::clone(&store), clock));
    }
    runtime.block_on(async move {
        let endpoints = match http_addr {
            Some(addr) => {
                let endpoints = Endpoints {
                    store,
                    metrics: metrics(),
                };
                Some(http::serve(addr, endpoints).await?.1)
            }
            None => None,
        };
        let result = discord::run(bot, shutdown_signal()).await;
        if let Some(endpoints) = endpoints {
            endpoints.abort();
        }
        result
    })
}

/// `CONFBOT_HTTP_ADDR`: where to serve `/healthz` and `/metrics` (unset or empty: nowhere).
fn http_addr() -> anyhow::Result<Option<std::net::SocketAddr>> {
    match std::env::var("CONFBOT_HTTP_ADDR") {
        Ok(addr) if !addr.trim().is_empty() => addr.trim().parse().map(Some).with_context(|| {
            format!("CONFBOT_HTTP_ADDR: expected an address and port such as 127.0.0.1:9187, found `{addr}`")
        }),
        _ => Ok(None),
    }
}

/// Records the rehearsal's position every second (on a blocking thread: SQLite is
/// synchronous), so a restart, even after a kill, goes on within a second of where it was.
async fn keep_rehearsal_position(store: Arc<Store>, clock: Arc<RehearsalClock>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        every.tick().await;
        let (store, at) = (Arc::clone(&store), clock.now());
        let recorded = tokio::task::spawn_blocking(move || store.rehearsal_reached(at)).await;
        if let Ok(Err(error)) = recorded {
            tracing::warn!(error = ?error, "cannot record the rehearsal's position");
        }
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
