//! The keynote's DMs: 5,000 attendees have bookmarked the same talk (20,000 bookmarks in all),
//! and its reminders fall due in the same minute as the announcements of the sessions starting
//! with it. The release bot runs on a rehearsal clock against the loopback Discord enforcing
//! Discord's global limit of 50 requests a second; the bench watches the requests the fake
//! answered (every 250 ms) and reports when the first and the last DM arrived, whether any
//! came twice, when the announcements went out, and the bot's RSS.
//!
//! Each first-time user costs two requests (open the DM channel, post), so the floor is
//! `2 × 5,000 ÷ 50 = 200 s`; the target is that plus 10%.
//!
//! The tracks are routed over the fake's four text channels, as organisers of parallel tracks
//! do: into one channel, Discord's message bucket (5 posts per 5 s) alone holds the sixth to
//! tenth announcement back five seconds, DMs or not.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use confbot::ids::{ChannelId, GuildId, UserId};
use confbot::store::Store;
use fake_discord::{Config, FakeDiscord};

use crate::stats::rss_mb;

/// Attendees with the keynote bookmarked, and bookmarks each.
const USERS: usize = 5_000;
const BOOKMARKS_EACH: usize = 4;
/// Discord's global limit, enforced by the fake.
const PER_SECOND: u32 = 50;
/// The bot's rehearsal clock starts this long before the reminders fall due (its start-up).
const LEAD_IN: Duration = Duration::from_secs(20);
/// The DM reminder lead (`/remind`'s default).
const MINUTES: u32 = 10;

pub fn run(bin: &Path, db: &Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let fake = FakeDiscord::start_with(Config {
            patience: Duration::from_secs(60),
            ..Config::default()
        })
        .await;
        let ids = fake.ids();
        let users: Vec<_> = (0..USERS)
            .map(|n| fake.add_member(&format!("attendee {n}"), &[]).get())
            .collect();
        let channels = [
            ids.announcements,
            ids.general,
            ids.questions,
            ids.moderators,
        ]
        .map(|channel| channel.get());
        let (keynote, due, sessions) = bookmark(db, &users, ids.guild.get(), &channels)?;
        fake.enforce_global_limit(PER_SECOND);
        let from = due - TimeDelta::from_std(LEAD_IN)?;
        let mut bot = spawn(bin, db, &fake, from)?;
        let started = Instant::now();
        let due_at = started + LEAD_IN;
        let result = watch(&fake, bot.id(), due_at, &channels, sessions).await;
        let _ = bot.kill();
        let _ = bot.wait();
        println!(
            "\n| DMs for one talk (`{keynote}`) | {USERS} users, {} bookmarks |",
            USERS * BOOKMARKS_EACH
        );
        result
    })
}

/// Bookmarks, for every user, the first talk of the second day that opens its session (so its
/// session's announcement is due with the DMs) and three later talks; sets the guild's
/// announcements channel and routes the tracks over `channels`. Returns the talk, its DMs' due
/// instant and how many sessions start with it.
fn bookmark(
    db: &Path,
    users: &[u64],
    guild: u64,
    channels: &[u64],
) -> anyhow::Result<(String, DateTime<Utc>, usize)> {
    let store = Store::open(db)?;
    let first = store
        .first_session_from(DateTime::<Utc>::MIN_UTC)?
        .context("an empty program")?;
    let day_two = store
        .first_session_from(first.start + TimeDelta::hours(20))?
        .context("a one-day program")?;
    let talks = store.talks_starting_after(day_two.start - TimeDelta::seconds(1), 50, None)?;
    let keynote = talks.first().context("no talks on day two")?;
    let later: Vec<&str> = talks
        .iter()
        .filter(|t| t.talk.start > keynote.talk.start)
        .map(|t| t.talk.id.as_str())
        .take(BOOKMARKS_EACH - 1)
        .collect();
    let sessions =
        store.sessions_starting_between(day_two.start, day_two.start + TimeDelta::seconds(1))?;
    for (n, track) in sessions
        .iter()
        .filter_map(|s| s.track.as_deref())
        .enumerate()
    {
        let channel = ChannelId(channels[n % channels.len()]);
        store.set_route(GuildId(guild), track, Some(channel))?;
    }
    let sessions = sessions.len();
    let set_at = day_two.start - TimeDelta::days(1);
    for user in users {
        let user = UserId(*user);
        store.set_bookmark(user, &keynote.talk.id, MINUTES, set_at)?;
        for talk in &later {
            store.set_bookmark(user, talk, MINUTES, set_at)?;
        }
    }
    store.set_announce_channel(GuildId(guild), ChannelId(channels[0]))?;
    let due = keynote.talk.start - TimeDelta::minutes(i64::from(MINUTES));
    Ok((keynote.talk.id.to_string(), due, sessions))
}

