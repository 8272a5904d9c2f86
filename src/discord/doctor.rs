//! `confbot doctor`: the check an organiser runs the day before. It asks Discord who the bot
//! is and which servers it is in; for every channel confbot is set to use there (the
//! announcements channel and routes, where Q&A threads open too; the rooms' voice and stage
//! channels; the server itself for the Events mirror) it compares what the bot may do with
//! [`permissions::NEEDED`]. The effective permissions come from serenity's
//! `PartialGuild::user_permissions_in`, which applies roles and channel overwrites in
//! Discord's documented order. Then: is anything coming in the program, and does the live
//! source answer. Each line is OK or missing, with how to fix it.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{GuildChannel, Http, Member, PartialGuild, Permissions};

use super::permissions::{self, Place};
use crate::ids::{ChannelId, GuildId};
use crate::source::Source;
use crate::store::Store;

/// The most servers one page of `GET /users/@me/guilds` lists: a conference bot is in a few.
const GUILDS_PAGE: u64 = 200;

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub ok: bool,
    /// What was checked: "Discord", "server 123", "#announcements", "program".
    pub subject: String,
    /// What was found, and for a missing thing how to fix it.
    pub detail: String,
}

impl Line {
    fn ok(subject: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            ok: true,
            subject: subject.into(),
            detail: detail.into(),
        }
    }

    fn missing(subject: impl Into<String>, what: impl std::fmt::Display, fix: &str) -> Line {
        Line {
            ok: false,
            subject: subject.into(),
            detail: format!("{what}. Fix: {fix}"),
        }
    }
}

/// Everything the doctor found.
#[derive(Debug, Default)]
pub struct Checkup {
    pub lines: Vec<Line>,
}

impl Checkup {
    /// Nothing needed is missing.
    pub fn healthy(&self) -> bool {
        self.lines.iter().all(|line| line.ok)
    }

