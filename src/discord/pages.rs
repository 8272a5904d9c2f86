//! Sending a reply: one message, or for a long list pages with Previous / Next buttons.
//!
//! A long list costs nothing while nobody presses its buttons: it is kept in the book
//! (`book.rs`, where it says why as a recipe and for how long) and its buttons carry
//! `reply::PageTurn` custom ids, which the event handler routes to [`on_press`],
//! as it answers the Q&A and agenda buttons. A press recomputes the reply and shows the page
//! its button names. Only the person who asked turns the pages of a public list; others are
//! told to ask themselves. A press on a list no longer kept (too old, the book full, or from
//! before a restart) is told so privately, and the message loses its page buttons.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use poise::CreateReply;
use serenity::{
    ComponentInteraction, CreateAttachment, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EditInteractionResponse,
};

use super::book::{Found, List, Recipe};
use super::data::ANSWER_WITHIN;
use super::errors::{for_user, private};
use super::render::{components, embed, no_mentions, without_page_buttons, Navigation};
use super::retry::while_rate_limited;
use super::{Context, Data, Error};
use crate::commands::CommandResult;
use crate::error::CommandError;
use crate::ids::{InteractionId, UserId};
use crate::reply::{limits, truncate, Attachment, PageTurn, Reply};
use crate::store::Store;

/// Who sees a reply (a per-command decision, documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked (ephemeral).
    Private,
    /// Everyone in the channel.
    Public,
}

/// Answers with the reply `command` computes (through `Data::run`, with the clock's `now`), as
/// [`send`] does; a long list keeps `command` with that `now` to compute its pages again when a
/// button is pressed. If the answer is not ready within [`ANSWER_WITHIN`] (a burst queued
/// behind the database), the interaction is deferred first (privately or not, as the answer
/// will be), so it is never lost to Discord's deadline.
pub async fn answer<F>(
    ctx: Context<'_>,
    command: F,
    per_page: usize,
    visibility: Visibility,
) -> Result<(), Error>
where
    F: Fn(&Store, DateTime<Utc>) -> CommandResult + Send + Sync + 'static,
{
    let command = Arc::new(command);
    let first = Arc::clone(&command);
    let again = move |store: &Store, now| command(store, now);
    let first = move |store: &Store, now| Ok((first(store, now)?, Vec::new()));
    answer_with_files(ctx, first, again, per_page, visibility).await
}

/// As [`answer`], with files: the first answer is `first`'s reply and files (pictures), sent
/// together; a long list's pages are `again`'s reply, computed again without the files,
/// which stay on the message.
pub async fn answer_with_files<F, G>(
    ctx: Context<'_>,
    first: G,
    again: F,
    per_page: usize,
    visibility: Visibility,
) -> Result<(), Error>
where
    F: Fn(&Store, DateTime<Utc>) -> CommandResult + Send + Sync + 'static,
    G: FnOnce(&Store, DateTime<Utc>) -> Result<(Reply, Vec<Attachment>), CommandError>
        + Send
        + 'static,
{
    let computing = ctx
        .data()
        .run(move |store, now| Ok((first(store, now)?, now)));
    let mut computing = std::pin::pin!(computing);
    let (answer, asked_at) = match tokio::time::timeout(ANSWER_WITHIN, &mut computing).await {
        Ok(answer) => answer?,
        Err(_) => {
            match visibility {
                Visibility::Private => ctx.defer_ephemeral().await?,
                Visibility::Public => ctx.defer().await?,
            }
            computing.await?
        }
    };
    let again = Arc::new(again);
    let recipe = move |_| -> Recipe { Arc::new(move |store: &Store| again(store, asked_at)) };
    deliver(ctx, answer, per_page, visibility, recipe).await
}

/// Sends a short answer (one page) that only the person who asked sees: the common case of
/// admin and moderator commands.
pub async fn send_private(ctx: Context<'_>, reply: Reply) -> Result<(), Error> {
    send(ctx, reply, limits::EMBED_FIELDS, Visibility::Private).await
}

