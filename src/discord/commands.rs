//! One thin wrapper per slash command: parse the options, call the core command with the
//! clock's `now`, send the reply (deferred first if it is slow to come; a long list computed
//! again when its pages are turned: `pages::answer`). The logic lives in `crate::commands`;
//! what a reply looks like in `render.rs`. Who sees a reply is decided here, per command:
//!
//! - `/talk` is public: sharing a talk into the conversation is what it is for.
//! - `/next`, `/now`, `/search`, `/speaker`, `/schedule`, `/about` are private (ephemeral): a
//!   person asks for themselves, and a thousand people asking after a keynote must not flood
//!   the channel.
//!
//! Every command and option has a description, which Discord shows.

use chrono::NaiveDate;

use super::autocomplete::{day_choices, speaker_choices, talk_choices, track_choices};
use super::pages::{answer, answer_with_files, Visibility};
use super::{Context, Error};
use crate::commands;
use crate::reply::limits;
use crate::user_error;

/// Fields per page of a list.
const PER_PAGE: usize = 5;

/// Every slash command confbot registers, declared once.
pub fn all_commands() -> Vec<poise::Command<super::Data, Error>> {
    vec![
        next(),
        now(),
        search(),
        talk(),
        speaker(),
        schedule(),
        about(),
        super::agenda::remind(),
        super::agenda::agenda(),
        super::agenda::forget_me(),
        super::setup::setup(),
        super::announce::announce(),
        super::program::program(),
        super::qa::qa(),
        super::qa::ask(),
        super::feedback::feedback(),
        super::feedback::stats(),
    ]
}

/// The next talks, soonest first
#[poise::command(slash_command)]
async fn next(
    ctx: Context<'_>,
    #[description = "How many talks (1 to 25; default 5)"]
    #[min = 1]
    #[max = 25]
    count: Option<u8>,
    #[description = "Only talks in this track or room"]
    #[autocomplete = "track_choices"]
    track: Option<String>,
) -> Result<(), Error> {
    let count = count.map_or(commands::DEFAULT_COUNT, usize::from);
    let guild = ctx.guild_id().map(Into::into);
    answer(
        ctx,
        move |store, now| commands::next(store, guild, now, count, track.as_deref()),
        PER_PAGE,
        Visibility::Private,
    )
    .await
}

/// What is on right now
#[poise::command(slash_command)]
async fn now(ctx: Context<'_>) -> Result<(), Error> {
    let guild = ctx.guild_id().map(Into::into);
    let reply = move |store: &_, now| commands::now(store, guild, now);
    answer(ctx, reply, PER_PAGE, Visibility::Private).await
}

/// Find talks by title, speaker, session or abstract
#[poise::command(slash_command)]
async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for, e.g. hopfield or \"gan rendering\""]
    #[max_length = 200]
    query: String,
) -> Result<(), Error> {
    answer(
        ctx,
        move |store, _| commands::search(store, &query),
        PER_PAGE,
        Visibility::Private,
    )
    .await
}

/// Everything about one talk
#[poise::command(slash_command)]
async fn talk(
    ctx: Context<'_>,
    #[description = "The talk: start typing its title or a speaker's name"]
    #[autocomplete = "talk_choices"]
    talk: String,
) -> Result<(), Error> {
    let guild = ctx.guild_id().map(Into::into);
    let reply = move |store: &_, now| commands::talk(store, guild, &talk, now);
    answer(ctx, reply, limits::EMBED_FIELDS, Visibility::Public).await
}

/// A speaker's talks
#[poise::command(slash_command)]
async fn speaker(
    ctx: Context<'_>,
    #[description = "The speaker's name, or part of it"]
    #[autocomplete = "speaker_choices"]
    name: String,
) -> Result<(), Error> {
    answer(
        ctx,
        move |store, _| commands::speaker(store, &name),
        PER_PAGE,
        Visibility::Private,
    )
    .await
}

/// A day's sessions and talks, as text and, if you like, as a picture
#[poise::command(slash_command)]
async fn schedule(
    ctx: Context<'_>,
    #[description = "The conference day (default: today, or the next day of the conference)"]
    #[autocomplete = "day_choices"]
    day: Option<String>,
    #[description = "Also as a timetable picture: rooms side by side, time down the side"]
    picture: Option<bool>,
) -> Result<(), Error> {
    let day = match day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(_) => user_error!(
                "`{}` is not a day I know; pick one of the suggestions.",
                crate::reply::truncate(text, 50)
            ),
        },
    };
    let text = move |store: &_, now| commands::schedule(store, now, day);
    if picture != Some(true) {
        return answer(ctx, text, PER_PAGE, Visibility::Private).await;
    }
    let pictures = move |store: &_, now| commands::schedule_pictures(store, now, day);
    answer_with_files(ctx, pictures, text, PER_PAGE, Visibility::Private).await
}

/// What confbot is, and the conference it knows
#[poise::command(slash_command)]
async fn about(ctx: Context<'_>) -> Result<(), Error> {
    let about = |store: &_, _| commands::about(store);
    answer(ctx, about, limits::EMBED_FIELDS, Visibility::Private).await
}
