//! Autocomplete for every command's options, in one place: each asks the core for its
//! choices through [`Data::run`](super::Data::run) and turns them into serenity's. An
//! autocomplete has nowhere to show an error: it offers nothing, and an internal error is logged.

use poise::serenity_prelude as serenity;
use serenity::{AutocompleteChoice, CreateAutocompleteResponse};

use super::errors::for_user;
use super::Context;
use crate::commands;
use crate::error::CommandError;
use crate::reply::Choice;
use crate::store::Store;

/// Autocomplete answers have nowhere to show an error: log it and offer nothing. They cannot
/// be deferred either, so they go ahead of the commands waiting for the database, and offer
/// nothing if even so the database is not theirs in time (a burst: the next keystroke asks
/// again).
pub async fn offer(
    ctx: Context<'_>,
    choices: impl FnOnce(&Store, chrono::DateTime<chrono::Utc>) -> Result<Vec<Choice>, CommandError>
        + Send
        + 'static,
) -> CreateAutocompleteResponse {
    let choices = match ctx.data().run_urgent(choices).await {
        Ok(Some(choices)) => choices
            .into_iter()
            .map(|c| AutocompleteChoice::new(c.name, c.value))
            .collect(),
        Ok(None) => {
            tracing::debug!("an autocomplete found the database busy past its deadline");
            Vec::new()
        }
        Err(error) => {
            for_user(&error, "an autocomplete");
            Vec::new()
        }
    };
    CreateAutocompleteResponse::new().set_choices(choices)
}

pub async fn talk_choices(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_string();
    offer(ctx, move |store, now| {
        commands::talk_choices(store, now, &partial)
    })
    .await
}

pub async fn speaker_choices(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_string();
    offer(ctx, move |store, now| {
        commands::speaker_choices(store, now, &partial)
    })
    .await
}

pub async fn track_choices(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_string();
    offer(ctx, move |store, _| {
        commands::track_choices(store, &partial)
    })
    .await
}

pub async fn day_choices(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_string();
    offer(ctx, move |store, _| commands::day_choices(store, &partial)).await
}
