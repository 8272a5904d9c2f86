//! The fake's world (one guild, its channels, roles and members) and typed payload factories.
//!
//! Every JSON object the fake sends (gateway dispatches and REST responses) is built here, and
//! each factory checks its output against serenity's own model type before returning it:
//! serenity silently drops a dispatch it cannot parse, so a malformed payload would otherwise
//! show up as a test that hangs instead of one that fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use serenity::model::id::{ApplicationId, ChannelId, GuildId, RoleId, UserId};
use serenity::model::Permissions;

/// Discord's epoch (2015-01-01), the zero of snowflake timestamps.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The ids of everything the fake's world starts with. They are fixed, so a test (or a `.env`
/// for the binary) can name them before the fake starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    /// The bot's application (and, as on Discord, its bot user's id is different).
    pub application: ApplicationId,
    /// The bot user.
    pub bot: UserId,
    /// The one guild the bot is in.
    pub guild: GuildId,
    /// `#general`, where attendees talk.
    pub general: ChannelId,
    /// `#announcements`, where the bot posts session announcements.
    pub announcements: ChannelId,
    /// `#questions`, where Q&A threads are opened.
    pub questions: ChannelId,
    /// `#moderators`, a text channel for the organisers.
    pub moderators: ChannelId,
    /// The `@everyone` role (its id is the guild's, as on Discord).
    pub everyone_role: RoleId,
    /// The "Moderator" role: Manage Threads and Manage Messages.
    pub moderator_role: RoleId,
    /// The "Organiser" role: Manage Guild.
    pub admin_role: RoleId,
    /// The bot's own managed role.
    pub bot_role: RoleId,
    /// An attendee: `@everyone` only.
    pub attendee: UserId,
    /// A moderator: has the moderator role (Manage Threads).
    pub moderator: UserId,
    /// An organiser: has the admin role (Manage Guild).
    pub admin: UserId,
}

/// A snowflake at 2024-01-01 plus `n`, for the fixed ids of the world.
const fn fixed(n: u64) -> u64 {
    ((1_704_067_200_000 - DISCORD_EPOCH_MS) << 22) + n
}

impl Ids {
    /// The ids of the world every fake starts with.
    pub const FIXED: Ids = Ids {
        application: ApplicationId::new(fixed(1)),
        bot: UserId::new(fixed(2)),
        guild: GuildId::new(fixed(3)),
        general: ChannelId::new(fixed(10)),
        announcements: ChannelId::new(fixed(11)),
        questions: ChannelId::new(fixed(12)),
        moderators: ChannelId::new(fixed(13)),
        everyone_role: RoleId::new(fixed(3)),
        moderator_role: RoleId::new(fixed(20)),
        admin_role: RoleId::new(fixed(21)),
        bot_role: RoleId::new(fixed(22)),
        attendee: UserId::new(fixed(30)),
        moderator: UserId::new(fixed(31)),
        admin: UserId::new(fixed(32)),
    };
}

/// Makes fresh snowflakes: the current time in Discord's layout, strictly increasing.
#[derive(Debug, Default)]
pub(crate) struct Snowflakes {
    last: AtomicU64,
}

impl Snowflakes {
    pub(crate) fn next(&self) -> u64 {
        let now = (unix_ms() - DISCORD_EPOCH_MS) << 22;
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = now.max(prev + 1);
            match self
                .last
                .compare_exchange(prev, candidate, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return candidate,
                Err(actual) => prev = actual,
            }
        }
    }
}

pub(crate) fn unix_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    u64::try_from(since.as_millis()).expect("time fits in u64")
}

/// An ISO 8601 timestamp as Discord writes them.
pub(crate) fn now_iso() -> String {
    serenity::model::Timestamp::now().to_string()
}

/// Checks `value` against serenity's model type `T`; panics (fails the test loudly) if serenity
/// could not read it, since serenity itself would drop it without a word.
pub(crate) fn checked<T: DeserializeOwned>(what: &str, value: Value) -> Value {
    if let Err(err) = serde_json::from_value::<T>(value.clone()) {
        panic!(
            "fake-discord bug: its {what} payload does not deserialize as serenity's {}: {err}\n{value:#}",
            std::any::type_name::<T>()
        );
    }
    value
}

/// A user of the fake guild.
#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub(crate) id: UserId,
    pub(crate) name: String,
    pub(crate) bot: bool,
    pub(crate) roles: Vec<RoleId>,
}

