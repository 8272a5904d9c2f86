//! What the Discord layer reports to the bot's metrics (`crate::ops::metrics`): each command's
//! outcome and latency (and its server's hour, for `/stats`), the gateway's connection, and the clock
//! tick's runs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use poise::FrameworkError;

use super::{Context, Data, Error};
use crate::clock::Clock;
use crate::error::UserError;
use crate::ops::activity::activity;
use crate::ops::metrics::{metrics, InteractionOutcome};

/// A command finished with `outcome`; its latency runs from when Discord created the
/// interaction (its id's timestamp), so time spent reaching confbot counts too.
pub fn interaction(ctx: Context<'_>, outcome: InteractionOutcome) {
    let created: DateTime<Utc> = *ctx.created_at();
    let latency = (Utc::now() - created).to_std().unwrap_or_default();
    metrics().interaction(&ctx.command().qualified_name, outcome, latency);
    // In real time, as the latency: the error path must not read the bot's clock (it may be
    // what failed), and people's activity happens in real time even in a rehearsal.
    if let Some(guild) = ctx.guild_id() {
        activity().count(guild.into(), created);
    }
}

/// A command's failure, as the error handler sees it.
pub fn failure(error: &FrameworkError<'_, Data, Error>) {
    let outcome = match error {
        FrameworkError::Command { error, .. } if error.downcast_ref::<UserError>().is_some() => {
            InteractionOutcome::UserError
        }
        FrameworkError::CommandCheckFailed { error: None, .. }
        | FrameworkError::ArgumentParse { .. } => InteractionOutcome::UserError,
        _ => InteractionOutcome::Failed,
    };
    if let Some(ctx) = error.ctx() {
        interaction(ctx, outcome);
    }
}

/// The gateway's state from its events: connected at Ready and Resume, lost when the shard
/// leaves the connected stage; every Ready after the first and every Resume is a reconnection.
pub fn gateway(event: &serenity::FullEvent, data: &Data) {
    match event {
        serenity::FullEvent::Ready { .. } => {
            if data.saw_ready() {
                metrics().gateway_reconnected();
            }
            metrics().gateway(true);
        }
        serenity::FullEvent::Resume { .. } => {
            metrics().gateway_reconnected();
            metrics().gateway(true);
        }
        serenity::FullEvent::ShardStageUpdate { event } => {
            metrics().gateway(event.new == serenity::ConnectionStage::Connected);
        }
        _ => {}
    }
}

/// The ticker's clock: each tick asks it for `now` once as it starts, which is when the tick
/// ran for `/healthz` and the tick lag.
pub struct TickClock(pub Arc<dyn Clock>);

impl Clock for TickClock {
    fn now(&self) -> DateTime<Utc> {
        metrics().tick_ran();
        self.0.now()
    }
}
