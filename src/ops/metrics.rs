//! What confbot counts for Prometheus, behind a small typed API: callers say what happened
//! ([`Metrics::interaction`], [`Metrics::delivery`], …) and never name a metric or a label.
//! Labels are closed sets (a command's name, an outcome, a status code): no user ids or
//! message text ever reach them.
//!
//! One process serves one bot, so the bot's figures are one process-wide [`metrics()`] that any
//! layer can report to without threading a handle through it; tests make their own
//! [`Metrics::new`].

use std::sync::atomic::AtomicU64;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// How a slash command (or button, menu, autocomplete) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
pub enum InteractionOutcome {
    Ok,
    /// Refused with a message to the user (bad input, not allowed).
    UserError,
    /// Something went wrong on confbot's side; logged.
    Failed,
}

/// What confbot delivers on its own, exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
pub enum DeliveryKind {
    Announcement,
    Dm,
    /// A move or cancellation of a session, or a change notice to an attendee.
    Notice,
    RoomPost,
    /// The daily digest.
    Digest,
    /// A "How was it?" prompt after a talk.
    FeedbackPrompt,
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
pub enum DeliveryOutcome {
    Posted,
    /// Posted after its time, within the grace period.
    Late,
    /// Never posted: its grace period passed.
    Missed,
    Failed,
}

/// Which of Discord's limits a 429 was for (Discord's `X-RateLimit-Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
pub enum RateLimitScope {
    User,
    Global,
    Shared,
    /// serenity's error drops the scope (and the `global` flag) of the 429s it returns.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct InteractionLabels {
    command: String,
    outcome: InteractionOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CommandLabel {
    command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DeliveryLabels {
    kind: DeliveryKind,
    outcome: DeliveryOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatusLabel {
    /// A status code, or `2xx` for a success.
    status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ScopeLabel {
    scope: RateLimitScope,
}

/// The figures, and the few facts `/healthz` needs besides the database.
pub struct Metrics {
    registry: Registry,
    interactions: Family<InteractionLabels, Counter>,
    interaction_seconds: Family<CommandLabel, Histogram>,
    deliveries: Family<DeliveryLabels, Counter>,
    discord_responses: Family<StatusLabel, Counter>,
    rate_limits: Family<ScopeLabel, Counter>,
    gateway_reconnects: Counter,
    gateway_connected: Gauge,
    tick_lag: Gauge<f64, AtomicU64>,
    program_talks: Gauge,
    source_last_success: Gauge,
    source_last_failure: Gauge,
    mirror_events: Gauge,
    ticks: Mutex<Ticks>,
}

/// When the clock tick last ran, and how often it should.
#[derive(Default)]
struct Ticks {
    last: Option<Instant>,
    every: Option<Duration>,
}

/// The bot's own figures (see the module doc).
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("confbot");
        let interactions = Family::<InteractionLabels, Counter>::default();
        registry.register(
            "interactions",
            "Slash commands, buttons and menus answered, by command and outcome",
            interactions.clone(),
        );
        // 10 ms to about 10 s: Discord wants a first answer within 3 s.
        let interaction_seconds = Family::<CommandLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.01, 2.0, 11))
        });
        registry.register(
            "interaction_seconds",
            "From Discord creating an interaction to confbot finishing its answer",
            interaction_seconds.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Announcements, DMs, notices and room posts, by outcome",
            deliveries.clone(),
        );
        let discord_responses = Family::<StatusLabel, Counter>::default();
        registry.register(
            "discord_responses",
            "Answers to confbot's own requests to Discord, by HTTP status",
            discord_responses.clone(),
        );
        let rate_limits = Family::<ScopeLabel, Counter>::default();
        registry.register(
            "discord_rate_limits",
            "429 answers from Discord, by scope",
            rate_limits.clone(),
        );
        let gateway_reconnects = Counter::default();
        registry.register(
            "gateway_reconnects",
            "Gateway sessions resumed or started again after the first",
            gateway_reconnects.clone(),
        );
        let gateway_connected = Gauge::default();
        registry.register(
            "gateway_connected",
            "1 while the gateway is connected",
            gateway_connected.clone(),
        );
        let tick_lag = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "tick_lag_seconds",
            "How far past its interval the clock tick is overdue (0 when on time)",
            tick_lag.clone(),
        );
        let program_talks = Gauge::default();
        registry.register(
            "program_talks",
            "Talks in the program",
            program_talks.clone(),
        );
        let source_last_success = Gauge::default();
        registry.register(
            "source_last_success_timestamp_seconds",
            "When the live source was last fetched without error (Unix time; 0: never)",
            source_last_success.clone(),
        );
        let source_last_failure = Gauge::default();
        registry.register(
            "source_last_failure_timestamp_seconds",
            "When fetching the live source last failed (Unix time; 0: never)",
            source_last_failure.clone(),
        );
        let mirror_events = Gauge::default();
        registry.register(
            "mirror_events",
            "Scheduled events the Events tab mirror keeps, over all servers",
            mirror_events.clone(),
        );
        Metrics {
            registry,
            interactions,
            interaction_seconds,
            deliveries,
            discord_responses,
            rate_limits,
            gateway_reconnects,
            gateway_connected,
            tick_lag,
            program_talks,
            source_last_success,
            source_last_failure,
            mirror_events,
            ticks: Mutex::new(Ticks::default()),
        }
    }

    /// An interaction answered: `command` is its qualified name ("setup events").
    pub fn interaction(&self, command: &str, outcome: InteractionOutcome, latency: Duration) {
        let command = command.to_string();
        self.interactions
            .get_or_create(&InteractionLabels {
                command: command.clone(),
                outcome,
            })
            .inc();
        self.interaction_seconds
            .get_or_create(&CommandLabel { command })
            .observe(latency.as_secs_f64());
    }

    pub fn delivery(&self, kind: DeliveryKind, outcome: DeliveryOutcome) {
        self.deliveries
            .get_or_create(&DeliveryLabels { kind, outcome })
            .inc();
    }

    /// Discord carried out one of confbot's requests (serenity does not say with which 2xx).
    pub fn discord_succeeded(&self) {
        self.discord_responses
            .get_or_create(&StatusLabel {
                status: "2xx".into(),
            })
            .inc();
    }

    /// Discord refused one of confbot's requests with `status`.
    pub fn discord_failed(&self, status: u16) {
        self.discord_responses
            .get_or_create(&StatusLabel {
                status: status.to_string(),
            })
            .inc();
    }

    pub fn rate_limited(&self, scope: RateLimitScope) {
        self.rate_limits.get_or_create(&ScopeLabel { scope }).inc();
    }

    /// The gateway is connected (`true`) or lost.
    pub fn gateway(&self, connected: bool) {
        self.gateway_connected.set(i64::from(connected));
    }

    pub fn gateway_reconnected(&self) {
        self.gateway_reconnects.inc();
    }

    pub fn gateway_is_connected(&self) -> bool {
        self.gateway_connected.get() == 1
    }

    /// The clock ticks every `every`.
    pub fn tick_interval(&self, every: Duration) {
        self.ticks.lock().expect("ticks lock").every = Some(every);
    }

    /// A clock tick started (now).
    pub fn tick_ran(&self) {
        self.ticks.lock().expect("ticks lock").last = Some(Instant::now());
    }

    /// How long ago the tick last ran, and how often it should: `None` before the first.
    pub fn since_tick(&self) -> Option<(Duration, Duration)> {
        let ticks = self.ticks.lock().expect("ticks lock");
        Some((ticks.last?.elapsed(), ticks.every?))
    }

    /// What the program and its mirrors hold now (read from the database at each scrape).
    pub fn program(&self, talks: usize, mirror_events: usize) {
        self.program_talks.set(talks as i64);
        self.mirror_events.set(mirror_events as i64);
    }

    /// The live source was fetched without error at `at` (Unix seconds).
    pub fn source_succeeded(&self, at: i64) {
        self.source_last_success.set(at);
    }

    /// Fetching the live source failed at `at` (Unix seconds).
    pub fn source_failed(&self, at: i64) {
        self.source_last_failure.set(at);
    }

    /// Everything in Prometheus' (OpenMetrics) text format.
    pub fn encode(&self) -> String {
        if let Some((since, every)) = self.since_tick() {
            self.tick_lag.set(since.saturating_sub(every).as_secs_f64());
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
