//! Feedback on Discord: `/feedback talk`, `/feedback summary` and `/stats`, the presses of the
//! "How was it?" buttons and the comment modal they open. The decisions are in
//! `crate::commands::feedback` and `crate::commands::stats`; the custom ids in
//! `crate::domain::feedback`, read back by the router in `gateway.rs` whenever a button is
//! pressed or the modal submitted. Every answer is private; `/stats` and `/feedback summary`
//! come with their charts attached.

use poise::serenity_prelude as serenity;
use serenity::{
    ActionRowComponent, ComponentInteraction, CreateActionRow, CreateInputText,
    CreateInteractionResponse, CreateModal, InputTextStyle, ModalInteraction,
};

use super::autocomplete::talk_choices;
use super::checks::manage_guild;
use super::errors::failure;
use super::pages::{answer_with_files, run_private, Visibility};
use super::render::private_embed;
use super::{Context, Data, Error};
use crate::commands::feedback as core;
use crate::commands::stats;
use crate::domain::feedback::{Press, COMMENT_MAX};
use crate::ids::UserId;
use crate::ops::activity::activity;
use crate::reply::limits;

/// The text input's custom id inside the comment modal.
const COMMENT_FIELD: &str = "comment";

/// Rate a talk or leave a comment for its speakers
#[poise::command(slash_command, subcommands("talk", "summary"), subcommand_required)]
pub async fn feedback(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Rate a talk you saw, or leave a comment (only you see this)
#[poise::command(slash_command)]
async fn talk(
    ctx: Context<'_>,
    #[description = "The talk: start typing its title or a speaker's name"]
    #[autocomplete = "talk_choices"]
    talk: String,
) -> Result<(), Error> {
    run_private(ctx, move |store, now| core::ask(store, now, &talk)).await
}

/// A talk's ratings and comments, without names (admins)
#[poise::command(slash_command, guild_only, check = "manage_guild")]
async fn summary(
    ctx: Context<'_>,
    #[description = "The talk: start typing its title or a speaker's name"]
    #[autocomplete = "talk_choices"]
    talk: String,
) -> Result<(), Error> {
    let first = talk.clone();
    answer_with_files(
        ctx,
        move |store, _| core::summary_with_chart(store, &first),
        move |store, _| core::summary(store, &talk),
        limits::EMBED_FIELDS,
        Visibility::Private,
    )
    .await
}

/// What the audience did: agendas, Q&A, feedback and activity (admins)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "manage_guild"
)]
pub async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    // People's activity is counted in real time (`observe.rs`).
    let guild = super::guild(ctx);
    let hours = activity().per_hour(guild, chrono::Utc::now());
    let first = hours.clone();
    answer_with_files(
        ctx,
        move |store, now| stats::stats_with_charts(store, guild, now, &first),
        move |store, now| stats::stats(store, guild, now, &hours),
        limits::EMBED_FIELDS,
        Visibility::Private,
    )
    .await
}

/// A press of 1–5 or "Comment" (the router in `gateway.rs` found it is one).
pub async fn on_press(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    action: Press,
    data: &Data,
) {
    let user: UserId = press.user.id.into();
    let response = match answer(user, action, data).await {
        Ok(response) => response,
        Err(error) => failure(
            &error,
            &format!("the feedback control {}", press.data.custom_id),
        ),
    };
    if let Err(error) = press.create_response(ctx, response).await {
        tracing::warn!(%error, "could not answer a feedback control");
    }
}

async fn answer(
    user: UserId,
    action: Press,
    data: &Data,
) -> Result<CreateInteractionResponse, Error> {
    match action {
        Press::Rate(talk, rating) => {
            let reply = data
                .run(move |store, now| core::rate(store, now, user, &talk, rating))
                .await?;
            Ok(private_embed(&reply))
        }
        Press::Comment(talk) => {
            let id = Press::Written(talk.clone()).custom_id();
            let title = data
                .run(move |store, now| core::modal_title(store, now, &talk))
                .await?;
            let input =
                CreateInputText::new(InputTextStyle::Paragraph, "Your comment", COMMENT_FIELD)
                    .placeholder(
                        "What worked, what could be better: the speakers get it without your name",
                    )
                    .max_length(COMMENT_MAX as u16)
                    .required(true);
            Ok(CreateInteractionResponse::Modal(
                CreateModal::new(id, title).components(vec![CreateActionRow::InputText(input)]),
            ))
        }
        Press::Written(_) => anyhow::bail!("a modal's id on a button"),
    }
}

/// The comment modal, submitted.
pub async fn on_modal(ctx: &serenity::Context, submit: &ModalInteraction, data: &Data) {
    let user: UserId = submit.user.id.into();
    let written = submit
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) if input.custom_id == COMMENT_FIELD => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    let response = match Press::parse(&submit.data.custom_id) {
        Some(Press::Written(talk)) => data
            .run(move |store, now| core::comment(store, now, user, &talk, &written))
            .await
            .map(|reply| private_embed(&reply)),
        _ => Err(anyhow::anyhow!("a modal that is not confbot's")),
    };
    let response = response
        .unwrap_or_else(|error| failure(&error, &format!("the modal {}", submit.data.custom_id)));
    if let Err(error) = submit.create_response(ctx, response).await {
        tracing::warn!(%error, "could not answer a feedback comment");
    }
}
