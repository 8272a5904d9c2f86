//! The personal agenda on Discord: `/remind`, `/agenda`, `/forget-me`, and their buttons
//! and menus (the "Remind me" button of `/talk` replies, the remove menu, pause/resume, the
//! "Calendar file" button that answers with `agenda.ics`, the forget-me confirmation). The
//! decisions are in `crate::commands::agenda` and `crate::commands::export`.
//!
//! Buttons carry stable custom ids (`commands::agenda::Action`) and are handled by
//! [`on_press`] (routed by `gateway.rs`) whenever they are pressed, like the Q&A buttons: a "Remind me" on a public
//! reply from days ago still works, for whoever presses it, across restarts and reloads.
//! Every answer is ephemeral: an agenda is nobody else's business.

use poise::serenity_prelude as serenity;
use poise::CreateReply;
use serenity::{
    ButtonStyle, ComponentInteraction, ComponentInteractionDataKind, CreateActionRow,
    CreateAttachment, CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::autocomplete::talk_choices;
use super::errors::failure;
use super::pages::{run_private, send_private};
use super::render::{embed, no_mentions, private_embed};
use super::{Context, Data, Error};
use crate::commands::agenda::{self as core, Action, AgendaView};
use crate::commands::export;
use crate::ids::{TalkId, UserId};

/// Add a talk to your agenda, with a DM reminder before it starts
#[poise::command(slash_command)]
pub async fn remind(
    ctx: Context<'_>,
    #[description = "The talk: start typing its title or a speaker's name"]
    #[autocomplete = "talk_choices"]
    talk: String,
    #[description = "Minutes before the talk to remind you (0 to 120; default 10)"]
    #[min = 0]
    #[max = 120]
    minutes: Option<u8>,
) -> Result<(), Error> {
    let user: UserId = ctx.author().id.into();
    let minutes = minutes.map(u32::from);
    run_private(ctx, move |store, now| {
        core::remind(store, now, user, &talk, minutes)
    })
    .await
}

/// Your talks in time order, with clashes marked; remove talks or pause reminders
#[poise::command(slash_command)]
pub async fn agenda(ctx: Context<'_>) -> Result<(), Error> {
    let user: UserId = ctx.author().id.into();
    let view = ctx
        .data()
        .run(move |store, now| core::agenda(store, now, user))
        .await?;
    ctx.send(
        CreateReply::default()
            .embed(embed(&view.reply.fitted()))
            .components(agenda_components(&view))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// Delete everything confbot keeps about you (asks first)
#[poise::command(slash_command, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), Error> {
    send_private(ctx, core::forget_me_prompt()).await
}

/// The agenda's menu of talks to remove and its pause/resume button.
fn agenda_components(view: &AgendaView) -> Vec<CreateActionRow> {
    let mut rows = Vec::new();
    if !view.removable.is_empty() {
        let options = view
            .removable
            .iter()
            .map(|c| CreateSelectMenuOption::new(&c.name, &c.value))
            .collect();
        rows.push(CreateActionRow::SelectMenu(
            CreateSelectMenu::new(
                Action::Remove.custom_id(),
                CreateSelectMenuKind::String { options },
            )
            .placeholder("Remove talks from your agenda…")
            .min_values(1)
            .max_values(view.removable.len() as u8),
        ));
    }
    let toggle = if view.paused {
        CreateButton::new(Action::Resume.custom_id())
            .label("Resume reminders")
            .style(ButtonStyle::Success)
    } else {
        CreateButton::new(Action::Pause.custom_id())
            .label("Pause reminders")
            .style(ButtonStyle::Secondary)
    };
    let calendar = CreateButton::new(Action::Calendar.custom_id())
        .label("Calendar file")
        .style(ButtonStyle::Secondary);
    rows.push(CreateActionRow::Buttons(vec![calendar, toggle]));
    rows
}

/// After any command: a user whose DMs Discord refused is told so, once, privately. A failure
/// here is only logged: the command itself succeeded.
pub async fn tell_if_dms_refused(ctx: Context<'_>) {
    let user: UserId = ctx.author().id.into();
    let tell = ctx
        .data()
        .run(move |store, _| Ok(store.take_refusal_notice(user)?))
        .await;
    let sent = match tell {
        Ok(false) => return,
        Ok(true) => ctx
            .send(
                CreateReply::default()
                    .content(core::DMS_REFUSED)
                    .ephemeral(true)
                    .allowed_mentions(no_mentions()),
            )
            .await
            .map(|_| ())
            .map_err(Error::from),
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        tracing::warn!(error = ?error, "could not tell a user that their DMs are refused");
    }
}

/// An agenda button or menu press (the router in `gateway.rs` found it is one).
pub async fn on_press(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    action: Action,
    data: &Data,
) {
    let response = match answer(press, action, data).await {
        Ok(response) => response,
        Err(error) => failure(
            &error,
            &format!("the agenda control {}", press.data.custom_id),
        ),
    };
    if let Err(error) = press.create_response(ctx, response).await {
        tracing::warn!(%error, "could not answer an agenda control");
    }
}

async fn answer(
    press: &ComponentInteraction,
    action: Action,
    data: &Data,
) -> Result<CreateInteractionResponse, Error> {
    let user: UserId = press.user.id.into();
    let view = match action {
        Action::Pick | Action::RemindSession(_) => {
            let reply = match (action, &press.data.kind) {
                (Action::RemindSession(session), _) => {
                    data.run(move |store, now| core::remind_session(store, now, user, &session))
                        .await?
                }
                (_, ComponentInteractionDataKind::StringSelect { values }) => {
                    let talks: Vec<TalkId> = values.iter().map(|v| v.as_str().into()).collect();
                    data.run(move |store, now| core::remind_many(store, now, user, &talks))
                        .await?
                }
                _ => anyhow::bail!("the Remind me menu sent no talks"),
            };
            return Ok(private_embed(&reply));
        }
        Action::Remind(talk) => {
            let reply = data
                .run(move |store, now| core::remind(store, now, user, &talk, None))
                .await?;
            return Ok(private_embed(&reply));
        }
        Action::Calendar => {
            let ics = data
                .run(move |store, now| export::agenda_ics(store, now, user))
                .await?;
            return Ok(CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("Your agenda as a calendar file: open it with your calendar app.")
                    .add_file(CreateAttachment::bytes(ics.into_bytes(), "agenda.ics"))
                    .ephemeral(true)
                    .allowed_mentions(no_mentions()),
            ));
        }
        Action::Forget => {
            let reply = data
                .run(move |store, _| core::forget_me(store, user))
                .await?;
            // The confirmation becomes the answer, its button gone.
            return Ok(CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .embed(embed(&reply.fitted()))
                    .components(Vec::new())
                    .allowed_mentions(no_mentions()),
            ));
        }
        Action::Remove => {
            let ComponentInteractionDataKind::StringSelect { values } = &press.data.kind else {
                anyhow::bail!("the agenda's remove menu sent no talks");
            };
            let values = values.clone();
            data.run(move |store, now| core::remove(store, now, user, &values))
                .await?
        }
        Action::Pause | Action::Resume => {
            let paused = action == Action::Pause;
            data.run(move |store, now| core::set_paused(store, now, user, paused))
                .await?
        }
    };
    // The agenda the menu or button is on, updated in place.
    Ok(CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new()
            .embed(embed(&view.reply.fitted()))
            .components(agenda_components(&view))
            .allowed_mentions(no_mentions()),
    ))
}
