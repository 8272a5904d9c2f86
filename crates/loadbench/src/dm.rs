//! A keynote's DMs (issue 25): every attendee's "10 minutes before" reminder for one talk, with
//! the announcements of the sessions starting with it due at the same instant, against the
//! loopback Discord enforcing Discord's global limit of 50 requests a second (a 429 with
//! `global: true` past it). Two crowds by default:
//!
//! - **5,000** attendees with the talk bookmarked and three later talks each (20,000
//!   bookmarks). The release bot first opens their DM channels ahead, as it would in the hours
//!   before (phase A: a rehearsal started three hours before the reminders, killed once every
//!   channel is open; the hours of waiting are skipped, the opening itself is not).
//! - **30,000** attendees with one talk bookmarked (FOSDEM's keynote). Their channels are
//!   opened by the bench in the fake directly and recorded in the database as the bot would
//!   (a fast-forward of the ten minutes phase A would take, reported as such).
//!
//! Then phase B: the bot starts on a rehearsal clock long enough before the due instant for
//! its plan, and the bench reads every request the fake answered: each reminder by its nonce
//! (so a retry or a second reminder is told apart from a later talk's), when it arrived against
//! the bot's own due instant (the rehearsal's start is read from the bot's JSON log, so the
//! bench and the bot agree on when "due" is, to the millisecond), how many came twice, the
//! requests per DM, when the announcements went out, every 429 and every request sent while a
//! global 429 was in force, and the bot's RSS once connected (before the first DM) and at its
//! peak.
//!
//! The floor is one request per DM at 50 a second: `n ÷ 50 s`. The target: none after its due
//! instant, the first at most `n ÷ 50 s + 10%` before it.
//!
//! The tracks are routed over the fake's four text channels, as organisers of parallel tracks
//! do: into one channel, Discord's message bucket (5 posts per 5 s) alone holds the sixth to
//! tenth announcement back five seconds, DMs or not.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use confbot::ids::{ChannelId, GuildId, UserId};
use confbot::store::{reminder_nonce, Store};
use fake_discord::{Config, FakeDiscord, RecordedRequest};

use crate::stats::rss_mb;

/// Discord's global limit, enforced by the fake.
const PER_SECOND: u32 = 50;
/// The DM reminder lead (`/remind`'s default).
const MINUTES: u32 = 10;
/// The route of a message post.
const POST: &str = "/channels/{channel_id}/messages";
/// The route that opens a DM channel.
const OPEN: &str = "/users/@me/channels";

/// One crowd: how many attendees, their bookmarks each, and the conference day (0-based) of
/// the talk, so two crowds in one run use talks of their own.
struct Crowd {
    users: usize,
    bookmarks_each: usize,
    day: i64,
}

impl Crowd {
    /// Whether the bot opens the channels itself (phase A): for up to 5,000, a couple of
    /// minutes at the limit; above, the bench fast-forwards it.
    fn opened_by_the_bot(&self) -> bool {
        self.users <= 5_000
    }

    /// The floor: one request per DM at the global limit.
    fn floor(&self) -> Duration {
        Duration::from_secs_f64(self.users as f64 / f64::from(PER_SECOND))
    }
}

/// Runs the keynote's DMs for each crowd size in `sizes` (5,000 with four bookmarks each, any
/// other size with one).
pub fn run(bin: &Path, db: &Path, sizes: &[usize]) -> anyhow::Result<()> {
    for (day, &users) in (1..).zip(sizes) {
        let crowd = Crowd {
            users,
            bookmarks_each: if users == 5_000 { 4 } else { 1 },
            day,
        };
        one(bin, db, &crowd)?;
    }
    Ok(())
}

