//! Sending a reply: one message, or for a long list pages with Previous / Next buttons.
//!
//! The buttons work for as long as Discord lets us edit the reply (its interaction token lives
//! 15 minutes); then they are taken away rather than left to fail. Only the person who asked
//! turns the pages of a public list; others are told to ask themselves.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;
use serenity::{
    ComponentInteractionCollector, CreateInteractionResponse, CreateInteractionResponseMessage,
};
use tokio::time::Instant;

use super::data::ANSWER_WITHIN;
use super::render::{components, embed, no_mentions, Navigation};
use super::retry::while_rate_limited;
use super::{Context, Error};
use crate::reply::{limits, Reply};

/// How long page buttons work: a little under the 15 minutes of the interaction token, so
/// removing them still succeeds.
const PAGES_LIVE: Duration = Duration::from_secs(14 * 60 + 30);

/// Who sees a reply (a per-command decision, documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked (ephemeral).
    Private,
    /// Everyone in the channel.
    Public,
}

/// Sends the reply that `answer` computes, as [`send`] does; if it is not ready within
/// [`ANSWER_WITHIN`] (a burst queued behind the database), the interaction is deferred first
/// (privately or not, as the answer will be), so it is never lost to Discord's deadline.
pub async fn answer(
    ctx: Context<'_>,
    answer: impl Future<Output = Result<Reply, Error>>,
    per_page: usize,
    visibility: Visibility,
) -> Result<(), Error> {
    let mut answer = std::pin::pin!(answer);
    let reply = match tokio::time::timeout(ANSWER_WITHIN, &mut answer).await {
        Ok(reply) => reply?,
        Err(_) => {
            match visibility {
                Visibility::Private => ctx.defer_ephemeral().await?,
                Visibility::Public => ctx.defer().await?,
            }
            answer.await?
        }
    };
    send(ctx, reply, per_page, visibility).await
}

/// Sends a short answer (one page) that only the person who asked sees: the common case of
/// admin and moderator commands.
pub async fn send_private(ctx: Context<'_>, reply: Reply) -> Result<(), Error> {
    send(ctx, reply, limits::EMBED_FIELDS, Visibility::Private).await
}

fn message(page: &Reply, navigation: Option<&Navigation>, visibility: Visibility) -> CreateReply {
    CreateReply::default()
        .embed(embed(page))
        .components(components(page, navigation))
        .ephemeral(visibility == Visibility::Private)
        .allowed_mentions(no_mentions())
}

/// Sends `reply`, `per_page` fields to a page.
pub async fn send(
    ctx: Context<'_>,
    reply: Reply,
    per_page: usize,
    visibility: Visibility,
) -> Result<(), Error> {
    let pages = reply.pages(per_page);
    if pages.len() == 1 {
        while_rate_limited("answering an interaction", || {
            ctx.send(message(&pages[0], None, visibility))
        })
        .await?;
        return Ok(());
    }
    let prefix = format!("{}:", ctx.id());
    let (previous_id, next_id) = (format!("{prefix}previous"), format!("{prefix}next"));
    let navigation = |page| Navigation {
        page,
        pages: pages.len(),
        previous_id: &previous_id,
        next_id: &next_id,
    };
    let handle = while_rate_limited("answering an interaction", || {
        ctx.send(message(&pages[0], Some(&navigation(0)), visibility))
    })
    .await?;
    let deadline = Instant::now() + PAGES_LIVE;
    let mut page = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let prefix = prefix.clone();
        let Some(press) = ComponentInteractionCollector::new(ctx.serenity_context())
            .filter(move |press| press.data.custom_id.starts_with(&prefix))
            .timeout(left)
            .await
        else {
            break;
        };
        let response = if press.user.id != ctx.author().id {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(format!(
                        "Only the person who asked can turn these pages. Try `/{}` yourself.",
                        ctx.command().name
                    ))
                    .ephemeral(true)
                    .allowed_mentions(no_mentions()),
            )
        } else {
            page = if press.data.custom_id == next_id {
                (page + 1).min(pages.len() - 1)
            } else {
                page.saturating_sub(1)
            };
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .embed(embed(&pages[page]))
                    .components(components(&pages[page], Some(&navigation(page))))
                    .allowed_mentions(no_mentions()),
            )
        };
        press
            .create_response(ctx.serenity_context(), response)
            .await?;
    }
    handle
        .edit(ctx, message(&pages[page], None, visibility))
        .await?;
    Ok(())
}
