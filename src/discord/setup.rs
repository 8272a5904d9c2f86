//! `/setup` (admins): where and how session announcements go, the Events tab mirror, and Q&A
//! (automatic threads, the moderators' role). Thin wrappers over
//! `crate::commands::setup`; gated by `default_member_permissions` and `checks::manage_guild`.
//! Answers are private: settings are the admin's business.

use poise::serenity_prelude as serenity;

use super::autocomplete::track_choices;
use super::checks::manage_guild;
use super::pages::{run_private, send, Visibility};
use super::{guild, Context, Error};
use crate::commands::qa as qa_core;
use crate::commands::rooms as rooms_core;
use crate::commands::setup as core;

/// Set where and how confbot announces sessions (admins)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "manage_guild",
    subcommands(
        "announcements",
        "route",
        "ping",
        "show",
        "events",
        "room",
        "rooms",
        "qa",
        "moderators"
    ),
    subcommand_required
)]
pub async fn setup(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The default channel for session announcements
#[poise::command(slash_command, guild_only)]
async fn announcements(
    ctx: Context<'_>,
    #[description = "Where sessions are announced"]
    #[channel_types("Text", "News")]
    channel: serenity::ChannelId,
) -> Result<(), Error> {
    let guild = guild(ctx);
    run_private(ctx, move |store, _| {
        core::set_announcements(store, guild, channel.into())
    })
    .await
}

/// Send a track's or room's sessions to their own channel (no channel: remove the route)
#[poise::command(slash_command, guild_only)]
async fn route(
    ctx: Context<'_>,
    #[description = "A track or room of the program"]
    #[autocomplete = "track_choices"]
    track: String,
    #[description = "Its channel (leave out to remove the route)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let guild = guild(ctx);
    let channel = channel.map(Into::into);
    run_private(ctx, move |store, _| {
        core::set_route(store, guild, &track, channel)
    })
    .await
}

/// The role announcements mention (no role: mention nobody)
#[poise::command(slash_command, guild_only)]
async fn ping(
    ctx: Context<'_>,
    #[description = "The role to mention (leave out to mention nobody)"] role: Option<
        serenity::RoleId,
    >,
) -> Result<(), Error> {
    let guild = guild(ctx);
    let role = role.map(Into::into);
    run_private(ctx, move |store, _| core::set_ping(store, guild, role)).await
}

/// The current settings, and how posting into each channel has gone
#[poise::command(slash_command, guild_only)]
async fn show(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild(ctx);
    let rules = ctx.data().rules().clone();
    let reply = ctx
        .data()
        .run(move |store, _| core::show(store, guild, &rules))
        .await?;
    // A server of many rooms gets pages, each within what Discord takes.
    let per_page = core::fields_per_page(&reply);
    send(ctx, reply, per_page, Visibility::Private).await
}

/// Show the coming sessions in Discord's Events tab (needs Create Events)
#[poise::command(slash_command, guild_only)]
async fn events(
    ctx: Context<'_>,
    #[description = "Mirror the program into the Events tab"] enabled: bool,
    #[description = "Sessions starting within this many hours (default 24)"]
    #[min = 1]
    #[max = 168]
    hours: Option<u32>,
    #[description = "At most this many events (default 50)"]
    #[min = 1]
    #[max = 100]
    max: Option<u32>,
) -> Result<(), Error> {
    let guild = guild(ctx);
    run_private(ctx, move |store, _| {
        crate::commands::mirror::set_events(store, guild, enabled, hours, max)
    })
    .await
}

/// A room of the program as a place: where to watch it, its voice channel, its chat
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)] // poise: one parameter per option, as Discord shows them
async fn room(
    ctx: Context<'_>,
    #[description = "A room or track of the program"]
    #[autocomplete = "track_choices"]
    room: String,
    #[description = "Where to watch it: an https link (over the program's)"]
    #[max_length = 512]
    stream: Option<String>,
    #[description = "Its voice or stage channel (also the Events tab's place for its sessions)"]
    #[channel_types("Voice", "Stage")]
    voice: Option<serenity::PartialChannel>,
    #[description = "Its text channel (also where its sessions are announced)"]
    #[channel_types("Text", "News")]
    chat: Option<serenity::PartialChannel>,
    #[description = "Post each talk into its chat as it starts"]
    #[rename = "now-posts"]
    now_posts: Option<bool>,
    #[description = "How many people it holds (for /stats: talks likely to overflow)"]
    #[min = 1]
    capacity: Option<u32>,
    #[description = "Forget all of this room's settings"] clear: Option<bool>,
) -> Result<(), Error> {
    let guild = guild(ctx);
    let request = rooms_core::RoomRequest {
        room,
        stream,
        voice: voice.as_ref().map(picked),
        chat: chat.as_ref().map(picked),
        now_posts,
        capacity,
        clear: clear.unwrap_or(false),
    };
    run_private(ctx, move |store, _| {
        rooms_core::set_room(store, guild, &request)
    })
    .await
}

/// The program's rooms as channels
#[poise::command(
    slash_command,
    guild_only,
    subcommands("super::rooms::rooms_create"),
    subcommand_required
)]
async fn rooms(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// A channel option as the core reads it: its id and type (resolved by Discord, no request).
fn picked(channel: &serenity::PartialChannel) -> rooms_core::Picked {
    use rooms_core::ChannelKind;
    let kind = match channel.kind {
        serenity::ChannelType::Text => ChannelKind::Text,
        serenity::ChannelType::News => ChannelKind::Announcement,
        serenity::ChannelType::Voice => ChannelKind::Voice,
        serenity::ChannelType::Stage => ChannelKind::Stage,
        _ => ChannelKind::Other,
    };
    rooms_core::Picked {
        id: channel.id.into(),
        kind,
    }
}

/// Open Q&A threads automatically when a session is announced
#[poise::command(slash_command, guild_only)]
async fn qa(
    ctx: Context<'_>,
    #[description = "Open each session's Q&A thread on its first announcement"] auto: bool,
) -> Result<(), Error> {
    let guild = guild(ctx);
    run_private(ctx, move |store, _| {
        qa_core::set_auto_open(store, guild, auto)
    })
    .await
}

/// The role that moderates Q&A besides Manage Threads (no role: Manage Threads only)
#[poise::command(slash_command, guild_only)]
async fn moderators(
    ctx: Context<'_>,
    #[description = "The moderators' role (leave out for Manage Threads only)"] role: Option<
        serenity::RoleId,
    >,
) -> Result<(), Error> {
    let guild = guild(ctx);
    let role = role.map(Into::into);
    run_private(ctx, move |store, _| {
        qa_core::set_moderator_role(store, guild, role)
    })
    .await
}