/// A role of the fake guild.
#[derive(Debug, Clone)]
pub(crate) struct RoleRec {
    pub(crate) id: RoleId,
    pub(crate) name: String,
    pub(crate) permissions: Permissions,
    pub(crate) position: u16,
    pub(crate) managed: bool,
}

/// The fake guild's name.
pub(crate) const GUILD_NAME: &str = "Fake Conference 2026";

/// A channel's permission overwrite for a role or a member, as an admin sets it in the
/// channel's settings.
#[derive(Debug, Clone)]
pub(crate) struct OverwriteRec {
    pub(crate) channel: ChannelId,
    /// A role's or a member's id.
    pub(crate) target: u64,
    pub(crate) member: bool,
    pub(crate) allow: Permissions,
    pub(crate) deny: Permissions,
}

/// An overwrite as Discord sends it in a channel's `permission_overwrites`.
pub(crate) fn overwrite(o: &OverwriteRec) -> Value {
    json!({
        "id": o.target.to_string(),
        "type": u8::from(o.member),
        "allow": o.allow.bits().to_string(),
        "deny": o.deny.bits().to_string(),
    })
}

/// A channel: a guild text, voice, stage or category channel, a thread or a DM.
#[derive(Debug, Clone)]
pub(crate) struct ChannelRec {
    pub(crate) id: ChannelId,
    /// Discord's channel type: 0 text, 1 DM, 2 voice, 4 category, 11 public thread, 12 private
    /// thread, 13 stage.
    pub(crate) kind: u8,
    pub(crate) name: String,
    pub(crate) parent_id: Option<ChannelId>,
    pub(crate) position: u16,
    /// Threads: who made it; DMs: the other user.
    pub(crate) owner_id: Option<UserId>,
    pub(crate) archived: bool,
    pub(crate) locked: bool,
    pub(crate) invitable: bool,
    pub(crate) auto_archive_duration: u64,
    pub(crate) created: String,
    pub(crate) message_count: u64,
    /// Threads: who has joined.
    pub(crate) members: Vec<UserId>,
    /// Voice channels: the status shown under the channel's name (`PUT .../voice-status`).
    pub(crate) status: Option<String>,
}

/// A live stage: a stage channel's stage instance.
#[derive(Debug, Clone)]
pub(crate) struct StageRec {
    pub(crate) id: u64,
    pub(crate) channel_id: ChannelId,
    pub(crate) topic: String,
}

/// A stage instance object.
pub(crate) fn stage_instance(s: &StageRec) -> Value {
    checked::<serenity::model::channel::StageInstance>(
        "stage instance",
        json!({
            "id": s.id.to_string(),
            "guild_id": Ids::FIXED.guild.to_string(),
            "channel_id": s.channel_id.to_string(),
            "topic": s.topic,
            "privacy_level": 2,
            "discoverable_disabled": true,
            "guild_scheduled_event_id": null,
        }),
    )
}

/// A guild scheduled event (the Events tab).
#[derive(Debug, Clone)]
pub(crate) struct EventRec {
    pub(crate) id: u64,
    pub(crate) creator: UserId,
    /// Discord's entity type: 1 stage, 2 voice, 3 external.
    pub(crate) kind: u8,
    /// 1 scheduled, 2 active, 3 completed, 4 cancelled.
    pub(crate) status: u8,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// ISO 8601, as the bot sent it.
    pub(crate) start: String,
    pub(crate) end: Option<String>,
    pub(crate) channel_id: Option<ChannelId>,
    pub(crate) location: Option<String>,
    /// Who pressed Interested.
    pub(crate) interested: Vec<UserId>,
}

impl EventRec {
    /// Scheduled or active: counted against the cap and listed.
    pub(crate) fn is_open(&self) -> bool {
        matches!(self.status, 1 | 2)
    }
}

impl ChannelRec {
    /// A guild channel that is not a thread: text, voice, category or stage.
    pub(crate) fn guild(id: ChannelId, kind: u8, name: &str, position: u16) -> ChannelRec {
        ChannelRec {
            id,
            kind,
            name: name.to_owned(),
            parent_id: None,
            position,
            owner_id: None,
            archived: false,
            locked: false,
            invitable: false,
            auto_archive_duration: 1440,
            created: now_iso(),
            message_count: 0,
            members: Vec::new(),
            status: None,
        }
    }