fn one(bin: &Path, db: &Path, crowd: &Crowd) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let fake = FakeDiscord::start_with(Config {
            patience: Duration::from_secs(60),
            ..Config::default()
        })
        .await;
        let ids = fake.ids();
        let members: Vec<_> = (0..crowd.users)
            .map(|n| fake.add_member(&format!("attendee {n}"), &[]))
            .collect();
        let users: Vec<u64> = members.iter().map(|m| m.get()).collect();
        let channels = [
            ids.announcements,
            ids.general,
            ids.questions,
            ids.moderators,
        ]
        .map(|channel| channel.get());
        let keynote = bookmark(db, crowd, &users, ids.guild.get(), &channels)?;
        println!(
            "\n| DMs for one talk (`{}`) | {} users, {} bookmarks, {} sessions start with it |",
            keynote.talk,
            crowd.users,
            crowd.users * crowd.bookmarks_each,
            keynote.sessions
        );
        fake.enforce_global_limit(PER_SECOND);
        if crowd.opened_by_the_bot() {
            open_ahead_by_the_bot(bin, db, &fake, keynote.due, crowd.users).await?;
        } else {
            let started = Instant::now();
            let store = Store::open(db)?;
            for &member in &members {
                let channel = fake.open_dm_channel(member);
                store.set_dm_channel(UserId(member.get()), Some(ChannelId(channel.get())))?;
            }
            println!(
                "| DM channels opened ahead | fast-forwarded: {} opened by the bench in the fake and recorded as the bot records them, {:.1} s (at the limit the bot would take {:.0} s) |",
                crowd.users,
                started.elapsed().as_secs_f64(),
                crowd.floor().as_secs_f64() * 1.05
            );
        }
        remind(bin, db, &fake, crowd, &keynote, &users, &channels).await
    })
}

/// The talk every user bookmarked, when its reminders fall due, and how many sessions start
/// with it.
struct Keynote {
    talk: String,
    due: DateTime<Utc>,
    sessions: usize,
}

/// Bookmarks, for every user, the first talk of the crowd's day that opens its session (so
/// its session's announcement is due with the DMs) and `bookmarks_each − 1` later talks; sets
/// the guild's announcements channel and routes the tracks over `channels`.
fn bookmark(
    db: &Path,
    crowd: &Crowd,
    users: &[u64],
    guild: u64,
    channels: &[u64],
) -> anyhow::Result<Keynote> {
    let store = Store::open(db)?;
    let first = store
        .first_session_from(DateTime::<Utc>::MIN_UTC)?
        .context("an empty program")?;
    let day = store
        .first_session_from(first.start + TimeDelta::hours(24 * crowd.day - 4))?
        .context("a program too short for this crowd's day")?;
    let talks = store.talks_starting_after(day.start - TimeDelta::seconds(1), 50, None)?;
    let keynote = talks.first().context("no talks that day")?;
    let later: Vec<&str> = talks
        .iter()
        .filter(|t| t.talk.start > keynote.talk.start)
        .map(|t| t.talk.id.as_str())
        .take(crowd.bookmarks_each - 1)
        .collect();
    let sessions = store.sessions_starting_between(day.start, day.start + TimeDelta::seconds(1))?;
    for (n, track) in sessions
        .iter()
        .filter_map(|s| s.track.as_deref())
        .enumerate()
    {
        let channel = ChannelId(channels[n % channels.len()]);
        store.set_route(GuildId(guild), track, Some(channel))?;
    }
    let set_at = day.start - TimeDelta::days(1);
    for user in users {
        let user = UserId(*user);
        store.set_bookmark(user, &keynote.talk.id, MINUTES, set_at)?;
        for talk in &later {
            store.set_bookmark(user, talk, MINUTES, set_at)?;
        }
    }
    store.set_announce_channel(GuildId(guild), ChannelId(channels[0]))?;
    Ok(Keynote {
        talk: keynote.talk.id.to_string(),
        due: keynote.talk.start - TimeDelta::minutes(i64::from(MINUTES)),
        sessions: sessions.len(),
    })
}

/// Phase A: the bot on a rehearsal three hours before `due`, until it has opened `users` DM
/// channels.
async fn open_ahead_by_the_bot(
    bin: &Path,
    db: &Path,
    fake: &FakeDiscord,
    due: DateTime<Utc>,
    users: usize,
) -> anyhow::Result<()> {
    let mut bot = spawn(bin, db, fake, due - TimeDelta::hours(3), "bot-dm-ahead.log")?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(600) + Duration::from_millis(30 * users as u64);
    let opened = |fake: &FakeDiscord| {
        fake.requests_to("POST", OPEN)
            .iter()
            .filter(|r| r.status == 200)
            .count()
    };
    while opened(fake) < users && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let took = started.elapsed();
    let _ = bot.kill();
    let _ = bot.wait();
    let limited = fake.requests().iter().filter(|r| r.status == 429).count();
    println!(
        "| DM channels opened ahead by the bot | {} of {users} in {:.1} s from its start (floor {:.0} s), {limited} answered 429, {} sent while a global 429 was in force |",
        opened(fake),
        took.as_secs_f64(),
        users as f64 / f64::from(PER_SECOND),
        fake.requests_while_globally_limited()
    );
    anyhow::ensure!(opened(fake) >= users, "the bot did not open every channel");
    Ok(())
}

