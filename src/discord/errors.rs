//! What a user sees when a command fails (ARCHITECTURE.md, rule 2): a [`UserError`] as written,
//! privately; anything else is logged with its context and the user gets a short apology.
//! A panic in a handler is caught by poise and treated like an internal error.

use poise::serenity_prelude::{
    CreateAutocompleteResponse, CreateInteractionResponse, CreateInteractionResponseMessage,
};
use poise::{CreateReply, FrameworkError};

use super::render::no_mentions;
use super::{Data, Error};
use crate::error::{UserError, APOLOGY};
use crate::reply::{limits, truncate};

/// What the user reads when `what` failed with `error`: a [`UserError`] as written; anything
/// else is logged with `what` and becomes the apology. Every failure path goes through here.
pub(super) fn for_user(error: &Error, what: &str) -> String {
    match error.downcast_ref::<UserError>() {
        Some(user) => user.0.discord(),
        None => {
            tracing::error!(what, error = ?error, "failed");
            APOLOGY.to_string()
        }
    }
}

/// A private answer to an interaction, mentioning nobody.
pub(super) fn private(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(truncate(text, limits::CONTENT))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
}

/// The private answer to a press whose handling failed with `error` (see [`for_user`]).
pub(super) fn failure(error: &Error, what: &str) -> CreateInteractionResponse {
    private(&for_user(error, what))
}

const NOT_ALLOWED: &str = "You are not allowed to use this command.";

pub async fn on_error(error: FrameworkError<'_, Data, Error>) {
    super::observe::failure(&error);
    match error {
        FrameworkError::Command { error, ctx, .. } => {
            let what = format!(
                "/{} by user {}",
                ctx.command().qualified_name,
                ctx.author().id
            );
            tell(ctx, for_user(&error, &what)).await;
        }
        FrameworkError::CommandPanic { ctx, payload, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, panic = ?payload, "command panicked");
            tell(ctx, APOLOGY.to_string()).await;
        }
        FrameworkError::CommandCheckFailed { error, ctx, .. } => {
            let message = match error {
                Some(error) => for_user(&error, "a permission check"),
                None => NOT_ALLOWED.to_string(),
            };
            tell(ctx, message).await;
        }
        FrameworkError::ArgumentParse {
            ctx, input, error, ..
        } => {
            let input = input
                .map(|i| format!(" (`{}`)", crate::reply::truncate(&i, 100)))
                .unwrap_or_default();
            tell(ctx, format!("I could not read that option{input}: {error}")).await;
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(%error, "could not report a framework error");
            }
        }
    }
}

/// Tells the user privately; failing to do so is only logged. An autocomplete has nowhere to
/// show a message (poise runs a command's checks for its autocomplete too): it gets an empty
/// list at once, since Discord shows "loading options failed" for one left unanswered.
async fn tell(ctx: poise::Context<'_, Data, Error>, message: String) {
    if let poise::Context::Application(app) = ctx {
        if app.interaction_type == poise::CommandInteractionType::Autocomplete {
            let nothing =
                CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
            if let Err(error) = app
                .interaction
                .create_response(ctx.serenity_context(), nothing)
                .await
            {
                tracing::warn!(%error, "could not answer an autocomplete");
            }
            return;
        }
    }
    let reply = CreateReply::default()
        .content(crate::reply::truncate(
            &message,
            crate::reply::limits::CONTENT,
        ))
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    if let Err(error) = ctx.send(reply).await {
        tracing::warn!(%error, "could not send an error message");
    }
}