    pub(crate) fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }

    /// A channel of the guild's channel list: not a thread, not a DM.
    pub(crate) fn is_guild_channel(&self) -> bool {
        self.kind != 1 && !self.is_thread()
    }

    /// Voice or stage: where people talk, and where the Events tab can hold an event.
    pub(crate) fn is_voice(&self) -> bool {
        matches!(self.kind, 2 | 13)
    }
}

/// The users, roles and channels every fake starts with.
pub(crate) fn initial_users() -> Vec<UserRec> {
    let ids = Ids::FIXED;
    let user = |id, name: &str, bot, roles: Vec<RoleId>| UserRec {
        id,
        name: name.into(),
        bot,
        roles,
    };
    vec![
        user(ids.bot, "confbot", true, vec![ids.bot_role]),
        user(ids.attendee, "ada_attendee", false, vec![]),
        user(
            ids.moderator,
            "mo_moderator",
            false,
            vec![ids.moderator_role],
        ),
        user(ids.admin, "olga_organiser", false, vec![ids.admin_role]),
    ]
}

pub(crate) fn initial_roles() -> Vec<RoleRec> {
    let ids = Ids::FIXED;
    let everyone = Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::ADD_REACTIONS
        | Permissions::USE_APPLICATION_COMMANDS
        | Permissions::CREATE_PUBLIC_THREADS
        | Permissions::SEND_MESSAGES_IN_THREADS
        | Permissions::EMBED_LINKS
        | Permissions::ATTACH_FILES
        | Permissions::CHANGE_NICKNAME;
    let role = |id, name: &str, permissions, position, managed| RoleRec {
        id,
        name: name.into(),
        permissions,
        position,
        managed,
    };
    vec![
        role(ids.everyone_role, "@everyone", everyone, 0, false),
        role(
            ids.moderator_role,
            "Moderator",
            Permissions::MANAGE_THREADS
                | Permissions::MANAGE_MESSAGES
                | Permissions::MODERATE_MEMBERS,
            2,
            false,
        ),
        role(
            ids.admin_role,
            "Organiser",
            Permissions::MANAGE_GUILD | Permissions::MANAGE_CHANNELS,
            3,
            false,
        ),
        role(
            ids.bot_role,
            "confbot",
            Permissions::MANAGE_THREADS
                | Permissions::CREATE_PRIVATE_THREADS
                | Permissions::MANAGE_MESSAGES
                | Permissions::MENTION_EVERYONE
                | Permissions::CREATE_EVENTS,
            1,
            true,
        ),
    ]
}

pub(crate) fn initial_channels() -> Vec<ChannelRec> {
    let ids = Ids::FIXED;
    [
        (ids.general, "general"),
        (ids.announcements, "announcements"),
        (ids.questions, "questions"),
        (ids.moderators, "moderators"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (id, name))| ChannelRec::guild(id, 0, name, u16::try_from(i).expect("few channels")))
    .collect()
}

/// A user object (no member fields).
pub(crate) fn user(u: &UserRec) -> Value {
    checked::<serenity::model::user::User>(
        "user",
        json!({
            "id": u.id.to_string(),
            "username": u.name,
            "global_name": if u.bot { Value::Null } else { json!(u.name) },
            "discriminator": "0",
            "avatar": null,
            "bot": u.bot,
            "system": false,
            "public_flags": 0,
        }),
    )
}

/// The guild permissions of a member: `@everyone` plus their roles; Administrator means all.
pub(crate) fn permissions_of(u: &UserRec, roles: &[RoleRec]) -> Permissions {
    let everyone = Ids::FIXED.everyone_role;
    let perms = roles
        .iter()
        .filter(|r| r.id == everyone || u.roles.contains(&r.id))
        .fold(Permissions::empty(), |acc, r| acc | r.permissions);
    if perms.contains(Permissions::ADMINISTRATOR) {
        Permissions::all()
    } else {
        perms
    }
}

