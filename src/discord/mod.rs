//! confbot on Discord: serenity + poise glue only (ARCHITECTURE.md, rule 9).
//!
//! [`run`] is the library entry point: `confbot serve` calls it with the configuration from the
//! environment, and tests call it in-process with their own clock, database and HTTP client
//! (e.g. one that reaches a loopback Discord over TLS). It checks the token, registers the
//! commands (a bulk overwrite, so idempotent), connects the gateway and runs until `shutdown`.
//!
//! - `data.rs`: what handlers reach, and `Data::run`, the only way to the database.
//! - `slots.rs`: the database slots behind it, autocompletes first.
//! - `commands.rs`: one thin wrapper per slash command, and `all_commands()`.
//! - `autocomplete.rs`: every option's suggestions.
//! - `convert.rs`: serenity's ids to the core's (`crate::ids`) and back.
//! - `render.rs`: a core `Reply` into serenity builders (embeds, buttons, no mentions).
//! - `pages.rs`: sending a reply, with Previous / Next buttons for long lists, and their presses.
//! - `book.rs`: the recent long lists those buttons turn, bounded by age and count.
//! - `errors.rs`: user errors shown as written, everything else logged and apologised for.
//! - `rooms.rs`: `/setup rooms create`, a channel made for every room of the program.
//! - `setup.rs`, `announce.rs`: the admin commands (`/setup` with its Q&A settings, `/announce`).
//! - `program.rs`: `/program reload` (an uploaded file, or the live source now), `/program status`.
//! - `checks.rs`: server-side permission checks.
//! - `poster.rs`: posting announcements through serenity (the `crate::domain::ports::Poster`).
//! - `mirror.rs`: the Events tab mirror's scheduled events (`crate::domain::ports::EventPublisher`)
//!   and the gateway events it follows.
//! - `stage.rs`: on stage now, rooms' voice statuses and stage topics
//!   (`crate::domain::ports::StageBoard`), and the live stages the gateway tells of.
//! - `permissions.rs`, `invite.rs`: the one list of permissions confbot needs, and the URL that
//!   grants them (`confbot invite`).
//! - `gateway.rs`: the event handler: component presses routed by custom id, gateway events to
//!   the features that follow them.
//! - `agenda.rs`: `/remind`, `/agenda` and their buttons and menus.
//! - `qa.rs`: Q&A threads (`/qa`, `/ask`), their buttons, deleted threads.
//! - `pacer.rs`: announcements and DMs within Discord's global limit, paused by a 429.
//! - `retry.rs`: retrying the bot's own requests on 429, 5xx and network errors.
//! - `drain.rs`: at shutdown, answering the interactions in hand before the process ends.
//! - `observe.rs`: commands' outcomes, the gateway and the tick, for `crate::ops::metrics`.
//!
//! While the bot runs, `jobs::Ticker` runs the jobs (announcements, DMs, the mirror, on stage) on every
//! clock tick, and
//! `source::SourceTask` polls the live program source, if one is configured.

mod agenda;
mod announce;
mod autocomplete;
mod book;
mod checks;
mod commands;
mod convert;
mod data;
pub mod doctor;
mod drain;
mod errors;
mod feedback;
mod gateway;
pub mod invite;
mod mirror;
mod observe;
mod pacer;
mod pages;
pub mod permissions;
mod poster;
mod program;
mod qa;
pub mod render;
mod retry;
mod rooms;
mod setup;
mod slots;
mod stage;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use serenity::{ApplicationId, CreateAllowedMentions, GatewayIntents, GuildId, HttpBuilder};

pub use commands::all_commands;
pub use data::Data;

use crate::clock::Clock;
use crate::ids;
use crate::jobs;
use crate::jobs::Ticker;
use crate::source::{Source, SourceTask};
use crate::store::Store;

/// The error type of command handlers; a [`crate::error::UserError`] inside is shown to the user.
pub type Error = anyhow::Error;
/// The poise context every command gets.
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The guild of a `guild_only` command.
fn guild(ctx: Context<'_>) -> crate::ids::GuildId {
    ctx.guild_id()
        .expect("guild_only commands run in a guild")
        .into()
}