/// Runs a core command through [`Data::run`](super::Data::run) and answers with its reply
/// privately: the whole of most admin and moderator commands.
pub async fn run_private<F>(ctx: Context<'_>, command: F) -> Result<(), Error>
where
    F: FnOnce(&Store, DateTime<Utc>) -> CommandResult + Send + 'static,
{
    let reply = ctx.data().run(command).await?;
    send_private(ctx, reply).await
}

/// Sends `reply`, `per_page` fields to a page. Its pages, if it has several, keep the reply
/// itself (it was not computed by a command that can run again).
pub async fn send(
    ctx: Context<'_>,
    reply: Reply,
    per_page: usize,
    visibility: Visibility,
) -> Result<(), Error> {
    let recipe = |reply: Reply| -> Recipe { Arc::new(move |_: &Store| Ok(reply.clone())) };
    deliver(ctx, (reply, Vec::new()), per_page, visibility, recipe).await
}

/// Sends the first page of a reply, with its files.
async fn deliver(
    ctx: Context<'_>,
    (reply, files): (Reply, Vec<Attachment>),
    per_page: usize,
    visibility: Visibility,
    recipe: impl FnOnce(Reply) -> Recipe,
) -> Result<(), Error> {
    let first = reply.page(per_page, 0);
    let navigation = (first.count > 1).then(|| {
        let list: InteractionId = ctx.id().into();
        // Kept before it is sent, so that no press can come before it.
        ctx.data().book().keep(
            list,
            List {
                owner: ctx.author().id.into(),
                per_page,
                recipe: recipe(reply),
            },
            Instant::now(),
        );
        navigation(list, &ctx.command().qualified_name, 0, first.count)
    });
    let message = files
        .into_iter()
        .fold(CreateReply::default(), |message, file| {
            message.attachment(CreateAttachment::bytes(file.bytes, file.filename))
        });
    let message = message
        .embed(embed(&first.reply))
        .components(components(&first.reply, navigation.as_ref()))
        .ephemeral(visibility == Visibility::Private)
        .allowed_mentions(no_mentions());
    while_rate_limited("answering an interaction", || ctx.send(message.clone())).await?;
    Ok(())
}

/// The Previous / Next buttons of `page` of `pages`: each names the page it shows.
fn navigation(list: InteractionId, command: &str, page: usize, pages: usize) -> Navigation {
    let turn = |to: usize| {
        PageTurn {
            list,
            page: u32::try_from(to).unwrap_or(u32::MAX),
            command: command.to_string(),
        }
        .custom_id()
    };
    Navigation {
        page,
        pages,
        previous_id: turn(page.saturating_sub(1)),
        next_id: turn((page + 1).min(pages - 1)),
    }
}

/// A page button press (the router in `gateway.rs` found it is one).
pub async fn on_press(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    turn: PageTurn,
    data: &Data,
) {
    let user: UserId = press.user.id.into();
    let answered = match data.book().find(turn.list, user, Instant::now()) {
        Found::List(list) => show_page(ctx, press, &turn, list, data).await,
        Found::NotYours => {
            let text = format!(
                "Only the person who asked can turn these pages. Try `/{}` yourself.",
                turn.command
            );
            press
                .create_response(ctx, private(&text))
                .await
                .map_err(Error::from)
        }
        Found::Gone => expired(ctx, press, &turn).await,
    };
    if let Err(error) = answered {
        tracing::warn!(error = ?error, "could not answer a page button");
    }
}

/// Computes the list again and shows the page the button names (the last, if the list has
/// since become shorter). If that is slow (a burst queued behind the database), the press is
/// acknowledged first, as a command is deferred, and the message edited after.
async fn show_page(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    turn: &PageTurn,
    list: List,
    data: &Data,
) -> Result<(), Error> {
    let recipe = list.recipe;
    let computing = data.run(move |store, _| recipe(store));
    let mut computing = std::pin::pin!(computing);
    let (reply, deferred) = match tokio::time::timeout(ANSWER_WITHIN, &mut computing).await {
        Ok(reply) => (reply, false),
        Err(_) => {
            press.defer(ctx).await?;
            (computing.await, true)
        }
    };
    let reply = match reply {
        Ok(reply) => reply,
        Err(error) => {
            let text = for_user(&error, &format!("turning a page of /{}", turn.command));
            if deferred {
                let followup = CreateInteractionResponseFollowup::new()
                    .content(truncate(&text, limits::CONTENT))
                    .ephemeral(true)
                    .allowed_mentions(no_mentions());
                press.create_followup(ctx, followup).await?;
            } else {
                press.create_response(ctx, private(&text)).await?;
            }
            return Ok(());
        }
    };
    let page = reply.page(
        list.per_page,
        usize::try_from(turn.page).unwrap_or(usize::MAX),
    );
    let navigation =
        (page.count > 1).then(|| navigation(turn.list, &turn.command, page.index, page.count));
    let (embed, components) = (
        embed(&page.reply),
        components(&page.reply, navigation.as_ref()),
    );
    if deferred {
        let edit = EditInteractionResponse::new()
            .embed(embed)
            .components(components)
            .allowed_mentions(no_mentions());
        press.edit_response(ctx, edit).await?;
    } else {
        let update = CreateInteractionResponseMessage::new()
            .embed(embed)
            .components(components)
            .allowed_mentions(no_mentions());
        press
            .create_response(ctx, CreateInteractionResponse::UpdateMessage(update))
            .await?;
    }
    Ok(())
}

/// A list no longer kept: its page buttons go (the rest of the message stays as it is) and the
/// presser is told, privately, what to run again. Should the message not take the change, the
/// presser is still told.
async fn expired(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    turn: &PageTurn,
) -> Result<(), Error> {
    let text = format!("This list has expired: run /{} again.", turn.command);
    let update = CreateInteractionResponseMessage::new()
        .components(without_page_buttons(&press.message.components))
        .allowed_mentions(no_mentions());
    let removed = press
        .create_response(ctx, CreateInteractionResponse::UpdateMessage(update))
        .await;
    if let Err(error) = removed {
        tracing::warn!(%error, "could not take the page buttons off an expired list");
        press.create_response(ctx, private(&text)).await?;
        return Ok(());
    }
    let followup = CreateInteractionResponseFollowup::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    press.create_followup(ctx, followup).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_fits_in_a_page_buttons_custom_id() {
        let mut commands: Vec<_> = super::super::all_commands();
        while let Some(command) = commands.pop() {
            let turn = PageTurn {
                list: InteractionId(u64::MAX),
                page: u32::MAX,
                command: command.qualified_name.to_string(),
            };
            assert_eq!(
                PageTurn::parse(&turn.custom_id()),
                Some(turn),
                "/{}",
                command.qualified_name
            );
            commands.extend(command.subcommands);
        }
    }
}
