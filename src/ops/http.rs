//! `CONFBOT_HTTP_ADDR`: `GET /healthz` and `GET /metrics` for uptime monitors and Prometheus.
//!
//! `/healthz` is 200 when the gateway is connected, the database takes writes and the clock
//! tick ran within three ticks; otherwise 503 with the reasons as JSON. `/metrics` refreshes
//! what the database holds (talks, the mirror, the live source) and encodes [`Metrics`].

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::metrics::{Metrics, CONTENT_TYPE};
use crate::store::{PollResult, Store};

/// What the endpoints read.
#[derive(Clone)]
pub struct Endpoints {
    pub store: Arc<Store>,
    pub metrics: &'static Metrics,
}

/// Serves the endpoints on `addr` until the task returned is aborted; returns once listening,
/// with the address bound (port 0 picks a free one).
pub async fn serve(
    addr: SocketAddr,
    endpoints: Endpoints,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("CONFBOT_HTTP_ADDR: cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(endpoints);
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the health and metrics endpoint stopped");
        }
    });
    tracing::info!(addr = %bound, "serving /healthz and /metrics");
    Ok((bound, task))
}

async fn healthz(State(endpoints): State<Endpoints>) -> impl IntoResponse {
    let mut problems = Vec::new();
    if !endpoints.metrics.gateway_is_connected() {
        problems.push("the Discord gateway is not connected".to_string());
    }
    match endpoints.metrics.since_tick() {
        Some((since, every)) if since > every * 3 => problems.push(format!(
            "the clock tick last ran {}s ago (it runs every {}s)",
            since.as_secs(),
            every.as_secs()
        )),
        Some(_) => {}
        None => problems.push("the clock tick has not run yet".to_string()),
    }
    let store = Arc::clone(&endpoints.store);
    match tokio::task::spawn_blocking(move || store.check_writable()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => problems.push(format!("the database cannot be written: {error:#}")),
        Err(_) => problems.push("checking the database panicked".to_string()),
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "healthy": problems.is_empty(), "problems": problems });
    (status, axum::Json(body))
}