fn spawn(
    bin: &Path,
    db: &Path,
    fake: &FakeDiscord,
    from: DateTime<Utc>,
    log: &str,
) -> anyhow::Result<Child> {
    let dir = db.parent().context("the database's directory")?;
    let log = File::create(dir.join(log))?;
    Command::new(bin)
        .arg("serve")
        .current_dir(dir)
        .envs(fake.bot_env())
        .env("CONFBOT_DB", db)
        .env("CONFBOT_REHEARSE_FROM", from.to_rfc3339())
        .env("CONFBOT_TICK", "1s")
        // The rehearsal's start, to the microsecond, is the one info line kept.
        .env("RUST_LOG", "warn,confbot::cli::serve=info")
        .env("CONFBOT_LOG_FORMAT", "json")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting confbot serve")
}

/// When, on the wall clock, the bot's rehearsal clock read `from`: the timestamp of its
/// "rehearsing" log line, written just before the clock starts.
async fn rehearsal_started(log: &Path) -> anyhow::Result<SystemTime> {
    for _ in 0..200 {
        if let Ok(file) = File::open(log) {
            for line in BufReader::new(file).lines() {
                let line: serde_json::Value = match serde_json::from_str(&line?) {
                    Ok(value) => value,
                    Err(_) => continue,
                };
                if line["fields"]["message"] == "rehearsing" {
                    let at = line["timestamp"].as_str().context("a log timestamp")?;
                    let at = DateTime::parse_from_rfc3339(at)?.to_utc();
                    return Ok(SystemTime::UNIX_EPOCH
                        + Duration::from_micros(at.timestamp_micros().try_into()?));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the bot never logged the start of its rehearsal")
}

/// Seconds from `due` to `at`: negative before it.
fn after(at: SystemTime, due: SystemTime) -> f64 {
    match at.duration_since(due) {
        Ok(later) => later.as_secs_f64(),
        Err(earlier) => -earlier.duration().as_secs_f64(),
    }
}

/// Phase B: the reminders, sent by the bot from a rehearsal that starts long enough before
/// they fall due for its plan, watched until every one arrived and the announcements went out.
async fn remind(
    bin: &Path,
    db: &Path,
    fake: &FakeDiscord,
    crowd: &Crowd,
    keynote: &Keynote,
    users: &[u64],
    channels: &[u64],
) -> anyhow::Result<()> {
    // The plan needs n × 21.4 ms; start-up and a margin on top.
    let lead_in = crowd.floor().mul_f64(1.1) + Duration::from_secs(30);
    let from = keynote.due - TimeDelta::from_std(lead_in)?;
    let log = db.parent().context("a directory")?.join("bot-dm.log");
    let (seen_before, limited_before) = (
        fake.requests().len(),
        fake.requests_while_globally_limited(),
    );
    let mut bot = spawn(bin, db, fake, from, "bot-dm.log")?;
    let clock_start = rehearsal_started(&log).await?;
    let due = clock_start + lead_in;
    let ready = connected_rss(fake, bot.id(), due - crowd.floor().mul_f64(1.1)).await?;
    let nonces: HashMap<String, u64> = users
        .iter()
        .map(|&user| (reminder_nonce(UserId(user), keynote.due).to_string(), user))
        .collect();
    let announced: Vec<String> = channels
        .iter()
        .map(|channel| format!("/channels/{channel}/messages"))
        .collect();
    let mut peak_rss = 0.0_f64;
    let deadline = due + Duration::from_secs(400);
    // Reading the fake's requests holds its lock while they are copied (30,000 bodies), which
    // would slow the bot's requests down: they are read only once everything should be done.
    let mut next_read = due + Duration::from_secs(20);
    while SystemTime::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak_rss = peak_rss.max(rss_mb(bot.id()).0);
        if SystemTime::now() < next_read {
            continue;
        }
        next_read = SystemTime::now() + Duration::from_secs(5);
        let posts = fake.requests_to("POST", POST);
        let delivered = posts
            .iter()
            .filter(|r| r.status == 200 && nonce(r).is_some_and(|n| nonces.contains_key(n)))
            .count();
        let announcements = posts
            .iter()
            .skip_while(|r| r.at < due - Duration::from_secs(60))
            .filter(|r| r.status == 200 && announced.contains(&r.path))
            .count();
        if delivered >= crowd.users && announcements >= keynote.sessions {
            break;
        }
    }
    let _ = bot.kill();
    let _ = bot.wait();
    let requests: Vec<RecordedRequest> = fake.requests().split_off(seen_before);
    report(crowd, keynote, &requests, &nonces, &announced, due)?;
    println!(
        "| requests sent while a global 429 was in force | {} |",
        fake.requests_while_globally_limited() - limited_before
    );
    println!(
        "| bot RSS before the first DM (connected to its guild of {} members); during the DMs, peak | {ready:.0} MB; {peak_rss:.0} MB |",
        crowd.users
    );
    Ok(())
}

/// The bot's RSS once it is connected and has read its guild, a few seconds before the first
/// DM is planned (`first`, on the wall clock): what the crowd's DMs add is the peak less this.
async fn connected_rss(fake: &FakeDiscord, pid: u32, first: SystemTime) -> anyhow::Result<f64> {
    fake.wait_until_ready(Duration::from_secs(60)).await?;
    let settled = first - Duration::from_secs(5);
    if let Ok(wait) = settled.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    Ok(rss_mb(pid).0)
}

/// A message post's nonce.
fn nonce(request: &RecordedRequest) -> Option<&str> {
    request.body.as_ref()?.get("nonce")?.as_str()
}

fn report(
    crowd: &Crowd,
    keynote: &Keynote,
    requests: &[RecordedRequest],
    nonces: &HashMap<String, u64>,
    announced: &[String],
    due: SystemTime,
) -> anyhow::Result<()> {
    let mut times: HashMap<&str, Vec<SystemTime>> = HashMap::new();
    let (mut attempts, mut opens, mut limited) = (0, 0, 0);
    let mut announcements = Vec::new();
    for r in requests {
        limited += usize::from(r.status == 429);
        let route = r.route.as_deref();
        if r.method == "POST" && route == Some(OPEN) {
            opens += 1;
        }
        if r.method != "POST" || route != Some(POST) {
            continue;
        }
        if let Some(n) = nonce(r).filter(|n| nonces.contains_key(*n)) {
            attempts += 1;
            if r.status == 200 {
                times.entry(n).or_default().push(r.at);
            }
        } else if announced.contains(&r.path) && r.status == 200 {
            announcements.push(r.at);
        }
    }
    let twice = times.values().filter(|t| t.len() > 1).count();
    let firsts: Vec<f64> = times.values().map(|t| after(t[0], due)).collect();
    let earliest = firsts.iter().copied().fold(f64::INFINITY, f64::min);
    let latest = firsts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let late = firsts.iter().filter(|&&s| s > 0.0).count();
    let floor = crowd.floor().as_secs_f64();
    println!(
        "| DMs delivered | {} of {}, {twice} twice, {late} after their due instant |",
        times.len(),
        crowd.users
    );
    println!(
        "| first DM | {:.2} s before it fell due (floor {floor:.0} s, target ≤ {:.0} s) |",
        -earliest,
        floor * 1.1
    );
    println!(
        "| last DM | {} |",
        if latest > 0.0 {
            format!("{latest:.3} s after it fell due")
        } else {
            format!("{:.3} s before it fell due", -latest)
        }
    );
    println!(
        "| requests per DM | {:.3} ({attempts} posts and {opens} channel opens for {} DMs); {limited} answered 429 |",
        (attempts + opens) as f64 / times.len().max(1) as f64,
        times.len()
    );
    let last_announcement = announcements
        .iter()
        .map(|&at| after(at, due))
        .fold(f64::NEG_INFINITY, f64::max);
    println!(
        "| the {} announcements due with it | {} posted, the last {:.2} s after they fell due |",
        keynote.sessions,
        announcements.len(),
        last_announcement
    );
    Ok(())
}