/// A member's permissions in a channel, in the order of Discord's documentation ("Permission
/// Overwrites"): the guild's, then `@everyone`'s overwrite, the member's roles' overwrites
/// (denies before allows), and the member's own. Administrator is never overwritten.
pub(crate) fn channel_permissions(
    u: &UserRec,
    roles: &[RoleRec],
    overwrites: &[&OverwriteRec],
) -> Permissions {
    let mut perms = permissions_of(u, roles);
    if perms.contains(Permissions::ADMINISTRATOR) {
        return perms;
    }
    let everyone = Ids::FIXED.everyone_role.get();
    let apply = |perms: &mut Permissions, matching: &dyn Fn(&OverwriteRec) -> bool| {
        let (allow, deny) = overwrites
            .iter()
            .filter(|o| matching(o))
            .fold((Permissions::empty(), Permissions::empty()), |(a, d), o| {
                (a | o.allow, d | o.deny)
            });
        *perms = (*perms & !deny) | allow;
    };
    apply(&mut perms, &|o| !o.member && o.target == everyone);
    apply(&mut perms, &|o| {
        !o.member && o.target != everyone && u.roles.iter().any(|r| r.get() == o.target)
    });
    apply(&mut perms, &|o| o.member && o.target == u.id.get());
    perms
}

