//! Q&A on Discord: `/qa open|top|close` (moderators), `/ask` (everyone), the vote and
//! "answered" buttons, and noticing deleted threads (`/setup qa` and `/setup moderators` are
//! with the rest of `/setup`). The decisions are in `crate::commands::qa`; threads are opened by
//! [`SerenityPoster::open_thread`], as automatic Q&A does.
//!
//! Buttons carry stable custom ids (`qa:vote:<question>`, `qa:answered:<question>:<count>`) and
//! are answered by [`on_press`] (routed by `gateway.rs`) whenever they are pressed, not by a collector of the command that
//! sent them: votes keep working across restarts, since the state is in SQLite.
//!
//! `/qa` is hidden from members without Manage Threads (`default_member_permissions`) and
//! checked again on the server, where the guild's moderator role also counts.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use poise::CreateReply;
use serenity::{
    ButtonStyle, ChannelId, ChannelType, ComponentInteraction, CreateActionRow, CreateButton,
    CreateEmbed, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, EditMessage,
    EditThread, MessageId,
};

use super::autocomplete::{offer, talk_choices};
use super::checks::{is_moderator, moderator, MODERATORS_ONLY};
use super::data::ANSWER_WITHIN;
use super::errors::{for_user, private};
use super::pages::{run_private, send_private};
use super::poster::{error_code, post_error, SerenityPoster};
use super::render::{embed, no_mentions};
use super::{guild, Context, Data, Error};
use crate::commands::qa::{self as core, Ask, Open};
use crate::domain::ports::{PostError, Poster};
use crate::domain::qa::{give_up_opening, Opened, Press, Subject};
use crate::ids::{self, GuildId};
use crate::reply::{limits, truncate};
use crate::store::Question;
use crate::user_error;

/// Discord's "Unknown Channel": the thread was deleted.
const UNKNOWN_CHANNEL: isize = 10003;

/// The channel a command runs in, or the channel of the thread it runs in.
fn here(ctx: Context<'_>) -> ids::ChannelId {
    if let poise::Context::Application(app) = ctx {
        if let Some(channel) = &app.interaction.channel {
            let thread = matches!(
                channel.kind,
                ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
            );
            if let (true, Some(parent)) = (thread, channel.parent_id) {
                return parent.into();
            }
        }
    }
    ctx.channel_id().into()
}

/// Q&A threads: open one, see the top questions, close it (moderators)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_THREADS",
    check = "moderator",
    subcommands("open", "top", "close"),
    subcommand_required
)]
pub async fn qa(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Open the Q&A thread of a session or talk (default: the session running now here)
#[poise::command(slash_command, guild_only)]
async fn open(
    ctx: Context<'_>,
    #[description = "The session (default: the one running now in this channel)"]
    #[autocomplete = "session_choices"]
    session: Option<String>,
    #[description = "A talk, for a thread of its own"]
    #[autocomplete = "talk_choices"]
    talk: Option<String>,
) -> Result<(), Error> {
    let (guild, here) = (guild(ctx), here(ctx));
    ctx.defer_ephemeral().await?;
    let plan = || {
        let (session, talk) = (session.clone(), talk.clone());
        ctx.data().run(move |store, now| {
            let subject = core::subject(
                store,
                now,
                guild,
                here,
                core::Named {
                    session: session.as_deref(),
                    talk: talk.as_deref(),
                },
            )?;
            let open = core::plan_open(store, guild, &subject, here, now)?;
            Ok((subject, open))
        })
    };
    let http = Arc::clone(&ctx.serenity_context().http);
    let (mut subject, mut open) = plan().await?;
    if let Open::Existing(thread) = &open {
        if thread_exists(&http, thread.thread_id).await? {
            return send_private(ctx, core::already_open(thread)).await;
        }
        // Deleted while confbot was not watching: forget it and open a new one.
        let gone = thread.thread_id;
        ctx.data()
            .run(move |store, _| Ok(store.qa_thread_gone(gone)?))
            .await?;
        (subject, open) = plan().await?;
    }
    let new = match open {
        Open::New(new) => new,
        Open::Busy => return wait_for_another(ctx, guild, subject).await,
        Open::Existing(_) => return Err(anyhow::anyhow!("a forgotten Q&A thread is still live")),
    };
    let poster = SerenityPoster::new(Arc::clone(&http), ctx.data().pacer());
    let thread = match poster.open_thread(&new).await {
        Ok(thread) => thread,
        Err(error) => {
            let giving_up = subject.clone();
            ctx.data()
                .run(move |store, _| Ok(give_up_opening(store, guild, &giving_up)?))
                .await?;
            match error {
                PostError::Transient(error) => {
                    user_error!("Discord did not open the thread ({error}). Try again in a moment.")
                }
                PostError::Permanent(error) | PostError::Rejected(error) => user_error!(
                    "I cannot open a thread in <#{}> ({error}). Check that confbot may create public threads there.",
                    new.channel_id
                ),
            }
        }
    };
    let channel = new.channel_id;
    let recording = subject.clone();
    let recorded = ctx
        .data()
        .run(move |store, now| {
            let opened = Opened {
                guild,
                subject: &recording,
                channel,
                thread,
            };
            core::opened(store, &opened, now)
        })
        .await;
    match recorded {
        Ok(reply) => send_private(ctx, reply).await,
        Err(error) => {
            // An unrecorded thread would never be linked or closed: remove it, and let another
            // moderator try.
            if let Err(removal) = poster.remove_thread(thread).await {
                tracing::warn!(%thread, error = ?removal, "cannot remove an unrecorded Q&A thread");
            }
            ctx.data()
                .run(move |store, _| Ok(give_up_opening(store, guild, &subject)?))
                .await?;
            Err(error)
        }
    }
}

/// Another moderator is opening the same Q&A: answer with their thread once it is recorded.
async fn wait_for_another(ctx: Context<'_>, guild: GuildId, subject: Subject) -> Result<(), Error> {
    const PATIENCE: Duration = Duration::from_secs(10);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let waiting = subject.clone();
        let opened = ctx
            .data()
            .run(move |store, _| core::opened_by_another(store, guild, &waiting))
            .await?;
        if let Some(reply) = opened {
            return send_private(ctx, reply).await;
        }
    }
    user_error!(
        "Another moderator is opening this Q&A right now. Run `/qa open` again in a moment."
    )
}