fn spawn(bin: &Path, db: &Path, fake: &FakeDiscord, from: DateTime<Utc>) -> anyhow::Result<Child> {
    let dir = db.parent().context("the database's directory")?;
    let log = File::create(dir.join("bot-dm.log"))?;
    Command::new(bin)
        .arg("serve")
        .current_dir(dir)
        .envs(fake.bot_env())
        .env("CONFBOT_DB", db)
        .env("CONFBOT_REHEARSE_FROM", from.to_rfc3339())
        .env("CONFBOT_TICK", "1s")
        .env("RUST_LOG", "warn")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting confbot serve")
}

async fn watch(
    fake: &FakeDiscord,
    pid: u32,
    due: Instant,
    channels: &[u64],
    sessions: usize,
) -> anyhow::Result<()> {
    let announced: Vec<String> = channels
        .iter()
        .map(|channel| format!("/channels/{channel}/messages"))
        .collect();
    let announcement = |path: &String| announced.contains(path);
    let (mut first, mut last, mut on_time) = (None, None, None);
    let mut peak_rss = 0.0_f64;
    let mut posts: HashMap<String, usize> = HashMap::new();
    let mut throttled = 0;
    let deadline = due + Duration::from_secs(400);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let at = Instant::now();
        peak_rss = peak_rss.max(rss_mb(pid).0);
        posts.clear();
        throttled = 0;
        for r in fake.requests() {
            if r.method == "POST" && r.route.as_deref() == Some("/channels/{channel_id}/messages") {
                if r.status == 200 {
                    *posts.entry(r.path).or_default() += 1;
                } else if r.status == 429 {
                    throttled += 1;
                }
            }
        }
        let sent: usize = announced.iter().filter_map(|p| posts.get(p)).sum();
        let dms: usize = posts.keys().filter(|p| !announcement(p)).count();
        if on_time.is_none() && sent >= sessions {
            on_time = Some(at.saturating_duration_since(due));
        }
        if first.is_none() && dms > 0 {
            first = Some(at.saturating_duration_since(due));
        }
        if dms >= USERS {
            last = Some(at.saturating_duration_since(due));
            break;
        }
    }
    let twice = posts
        .iter()
        .filter(|(p, n)| !announcement(p) && **n > 1)
        .count();
    let delivered = posts.keys().filter(|p| !announcement(p)).count();
    let floor = Duration::from_secs_f64(2.0 * USERS as f64 / f64::from(PER_SECOND));
    let secs =
        |d: Option<Duration>| d.map_or("never".into(), |d| format!("{:.2} s", d.as_secs_f64()));
    println!(
        "| DMs delivered | {delivered} of {USERS}, {twice} twice, {throttled} posts answered 429 |"
    );
    println!(
        "| first DM after it fell due | {} (target ≤ 1 s, ±0.25 s sampling) |",
        secs(first)
    );
    println!(
        "| last DM after it fell due | {} (floor {:.0} s at {PER_SECOND}/s, target ≤ {:.0} s) |",
        secs(last),
        floor.as_secs_f64(),
        floor.as_secs_f64() * 1.1
    );
    println!(
        "| {sessions} announcements due in the same minute, routed over {} channels, all posted after | {} |",
        channels.len(),
        secs(on_time)
    );
    println!("| bot RSS during the DMs, peak | {peak_rss:.0} MB |");
    Ok(())
}