/// A guild member, as in GUILD_CREATE, `GET /guilds/{g}/members/{u}` and interactions (which
/// add `permissions`).
pub(crate) fn member(u: &UserRec, permissions: Option<Permissions>) -> Value {
    let mut m = json!({
        "user": user(u),
        "nick": null,
        "avatar": null,
        "roles": u.roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if let Some(p) = permissions {
        m["permissions"] = json!(p.bits().to_string());
    }
    checked::<serenity::model::guild::Member>("member", m)
}

pub(crate) fn role(r: &RoleRec) -> Value {
    let mut tags = json!({});
    if r.managed {
        tags = json!({"bot_id": Ids::FIXED.bot.to_string()});
    }
    checked::<serenity::model::guild::Role>(
        "role",
        json!({
            "id": r.id.to_string(),
            "name": r.name,
            "color": 0,
            // serenity 0.12.5 drops a whole GUILD_CREATE whose roles lack `colors`.
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": r.position,
            "permissions": r.permissions.bits().to_string(),
            "managed": r.managed,
            "mentionable": true,
            "tags": tags,
            "flags": 0,
        }),
    )
}

/// A channel object: guild text channel, thread or DM.
pub(crate) fn channel(c: &ChannelRec, users: &[UserRec]) -> Value {
    let guild_id = Ids::FIXED.guild.to_string();
    if c.kind == 1 {
        let recipient = users
            .iter()
            .find(|u| Some(u.id) == c.owner_id)
            .expect("a DM channel's recipient is a known user");
        return checked::<serenity::model::channel::PrivateChannel>(
            "DM channel",
            json!({
                "id": c.id.to_string(),
                "type": 1,
                "last_message_id": null,
                "recipients": [user(recipient)],
                "flags": 0,
            }),
        );
    }
    let mut v = json!({
        "id": c.id.to_string(),
        "type": c.kind,
        "guild_id": guild_id,
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [],
        "nsfw": false,
        "rate_limit_per_user": 0,
        "parent_id": c.parent_id.map(|p| p.to_string()),
        "last_message_id": null,
        "flags": 0,
    });
    if c.is_thread() {
        v["owner_id"] = json!(c.owner_id.map(|o| o.to_string()));
        v["message_count"] = json!(c.message_count);
        v["member_count"] = json!(c.members.len());
        v["total_message_sent"] = json!(c.message_count);
        v["thread_metadata"] = json!({
            "archived": c.archived,
            "auto_archive_duration": c.auto_archive_duration,
            "archive_timestamp": c.created,
            "locked": c.locked,
            "invitable": c.invitable,
            "create_timestamp": c.created,
        });
        v.as_object_mut().expect("object").remove("position");
        v.as_object_mut()
            .expect("object")
            .remove("permission_overwrites");
    } else if c.is_voice() {
        v["bitrate"] = json!(64000);
        v["user_limit"] = json!(0);
        v["rtc_region"] = Value::Null;
        if c.kind == 2 {
            v["status"] = json!(c.status);
        }
    } else if c.kind == 0 {
        v["topic"] = json!(format!("#{} of the conference", c.name));
        v["default_auto_archive_duration"] = json!(c.auto_archive_duration);
    }
    checked::<serenity::model::channel::GuildChannel>("guild channel", v)
}

/// The guild as sent in GUILD_CREATE (with members, channels, threads and live stages).
pub(crate) fn guild_create(
    users: &[UserRec],
    roles: &[RoleRec],
    channels: &[ChannelRec],
    stages: &[StageRec],
) -> Value {
    let ids = Ids::FIXED;
    let guild_channels: Vec<Value> = channels
        .iter()
        .filter(|c| c.is_guild_channel())
        .map(|c| channel(c, users))
        .collect();
    let threads: Vec<Value> = channels
        .iter()
        .filter(|c| c.is_thread() && !c.archived)
        .map(|c| channel(c, users))
        .collect();
    checked::<serenity::model::guild::Guild>(
        "GUILD_CREATE guild",
        json!({
            "id": ids.guild.to_string(),
            "name": GUILD_NAME,
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": ids.admin.to_string(),
            "afk_channel_id": null,
            "afk_timeout": 300,
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": roles.iter().map(role).collect::<Vec<_>>(),
            "emojis": [],
            "features": ["COMMUNITY", "NEWS"],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": ids.general.to_string(),
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500000,
            "vanity_url_code": null,
            "description": "A loopback guild for tests",
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": ids.moderators.to_string(),
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": false,
            "unavailable": false,
            "member_count": users.len(),
            "voice_states": [],
            "members": users.iter().map(|u| member(u, None)).collect::<Vec<_>>(),
            "channels": guild_channels,
            "threads": threads,
            "presences": [],
            "stage_instances": stages.iter().map(stage_instance).collect::<Vec<_>>(),
            "guild_scheduled_events": [],
        }),
    )
}

/// The application object of `GET /oauth2/applications/@me` and `GET /applications/@me`.
pub(crate) fn application(bot: &UserRec, owner: &UserRec) -> Value {
    checked::<serenity::model::application::CurrentApplicationInfo>(
        "application",
        json!({
            "id": Ids::FIXED.application.to_string(),
            "name": "confbot",
            "icon": null,
            "description": "A conference bot (fake-discord)",
            "rpc_origins": [],
            "bot_public": false,
            "bot_require_code_grant": false,
            "bot": user(bot),
            "owner": user(owner),
            "summary": "",
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "guild_id": Ids::FIXED.guild.to_string(),
            "flags": 0,
            "tags": [],
            "approximate_guild_count": 1,
            "redirect_uris": [],
            "interactions_endpoint_url": null,
        }),
    )
}

/// The current user of `GET /users/@me` (the bot).
pub(crate) fn current_user(bot: &UserRec) -> Value {
    let mut u = user(bot);
    u["verified"] = json!(true);
    u["mfa_enabled"] = json!(false);
    u["flags"] = json!(0);
    u["email"] = Value::Null;
    checked::<serenity::model::user::CurrentUser>("current user", u)
}

/// A file the bot uploaded with a request (a `files[n]` part of a multipart body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// What the fake stores of a message; rendered by [`message`].
#[derive(Debug, Clone)]
pub(crate) struct MessageRec {
    pub(crate) id: u64,
    pub(crate) channel_id: ChannelId,
    pub(crate) author: UserId,
    pub(crate) content: String,
    pub(crate) embeds: Vec<Value>,
    pub(crate) components: Vec<Value>,
    pub(crate) flags: u64,
    pub(crate) nonce: Option<Value>,
    /// The `allowed_mentions` the message was sent (or last edited) with.
    pub(crate) allowed_mentions: Option<Value>,
    pub(crate) timestamp: String,
    pub(crate) edited: Option<String>,
    /// Unix milliseconds of creation, for the `enforce_nonce` window.
    pub(crate) created_ms: u64,
    /// Emoji (as in the route) and the users who reacted with it.
    pub(crate) reactions: Vec<(String, Vec<UserId>)>,
    pub(crate) pinned: bool,
    /// The interaction this message answers (original response or follow-up).
    pub(crate) interaction: Option<u64>,
    /// The thread started from this message.
    pub(crate) thread: Option<ChannelId>,
    pub(crate) deleted: bool,
    /// The files uploaded with it, each with its attachment id.
    pub(crate) files: Vec<(u64, UploadedFile)>,
}

/// Normalizes a request embed into the embed Discord returns (it adds `type: rich`).
pub(crate) fn stored_embed(e: &Value) -> Value {
    let mut e = e.clone();
    if let Some(obj) = e.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
        obj.entry("type").or_insert(json!("rich"));
    }
    e
}

/// Who a message pings, as Discord decides it: `<@id>`, `<@&id>`, `@everyone` and `@here` in
/// the content, filtered by `allowed_mentions` (none given means everything may ping).
pub(crate) fn pings(
    m: &MessageRec,
    users: &[UserRec],
    roles: &[RoleRec],
) -> (bool, Vec<UserId>, Vec<RoleId>) {
    let allowed = m.allowed_mentions.as_ref().filter(|a| !a.is_null());
    let parses = |kind: &str| {
        allowed.is_none_or(|a| {
            a["parse"]
                .as_array()
                .is_some_and(|p| p.iter().any(|k| k == kind))
        })
    };
    let listed = |key: &str, id: u64| {
        allowed.is_some_and(|a| {
            a[key]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(&id.to_string())))
        })
    };
    let everyone =
        parses("everyone") && (m.content.contains("@everyone") || m.content.contains("@here"));
    let mut pinged_users = Vec::new();
    let mut pinged_roles = Vec::new();
    for token in m.content.split("<@").skip(1) {
        let Some((inner, _)) = token.split_once('>') else {
            continue;
        };
        if let Some(role) = inner.strip_prefix('&').and_then(|r| r.parse::<u64>().ok()) {
            if roles.iter().any(|r| r.id.get() == role)
                && (parses("roles") || listed("roles", role))
            {
                pinged_roles.push(RoleId::new(role));
            }
        } else if let Ok(user) = inner.trim_start_matches('!').parse::<u64>() {
            if users.iter().any(|u| u.id.get() == user)
                && (parses("users") || listed("users", user))
            {
                pinged_users.push(UserId::new(user));
            }
        }
    }
    pinged_users.dedup();
    pinged_roles.dedup();
    (everyone, pinged_users, pinged_roles)
}