/// Whether a thread still exists on Discord.
async fn thread_exists(http: &serenity::Http, thread: ids::ChannelId) -> Result<bool, Error> {
    match http.get_channel(thread.into()).await {
        Ok(_) => Ok(true),
        Err(error) if error_code(&error) == Some(UNKNOWN_CHANNEL) => Ok(false),
        Err(error) => Err(error).context("checking a Q&A thread"),
    }
}

/// This Q&A thread's questions by votes, with buttons to mark them answered
#[poise::command(slash_command, guild_only)]
async fn top(
    ctx: Context<'_>,
    #[description = "How many questions (1 to 10; default 5)"]
    #[min = 1]
    #[max = 10]
    count: Option<u8>,
) -> Result<(), Error> {
    let channel = ctx.channel_id().into();
    let count = count.map_or(core::DEFAULT_TOP, usize::from);
    let (reply, questions) = ctx
        .data()
        .run(move |store, _| {
            let thread = core::thread_here(store, channel)?;
            core::top(store, &thread, count)
        })
        .await?;
    ctx.send(
        CreateReply::default()
            .embed(embed(&reply))
            .components(answered_buttons(&questions, count))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// Close this Q&A thread: post a summary, then archive and lock it
#[poise::command(slash_command, guild_only)]
async fn close(ctx: Context<'_>) -> Result<(), Error> {
    let channel = ctx.channel_id();
    let here = channel.into();
    let (thread, summary) = ctx
        .data()
        .run(move |store, _| core::close(store, here))
        .await?;
    ctx.defer_ephemeral().await?;
    let http = &ctx.serenity_context().http;
    channel
        .send_message(
            http,
            CreateMessage::new()
                .embed(embed(&summary))
                .allowed_mentions(no_mentions()),
        )
        .await
        .context("posting the Q&A summary")?;
    channel
        .edit_thread(http, EditThread::new().archived(true).locked(true))
        .await
        .context("archiving and locking a Q&A thread")?;
    run_private(ctx, move |store, now| core::closed(store, &thread, now)).await
}

/// Ask a question in a session's or talk's Q&A thread
#[poise::command(slash_command, guild_only)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question"]
    #[min_length = 3]
    #[max_length = 1000]
    question: String,
    #[description = "The talk it is for (inside a Q&A thread: optional)"]
    #[autocomplete = "talk_choices"]
    talk: Option<String>,
) -> Result<(), Error> {
    let (guild, channel, author) = (guild(ctx), ctx.channel_id().into(), ctx.author().id.into());
    let asked = ctx
        .data()
        .run(move |store, now| {
            let ask = Ask {
                guild,
                channel,
                author,
                question: &question,
                talk: talk.as_deref(),
            };
            core::ask(store, &ask, now)
        })
        .await?;
    let create = CreateMessage::new()
        .embed(embed(&asked.message))
        .components(vec![vote_row(&asked.question)])
        .allowed_mentions(no_mentions());
    let posted = ChannelId::from(asked.thread.thread_id)
        .send_message(ctx.serenity_context(), create)
        .await;
    match posted {
        Ok(posted) => {
            let link = posted.id.link(posted.channel_id, ctx.guild_id());
            let message = posted.id.into();
            run_private(ctx, move |store, _| {
                core::question_posted(store, &asked, message, &link)
            })
            .await
        }
        Err(error) => {
            let deleted = error_code(&error) == Some(UNKNOWN_CHANNEL);
            ctx.data()
                .run(move |store, _| core::question_not_posted(store, &asked, deleted))
                .await?;
            Err(anyhow::Error::new(error).context("posting a question"))
        }
    }
}

async fn session_choices(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_string();
    offer(ctx, move |store, now| {
        core::session_choices(store, now, &partial)
    })
    .await
}

/// A question's vote button, with its count.
fn vote_row(question: &Question) -> CreateActionRow {
    CreateActionRow::Buttons(vec![CreateButton::new(
        Press::Vote(question.id).custom_id(),
    )
    .label(format!("▲ {}", question.votes))
    .style(ButtonStyle::Primary)])
}

/// "Answered" buttons for the questions `/qa top` lists, numbered as the list is.
fn answered_buttons(questions: &[Question], count: usize) -> Vec<CreateActionRow> {
    questions
        .chunks(limits::BUTTONS_PER_ROW)
        .enumerate()
        .take(limits::ACTION_ROWS)
        .map(|(row, chunk)| {
            CreateActionRow::Buttons(
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let n = row * limits::BUTTONS_PER_ROW + i + 1;
                        CreateButton::new(Press::Answered(q.id, count).custom_id())
                            .label(truncate(&format!("✓ {n} answered"), limits::BUTTON_LABEL))
                            .style(ButtonStyle::Success)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A Q&A button press (the router in `gateway.rs` found it is one).
pub async fn on_press(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    action: Press,
    data: &Data,
) {
    let mut answer = std::pin::pin!(answer(ctx, press, action, data));
    // As commands are: a press whose answer is slow (the database busy, locked or
    // failing) is acknowledged first, then updated, or told what went wrong.
    let (result, deferred) = match tokio::time::timeout(ANSWER_WITHIN, &mut answer).await {
        Ok(result) => (result, false),
        Err(_) => {
            if let Err(error) = press.defer(ctx).await {
                tracing::warn!(%error, "could not defer a Q&A button");
            }
            (answer.await, true)
        }
    };
    let sent = match (result, deferred) {
        (Ok((embed, rows)), false) => {
            let update = CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(rows)
                .allowed_mentions(no_mentions());
            press
                .create_response(ctx, CreateInteractionResponse::UpdateMessage(update))
                .await
        }
        (Ok((embed, rows)), true) => press
            .edit_response(
                ctx,
                EditInteractionResponse::new()
                    .embed(embed)
                    .components(rows)
                    .allowed_mentions(no_mentions()),
            )
            .await
            .map(|_| ()),
        (Err(error), deferred) => {
            let what = format!("the Q&A button {}", press.data.custom_id);
            let message = truncate(&for_user(&error, &what), limits::CONTENT);
            if deferred {
                press
                    .create_followup(
                        ctx,
                        CreateInteractionResponseFollowup::new()
                            .content(message)
                            .ephemeral(true)
                            .allowed_mentions(no_mentions()),
                    )
                    .await
                    .map(|_| ())
            } else {
                press.create_response(ctx, private(&message)).await
            }
        }
    };
    if let Err(error) = sent {
        tracing::warn!(%error, "could not answer a Q&A button");
    }
}

/// A deleted thread: if it was a Q&A thread, `/qa open` makes a new one.
pub async fn on_thread_delete(thread: serenity::ChannelId, data: &Data) -> Result<(), Error> {
    let deleted = thread.into();
    let was_qa = data
        .run(move |store, _| Ok(store.qa_thread_gone(deleted)?))
        .await?;
    if was_qa {
        tracing::info!(%thread, "a Q&A thread was deleted; /qa open makes a new one");
    }
    Ok(())
}

async fn answer(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    action: Press,
    data: &Data,
) -> Result<(CreateEmbed, Vec<CreateActionRow>), Error> {
    let user = press.user.id.into();
    Ok(match action {
        Press::Vote(id) => {
            let shown = data
                .run(move |store, _| core::vote(store, id, user))
                .await?;
            (embed(&shown.message), vec![vote_row(&shown.question)])
        }
        Press::Answered(id, count) => {
            let guild: GuildId = press.guild_id.map(Into::into).unwrap_or(GuildId(0));
            let role = data
                .run(move |store, _| Ok(core::moderator_role(store, guild)?))
                .await?;
            if !press.member.as_ref().is_some_and(|m| is_moderator(m, role)) {
                user_error!("{MODERATORS_ONLY}");
            }
            let answered = data
                .run(move |store, now| core::answer(store, id, count, now))
                .await?;
            mark_in_thread(ctx, answered.thread, &answered.shown).await;
            (
                embed(&answered.top),
                answered_buttons(&answered.top_questions, count),
            )
        }
    })
}

/// Shows in the thread that a question was answered; failing that is only logged, since the
/// moderator's list is what matters.
async fn mark_in_thread(ctx: &serenity::Context, thread: ids::ChannelId, shown: &core::Shown) {
    let Some(message_id) = shown.question.message_id else {
        return;
    };
    let edit = EditMessage::new()
        .embed(embed(&shown.message))
        .components(vec![vote_row(&shown.question)])
        .allowed_mentions(no_mentions());
    if let Err(error) = ChannelId::from(thread)
        .edit_message(ctx, MessageId::from(message_id), edit)
        .await
    {
        tracing::warn!(%thread, question = shown.question.id, error = ?post_error(&error), "cannot show a question as answered");
    }
}