/// How to run the bot.
pub struct Bot {
    pub token: String,
    /// Register commands in this guild (instant) rather than globally.
    pub guild_id: Option<ids::GuildId>,
    /// Send every request to this base URL instead of discord.com (serenity's proxy mode, which
    /// needs its ratelimiter off: our own requests then retry 429 and 5xx themselves).
    pub api_url: Option<String>,
    /// The HTTP client serenity uses; tests pass one that resolves discord.com to a fake.
    pub http_client: Option<reqwest::Client>,
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock>,
    /// When and where to announce sessions.
    pub announce: jobs::Settings,
    /// The live program source to poll, if any.
    pub source: Option<Source>,
}

/// How long shutdown waits for the interactions in hand: well within the 10 s a service
/// manager usually allows between SIGTERM and SIGKILL.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(6);
/// How long shutdown waits, once the gateway is closed, for what came in the meantime.
const AFTER_CLOSE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Runs the bot until `shutdown` completes or the connection fails for good.
pub async fn run(bot: Bot, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
    // Searches rank from the store's own index once it is built; FTS5 answers if it cannot be.
    let store = Arc::clone(&bot.store);
    let kept = tokio::task::spawn_blocking(move || store.keep_search_index()).await;
    if let Ok(Err(error)) = kept {
        tracing::warn!(error = ?error, "searches use FTS5 until the index is rebuilt");
    }
    let http = http(&bot);
    let application = retry::with_retry("reading the application", || {
        http.get_current_application_info()
    })
    .await
    .map_err(|error| explain_startup_error(error, bot.api_url.as_deref()))?;
    http.set_application_id(application.id);
    register_commands(&http, application.id, bot.guild_id).await?;
    tracing::info!(application = %application.name, "commands registered");

    // Polled from now on: a changed program is followed before Discord is even connected.
    let source_task = bot
        .source
        .map(|source| SourceTask::start(Arc::clone(&bot.store), source, Arc::clone(&bot.clock)));
    // One timeline of request slots for the whole bot (see `pacer.rs`).
    let pacer = Arc::new(pacer::Pacer::default());
    let data = Data::new(
        Arc::clone(&bot.store),
        Arc::clone(&bot.clock),
        bot.announce.rules.clone(),
        bot.guild_id,
        Arc::clone(&pacer),
    )
    .with_source(source_task.as_ref().map(SourceTask::handle));
    let gateway_view = data.gateway_view();
    if let Some(channel) = bot.announce.channel {
        seed_announce_channel(&http, &data, channel).await;
    }
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: all_commands(),
            on_error: |error| Box::pin(errors::on_error(error)),
            post_command: |ctx| {
                Box::pin(async move {
                    observe::interaction(ctx, crate::ops::metrics::InteractionOutcome::Ok);
                    agenda::tell_if_dms_refused(ctx).await
                })
            },
            event_handler: |framework, event| {
                Box::pin(async move {
                    let (ctx, data) = (framework.serenity_context, framework.user_data);
                    observe::gateway(event, data);
                    gateway::on_event(ctx, event, data).await
                })
            },
            // Owners are for prefix commands, which confbot has none of; skipping them saves a
            // request at start.
            initialize_owners: false,
            ..Default::default()
        })
        .setup(|_ctx, ready, _framework| {
            Box::pin(async move {
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(data)
            })
        })
        .build();
    let (framework, drain) = drain::Draining::new(framework);
    // Scheduled events: an organiser deleting a mirrored event is followed.
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_SCHEDULED_EVENTS;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .context("building the Discord client")?;
    let shard_manager = Arc::clone(&client.shard_manager);
    let poster = Arc::new(poster::SerenityPoster::new(Arc::clone(&client.http), pacer));
    let events = Arc::new(mirror::SerenityEvents::new(
        Arc::clone(&client.http),
        Arc::clone(&poster),
    ));
    let stage = Arc::new(stage::SerenityStage::new(
        Arc::clone(&client.http),
        Arc::clone(&client.cache),
        Arc::clone(&poster),
        gateway_view,
    ));
    crate::ops::metrics::metrics().tick_interval(std::time::Duration::from_secs(
        bot.announce.tick_seconds.into(),
    ));
    let clock: Arc<dyn Clock> = Arc::new(observe::TickClock(bot.clock));
    let ports = jobs::Ports {
        poster,
        publisher: events,
        stage,
    };
    let ticker = Ticker::start(bot.store, ports, clock, &bot.announce).await?;
    let result = tokio::select! {
        result = client.start() => result.map_err(|error| explain_startup_error(error, None)),
        () = shutdown => {
            tracing::info!("shutting down");
            // The gateway stays open until the events Discord already sent are read and
            // answered (or the limit passes, under a burst that does not stop); then it closes
            // and the few that came meanwhile are finished.
            let quiet = drain.wait(DRAIN_LIMIT).await;
            shard_manager.shutdown_all().await;
            if !(drain.wait(AFTER_CLOSE).await && quiet) {
                tracing::warn!(limit = ?DRAIN_LIMIT, "interactions kept coming or were still being answered at shutdown");
            }
            Ok(())
        }
    };
    ticker.stop().await;
    if let Some(source_task) = source_task {
        source_task.stop().await;
    }
    result
}