async fn metrics(State(endpoints): State<Endpoints>) -> impl IntoResponse {
    let store = Arc::clone(&endpoints.store);
    let read = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let source = store.source_state()?;
        Ok((store.talk_count()?, store.mirrored_event_count()?, source))
    })
    .await;
    match read {
        Ok(Ok((talks, mirror, source))) => {
            endpoints.metrics.program(talks, mirror);
            if let Some(source) = source {
                // The database keeps the last fetch and the last error: a success before the
                // last fetch failed is the one this process saw, kept in the gauge.
                if let (Some(at), false) = (
                    source.last_fetch_at,
                    source.last_result == Some(PollResult::Failed),
                ) {
                    endpoints.metrics.source_succeeded(at.timestamp());
                }
                if let Some(at) = source.last_error_at {
                    endpoints.metrics.source_failed(at.timestamp());
                }
            }
        }
        Ok(Err(error)) => tracing::warn!(error = ?error, "/metrics cannot read the database"),
        Err(panic) => tracing::error!(%panic, "/metrics panicked reading the database"),
    }
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        endpoints.metrics.encode(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use prometheus_parse::{Scrape, Value};

    use super::*;
    use crate::ops::metrics::{DeliveryKind, DeliveryOutcome, InteractionOutcome, RateLimitScope};
    use crate::program::{import_str, ImportOptions};

    async fn start() -> (String, &'static Metrics) {
        let store = Store::open_in_memory().unwrap();
        let program = import_str(
            crate::DEFAULT_PROGRAM_NAME,
            crate::DEFAULT_PROGRAM,
            &ImportOptions::default(),
        )
        .unwrap()
        .program;
        store.replace_program(&program).unwrap();
        let metrics: &'static Metrics = Box::leak(Box::new(Metrics::new()));
        let endpoints = Endpoints {
            store: Arc::new(store),
            metrics,
        };
        let (addr, _task) = serve("127.0.0.1:0".parse().unwrap(), endpoints)
            .await
            .unwrap();
        (format!("http://{addr}"), metrics)
    }

    /// A counter's or gauge's value. The parser reads Prometheus' older text format, where a
    /// counter's TYPE line names it with its `_total`; OpenMetrics names it without, so the
    /// parser calls its samples untyped.
    fn number(value: &Value) -> f64 {
        match value {
            Value::Counter(n) | Value::Gauge(n) | Value::Untyped(n) => *n,
            other => panic!("{other:?} is not a number"),
        }
    }

    fn sample<'a>(scrape: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> &'a Value {
        let wanted: HashMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        &scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && wanted.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
            .unwrap_or_else(|| panic!("no {metric} {labels:?} in {:#?}", scrape.samples))
            .value
    }

    #[tokio::test]
    async fn metrics_scraped_on_loopback_parse_with_an_independent_parser() {
        let (base, metrics) = start().await;
        metrics.interaction("next", InteractionOutcome::Ok, Duration::from_millis(30));
        metrics.interaction("next", InteractionOutcome::Ok, Duration::from_millis(3000));
        metrics.interaction(
            "setup events",
            InteractionOutcome::UserError,
            Duration::ZERO,
        );
        metrics.delivery(DeliveryKind::Announcement, DeliveryOutcome::Late);
        metrics.discord_failed(429);
        metrics.rate_limited(RateLimitScope::Unknown);
        metrics.gateway_reconnected();

        let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        let text = response.text().await.unwrap();
        let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();

        let next = [("command", "next"), ("outcome", "Ok")];
        assert_eq!(
            number(sample(&scrape, "confbot_interactions_total", &next)),
            2.0
        );
        let refused = [("command", "setup events"), ("outcome", "UserError")];
        assert_eq!(
            number(sample(&scrape, "confbot_interactions_total", &refused)),
            1.0
        );
        let Value::Histogram(buckets) = sample(
            &scrape,
            "confbot_interaction_seconds",
            &[("command", "next")],
        ) else {
            panic!("the latency is a histogram");
        };
        // One answer within 40 ms, both within 5.12 s.
        let within = |le: f64| buckets.iter().find(|b| b.less_than == le).unwrap().count;
        assert_eq!((within(0.04), within(5.12)), (1.0, 2.0));
        let late = [("kind", "Announcement"), ("outcome", "Late")];
        assert_eq!(
            number(sample(&scrape, "confbot_deliveries_total", &late)),
            1.0
        );
        assert_eq!(
            number(sample(
                &scrape,
                "confbot_discord_responses_total",
                &[("status", "429")]
            )),
            1.0
        );
        assert_eq!(
            number(sample(
                &scrape,
                "confbot_discord_rate_limits_total",
                &[("scope", "Unknown")]
            )),
            1.0
        );
        assert_eq!(
            number(sample(&scrape, "confbot_gateway_reconnects_total", &[])),
            1.0
        );
        // Read from the database at the scrape: the bundled program's 12 talks.
        assert_eq!(number(sample(&scrape, "confbot_program_talks", &[])), 12.0);
        assert_eq!(number(sample(&scrape, "confbot_mirror_events", &[])), 0.0);
        // No label holds anything but the closed sets above.
        for s in &scrape.samples {
            for (key, _) in s.labels.iter() {
                assert!(
                    ["command", "outcome", "kind", "status", "scope", "le"].contains(&key.as_str()),
                    "{key}"
                );
            }
        }
    }

    #[tokio::test]
    async fn healthz_is_503_with_reasons_until_connected_and_ticking_then_200() {
        let (base, metrics) = start().await;
        let get = |path: &'static str| {
            let base = base.clone();
            async move {
                let response = reqwest::get(format!("{base}{path}")).await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            }
        };
        let (status, body) = get("/healthz").await;
        assert_eq!(status, 503);
        assert_eq!(body["healthy"], false);
        let problems = body["problems"].to_string();
        assert!(problems.contains("gateway is not connected"), "{problems}");
        assert!(problems.contains("tick has not run"), "{problems}");

        metrics.gateway(true);
        metrics.tick_interval(Duration::from_secs(5));
        metrics.tick_ran();
        let (status, body) = get("/healthz").await;
        assert_eq!((status, &body["problems"]), (200, &serde_json::json!([])));

        metrics.gateway(false);
        let (status, body) = get("/healthz").await;
        assert_eq!(status, 503);
        assert_eq!(
            body["problems"],
            serde_json::json!(["the Discord gateway is not connected"])
        );
    }

    #[tokio::test]
    async fn a_tick_three_intervals_late_is_unhealthy() {
        let (base, metrics) = start().await;
        metrics.gateway(true);
        metrics.tick_interval(Duration::from_millis(100));
        metrics.tick_ran();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let response = reqwest::get(format!("{base}/healthz")).await.unwrap();
        assert_eq!(response.status(), 503);
        let body = response.text().await.unwrap();
        assert!(body.contains("the clock tick last ran"), "{body}");
    }
}