pub(crate) fn message(
    m: &MessageRec,
    users: &[UserRec],
    roles: &[RoleRec],
    thread: Option<Value>,
) -> Value {
    let author = users
        .iter()
        .find(|u| u.id == m.author)
        .expect("message authors are known users");
    let (everyone, pinged_users, pinged_roles) = pings(m, users, roles);
    let mentions: Vec<Value> = pinged_users
        .iter()
        .filter_map(|id| users.iter().find(|u| u.id == *id))
        .map(user)
        .collect();
    let mention_roles: Vec<String> = pinged_roles.iter().map(ToString::to_string).collect();
    let mut v = json!({
        "id": m.id.to_string(),
        "channel_id": m.channel_id.to_string(),
        "author": user(author),
        "content": m.content,
        "timestamp": m.timestamp,
        "edited_timestamp": m.edited,
        "tts": false,
        "mention_everyone": everyone,
        "mentions": mentions,
        "mention_roles": mention_roles,
        "attachments": m.files.iter().map(|(id, file)| json!({
            "id": id.to_string(),
            "filename": file.filename,
            "size": file.bytes.len(),
            // Served by the fake's CDN route, as a user's uploads are.
            "url": format!("/attachments/{id}/{}", file.filename),
            "proxy_url": format!("/attachments/{id}/{}", file.filename),
        })).collect::<Vec<_>>(),
        "embeds": m.embeds,
        "pinned": m.pinned,
        "type": if m.interaction.is_some() { 20 } else { 0 },
        "flags": m.flags,
        "components": m.components,
    });
    if let Some(n) = &m.nonce {
        v["nonce"] = n.clone();
    }
    if m.interaction.is_some() {
        v["application_id"] = json!(Ids::FIXED.application.to_string());
        v["webhook_id"] = json!(Ids::FIXED.application.to_string());
    }
    if !m.reactions.is_empty() {
        v["reactions"] = m
            .reactions
            .iter()
            .map(|(emoji, by)| {
                json!({
                    "count": by.len(),
                    "count_details": {"burst": 0, "normal": by.len()},
                    "me": by.contains(&Ids::FIXED.bot),
                    "me_burst": false,
                    "burst_colors": [],
                    "emoji": emoji_object(emoji),
                })
            })
            .collect();
    }
    if let Some(t) = thread {
        v["thread"] = t;
    }
    checked::<serenity::model::channel::Message>("message", v)
}

/// The emoji object for a route emoji: `name:id` for a custom one, else a unicode emoji.
pub(crate) fn emoji_object(route_emoji: &str) -> Value {
    match route_emoji.split_once(':') {
        Some((name, id)) => json!({"id": id, "name": name}),
        None => json!({"id": null, "name": route_emoji}),
    }
}