    /// The table the command prints.
    pub fn render(&self) -> String {
        let width = self
            .lines
            .iter()
            .map(|l| l.subject.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for line in &self.lines {
            let verdict = if line.ok { "OK" } else { "MISSING" };
            let _ = writeln!(
                out,
                "{verdict:<8} {:<width$}  {}",
                line.subject, line.detail
            );
        }
        let missing = self.lines.iter().filter(|l| !l.ok).count();
        let _ = match missing {
            0 => writeln!(out, "\nEverything confbot needs is in place."),
            n => writeln!(
                out,
                "\n{n} thing(s) missing: fix them before the first session."
            ),
        };
        out
    }
}

/// What confbot is set to use in one server.
#[derive(Debug, Default)]
struct Uses {
    /// Where announcements (and Q&A threads) go, with the setting that put each there.
    announcements: Vec<(ChannelId, &'static str)>,
    /// The rooms' voice channels: (channel, room, a stage).
    rooms: Vec<(ChannelId, String, bool)>,
    events: bool,
}

/// Runs every check. `announce_channel` is `CONFBOT_ANNOUNCE_CHANNEL_ID`, which the bot seeds
/// into its server's settings when it starts.
pub async fn check(
    http: &Http,
    store: &Store,
    announce_channel: Option<ChannelId>,
    source: Option<&Source>,
    now: DateTime<Utc>,
) -> anyhow::Result<Checkup> {
    let mut checkup = Checkup::default();
    check_discord(http, store, announce_channel, &mut checkup.lines).await?;
    checkup.lines.push(check_program(store, now)?);
    if let Some(source) = source {
        checkup.lines.push(check_source(store, source).await);
    }
    Ok(checkup)
}

async fn check_discord(
    http: &Http,
    store: &Store,
    announce_channel: Option<ChannelId>,
    lines: &mut Vec<Line>,
) -> anyhow::Result<()> {
    let me = match http.get_current_user().await {
        Ok(me) => me,
        Err(error) => {
            lines.push(Line::missing(
                "Discord",
                format_args!("Discord refused the token: {error}"),
                "put the bot's token from the Developer Portal (Bot → Reset Token) in \
                 DISCORD_TOKEN",
            ));
            return Ok(());
        }
    };
    lines.push(Line::ok(
        "Discord",
        format!("signed in as {} (id {})", me.name, me.id),
    ));
    let member_of = http.get_guilds(None, Some(GUILDS_PAGE)).await?;
    let mut servers: Vec<(GuildId, Uses)> = Vec::new();
    for guild in store.configured_guilds()? {
        servers.push((guild, uses(store, guild)?));
    }
    if let Some(channel) = announce_channel {
        match http.get_channel(channel.into()).await.map(|c| c.guild()) {
            Ok(Some(found)) => {
                let guild = GuildId::from(found.guild_id);
                match servers.iter_mut().find(|(g, _)| *g == guild) {
                    Some((_, uses)) if uses.announcements.iter().any(|(c, _)| *c == channel) => {}
                    Some((_, uses)) => uses
                        .announcements
                        .push((channel, "CONFBOT_ANNOUNCE_CHANNEL_ID")),
                    None => servers.push((
                        guild,
                        Uses {
                            announcements: vec![(channel, "CONFBOT_ANNOUNCE_CHANNEL_ID")],
                            ..Uses::default()
                        },
                    )),
                }
            }
            _ => lines.push(Line::missing(
                "CONFBOT_ANNOUNCE_CHANNEL_ID",
                format_args!("the bot cannot see channel {channel}"),
                "set it to a text channel of your server (right-click → Copy Channel ID), \
                 and add the bot to that server",
            )),
        }
    }
    if servers.is_empty() {
        lines.push(Line::missing(
            "servers",
            "confbot is not set up in any server",
            "run /setup announcements in your server (or set CONFBOT_ANNOUNCE_CHANNEL_ID)",
        ));
    }
    for (guild, uses) in servers {
        if !member_of.iter().any(|g| GuildId::from(g.id) == guild) {
            lines.push(Line::missing(
                format!("server {guild}"),
                "the bot is not a member of this server",
                "add it with the URL `confbot invite` prints",
            ));
            continue;
        }
        let partial = http.get_guild(guild.into()).await?;
        let member = http.get_member(guild.into(), me.id).await?;
        let channels = http.get_channels(guild.into()).await?;
        lines.push(Line::ok(
            format!("server {guild}"),
            format!("the bot is a member of {}", partial.name),
        ));
        lines.extend(server_lines(&partial, &member, &channels, &uses));
    }
    Ok(())
}

/// The channels and features of one server confbot is set to use.
fn uses(store: &Store, guild: GuildId) -> anyhow::Result<Uses> {
    let settings = store.guild_settings(guild)?;
    let mut announcements: Vec<(ChannelId, &'static str)> = settings
        .announce_channel
        .map(|c| (c, "/setup announcements"))
        .into_iter()
        .collect();
    for (_, channel) in &settings.routes {
        if !announcements.iter().any(|(c, _)| c == channel) {
            announcements.push((*channel, "/setup route"));
        }
    }
    Ok(Uses {
        announcements,
        rooms: store
            .event_rooms(guild)?
            .into_iter()
            .map(|room| (room.channel_id, room.name, room.stage))
            .collect(),
        events: store.event_mirror(guild)?.is_some_and(|m| m.enabled),
    })
}

/// One server's lines: the server-wide needs, then each channel's.
fn server_lines(
    guild: &PartialGuild,
    member: &Member,
    channels: &[GuildChannel],
    uses: &Uses,
) -> Vec<Line> {
    let mut lines = Vec::new();
    if uses.events {
        let has = guild.member_permissions(member);
        lines.push(needs_line(
            &format!("server {}", guild.id),
            "the server's settings (Roles → confbot)",
            &[Place::Events],
            has,
        ));
    }
    let announcements = uses.announcements.iter().map(|(c, set_by)| {
        let needs = &[Place::Announcements, Place::QaThreads][..];
        (*c, set_by.to_string(), needs)
    });
    let rooms = uses.rooms.iter().map(|(c, room, stage)| {
        let needs = match stage {
            true => &[Place::Rooms, Place::Stages][..],
            false => &[Place::Rooms, Place::Voices][..],
        };
        (*c, format!("/setup room room:{room} voice:"), needs)
    });
    for (channel, set_by, needs) in announcements.chain(rooms) {
        let Some(found) = channels.iter().find(|c| ChannelId::from(c.id) == channel) else {
            lines.push(Line::missing(
                format!("channel {channel}"),
                "the channel is gone, or the bot cannot see it",
                &format!("set it again with {set_by}"),
            ));
            continue;
        };
        let has = guild.user_permissions_in(found, member);
        let subject = format!("#{}", found.name);
        let fix_in = format!(
            "#{}'s settings (Edit Channel → Permissions → confbot)",
            found.name
        );
        lines.push(needs_line(&subject, &fix_in, needs, has));
    }
    lines
}

/// OK when `has` holds everything the places need, else what is missing
/// (each permission with what it is for) and where to grant it.
fn needs_line(subject: &str, fix_in: &str, places: &[Place], has: Permissions) -> Line {
    let lacking: Vec<String> = places
        .iter()
        .flat_map(|place| permissions::at(*place))
        .filter(|need| !has.contains(need.permission))
        .map(|need| {
            format!(
                "{}, to {}",
                permissions::name(need.permission),
                need.what_for
            )
        })
        .collect();
    if lacking.is_empty() {
        let names: Vec<String> = places
            .iter()
            .flat_map(|place| permissions::at(*place))
            .map(|need| permissions::name(need.permission))
            .collect();
        Line::ok(subject, format!("has {}", names.join(", ")))
    } else {
        Line::missing(
            subject,
            format_args!("lacks {}", lacking.join("; ")),
            &format!("allow these for confbot in {fix_in}"),
        )
    }
}

fn check_program(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Line> {
    let Some(conference) = store.conference()? else {
        return Ok(Line::missing(
            "program",
            "the database holds no program",
            "`confbot import FILE` (or start the bot once: it imports CONFBOT_PROGRAM or the \
             bundled program)",
        ));
    };
    Ok(match store.first_session_from(now)? {
        Some(next) => Line::ok(
            "program",
            format!(
                "{}: next session {} at {}",
                conference.name,
                next.title,
                next.start
                    .with_timezone(&conference.time_zone)
                    .format("%a %-d %b %H:%M %Z")
            ),
        ),
        None => Line::missing(
            "program",
            format_args!("{} has nothing after now", conference.name),
            "import this edition's program (`confbot import FILE`, or CONFBOT_PROGRAM_URL)",
        ),
    })
}

async fn check_source(store: &Store, source: &Source) -> Line {
    let subject = "live source";
    match crate::source::probe(store, source).await {
        Ok(imported) => Line::ok(
            subject,
            format!(
                "{} answers with a valid program ({} sessions)",
                source.shown_url(),
                imported.program.sessions().len()
            ),
        ),
        Err(error) => Line::missing(
            subject,
            error,
            "check CONFBOT_PROGRAM_URL and that the server is up (until then confbot keeps \
             the program it has)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lacking_permission_says_what_it_is_for_and_where_to_grant_it() {
        let has = permissions::all() - Permissions::EMBED_LINKS;
        let line = needs_line("#talks", "#talks's settings", &[Place::Announcements], has);
        assert!(!line.ok);
        assert!(
            line.detail.contains("Embed Links, to show announcements"),
            "{line:?}"
        );
        assert!(line
            .detail
            .contains("Fix: allow these for confbot in #talks's settings"));
        let places = [Place::Announcements, Place::QaThreads];
        let line = needs_line("#talks", "", &places, has | Permissions::EMBED_LINKS);
        assert!(line.ok, "{line:?}");
    }

    #[test]
    fn the_table_says_whether_anything_is_missing() {
        let mut checkup = Checkup::default();
        checkup.lines.push(Line::ok("Discord", "signed in"));
        assert!(checkup.healthy());
        assert!(checkup.render().contains("Everything confbot needs"));
        checkup
            .lines
            .push(Line::missing("program", "nothing", "import"));
        assert!(!checkup.healthy());
        assert!(checkup.render().contains("MISSING  program"));
        assert!(checkup.render().contains("1 thing(s) missing"));
    }
}