/// `CONFBOT_ANNOUNCE_CHANNEL_ID` names a channel; its guild gets it as the default
/// announcements channel unless an admin already chose one. Failing that is only a warning:
/// admins can still use `/setup announcements`.
async fn seed_announce_channel(http: &serenity::Http, data: &Data, channel: ids::ChannelId) {
    let guild: ids::GuildId = match http.get_channel(channel.into()).await {
        Ok(serenity::Channel::Guild(channel)) => channel.guild_id.into(),
        Ok(_) => {
            tracing::warn!(
                %channel,
                "CONFBOT_ANNOUNCE_CHANNEL_ID is not a server channel; ignored"
            );
            return;
        }
        Err(error) => {
            tracing::warn!(%channel, %error, "cannot read CONFBOT_ANNOUNCE_CHANNEL_ID; ignored");
            return;
        }
    };
    let seeded = data
        .run(move |store, _| Ok(store.seed_announce_channel(guild, channel)?))
        .await;
    match seeded {
        Ok(true) => {
            tracing::info!(%guild, %channel, "announcements channel set from CONFBOT_ANNOUNCE_CHANNEL_ID")
        }
        Ok(false) => {}
        Err(error) => tracing::warn!(error = ?error, "cannot seed the announcements channel"),
    }
}

fn http(bot: &Bot) -> serenity::Http {
    let mut builder = rest_builder(&bot.token, bot.api_url.as_deref());
    if let Some(client) = &bot.http_client {
        builder = builder.client(client.clone());
    }
    builder.build()
}

/// The REST client of the bot and of `confbot doctor`: no mentions unless a message names
/// them, and a loopback Discord or proxy at `api_url` (serenity's proxy mode needs its
/// ratelimiter off: our own requests then retry 429 and 5xx themselves).
pub fn rest_builder(token: &str, api_url: Option<&str>) -> HttpBuilder {
    let builder = HttpBuilder::new(token).default_allowed_mentions(CreateAllowedMentions::new());
    match api_url {
        Some(url) => builder.proxy(url).ratelimiter_disabled(true),
        None => builder,
    }
}

/// Bulk-overwrites the commands (global, or in one guild): registering twice changes nothing.
async fn register_commands(
    http: &serenity::Http,
    application: ApplicationId,
    guild: Option<ids::GuildId>,
) -> anyhow::Result<()> {
    let commands = poise::builtins::create_application_commands(&all_commands());
    match guild {
        Some(guild) => {
            let guild = GuildId::from(guild);
            retry::with_retry("registering guild commands", || {
                guild.set_commands(http, commands.clone())
            })
            .await
        }
        None => {
            retry::with_retry("registering global commands", || {
                serenity::Command::set_global_commands(http, commands.clone())
            })
            .await
        }
    }
    .with_context(|| format!("registering the slash commands of application {application}"))?;
    Ok(())
}

/// A start-up failure in words an organiser can act on.
fn explain_startup_error(error: serenity::Error, api_url: Option<&str>) -> anyhow::Error {
    use serenity::{GatewayError, HttpError};
    let rejected = "Discord rejected DISCORD_TOKEN. Check the token in .env (Developer Portal → Bot → Reset Token)";
    match &error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 401 =>
        {
            anyhow::anyhow!("{rejected}.")
        }
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => {
            anyhow::anyhow!("{rejected}.")
        }
        serenity::Error::Http(HttpError::Request(request)) => {
            let target = api_url.unwrap_or("https://discord.com");
            anyhow::anyhow!("could not reach Discord at {target}: {request}")
        }
        _ => anyhow::Error::new(error).context("connecting to Discord"),
    }
}
