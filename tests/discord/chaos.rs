//! A chaos rehearsal: the `confbot` binary rehearses a generated three-track day at 30× against
//! the loopback Discord, each track routed to its own channel, with two leads, and is killed
//! with SIGKILL at random moments, over and over, while the gateway is dropped and posts meet
//! bursts of 429, 500 and 502. Then one last bot runs to the end of the day: every session is
//! announced exactly once per lead, in its track's channel. Nothing twice, nothing missed.
//!
//! The CI run kills the bot 20 times (about 40 s). `CONFBOT_CHAOS_KILLS=200` runs a longer
//! day with as many kills; `CONFBOT_CHAOS_SEED` picks other moments (a failure prints its seed).

use std::time::Duration;

use confbot::ids;
use confbot::store::Store;
use fake_discord::Fault;
use serenity::model::id::ChannelId;

use crate::helpers::{start_fake, BinaryBot, IDS, PATIENCE};

/// A small deterministic generator (xorshift), so a failing run can be repeated by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Tracks, and the channel each is routed to (C goes to the default channel).
const TRACKS: [(&str, ChannelId); 3] = [
    ("A", IDS.questions),
    ("B", IDS.moderators),
    ("C", IDS.announcements),
];
/// Sessions last (and follow each other every) this many conference minutes.
const SESSION_MINUTES: u32 = 2;
/// Conference seconds per real second.
const SPEED: u32 = 30;

/// A day of `per_track` sessions per track from 11:00, as confbot JSON.
fn program(per_track: u32) -> String {
    let mut sessions = Vec::new();
    for (track, _) in TRACKS {
        for i in 0..per_track {
            let at = |offset: u32| {
                let minutes = 11 * 60 + (i + offset) * SESSION_MINUTES;
                format!("2021-05-04 {:02}:{:02}", minutes / 60, minutes % 60)
            };
            sessions.push(serde_json::json!({
                "id": format!("{track}{i}"),
                "title": format!("Session {track}{i}"),
                "track": track,
                "start": at(0),
                "end": at(1),
            }));
        }
    }
    serde_json::json!({
        "conference": {"name": "Chaos", "time_zone": "America/Los_Angeles"},
        "sessions": sessions,
    })
    .to_string()
}

#[tokio::test]
async fn killed_at_random_20_times_among_429s_5xx_and_gateway_drops_it_announces_each_once() {
    let kills = env_or("CONFBOT_CHAOS_KILLS", 20);
    let seed = env_or("CONFBOT_CHAOS_SEED", 0x5eed_c4a0_5eed);
    let mut rng = Rng(seed | 1);
    // Each life lasts 1.15 s on average (38 conference seconds): a day long enough that the
    // kills fall all over it.
    let per_track = (kills as u32 * 38 / 60 / SESSION_MINUTES).max(5);

    let fake = start_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("program.json");
    std::fs::write(&file, program(per_track)).unwrap();
    let db = dir.path().join("confbot.sqlite3");
    {
        let imported =
            confbot::program::import_file(&file, &confbot::program::ImportOptions::default())
                .unwrap();
        let store = Store::open(&db).unwrap();
        store.replace_program(&imported.program).unwrap();
        for (track, channel) in TRACKS {
            store
                .set_route(
                    ids::GuildId(IDS.guild.get()),
                    track,
                    Some(ids::ChannelId(channel.get())),
                )
                .unwrap();
        }
    }
    let channel = IDS.announcements.to_string();
    let speed = SPEED.to_string();
    let env = [
        ("CONFBOT_DB", db.to_str().unwrap()),
        ("CONFBOT_ANNOUNCE_CHANNEL_ID", channel.as_str()),
        ("CONFBOT_ANNOUNCE_LEADS", "3m,0m"),
        // Each restart costs a second or two of real time, a minute of the rehearsal's: the
        // grace period is widened to match (5 minutes would be 10 real seconds).
        ("CONFBOT_ANNOUNCE_GRACE", "15m"),
        ("CONFBOT_TICK", "1s"),
        ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:56:30-07:00"),
        ("CONFBOT_REHEARSE_SPEED", speed.as_str()),
    ];
    let message_route = "/channels/{channel_id}/messages";
    for life in 1..=kills {
        let bot = BinaryBot::spawn(&fake, fake.token(), &env);
        let identified = fake
            .wait_for(
                |f| u64::from(f.gateway_stats().identifies) >= life,
                PATIENCE,
            )
            .await;
        identified.unwrap_or_else(|e| panic!("seed {seed}: life {life} never connected: {e}"));
        match rng.below(4) {
            0 => fake.fail_next(
                "POST",
                message_route,
                1 + rng.below(3) as u32,
                Fault::rate_limited(Duration::from_millis(200 + rng.below(800))),
            ),
            1 => fake.fail_next(
                "POST",
                message_route,
                1 + rng.below(3) as u32,
                Fault::ServerError,
            ),
            2 => fake.fail_next(
                "POST",
                message_route,
                1 + rng.below(3) as u32,
                Fault::BadGateway,
            ),
            _ => {}
        }
        let lifetime = Duration::from_millis(300 + rng.below(1700));
        if rng.below(3) == 0 {
            tokio::time::sleep(lifetime / 2).await;
            fake.drop_gateway();
            tokio::time::sleep(lifetime / 2).await;
        } else {
            tokio::time::sleep(lifetime).await;
        }
        drop(bot); // SIGKILL, whatever it was doing.
    }

    // The last life runs to the end of the day and past the grace period.
    let _last = BinaryBot::spawn(&fake, fake.token(), &env);
    let expected = 2 * TRACKS.len() * per_track as usize;
    let posted = || {
        TRACKS
            .iter()
            .map(|(_, channel)| fake.messages(*channel).len())
            .sum::<usize>()
    };
    let day = Duration::from_secs(u64::from(per_track * SESSION_MINUTES * 60 / SPEED) + 30);
    let done = fake.wait_for(|_| posted() >= expected, day).await;
    // Anything more (a duplicate) would come within a few ticks.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut problems = Vec::new();
    for (track, channel) in TRACKS {
        let contents: Vec<String> = fake
            .messages(channel)
            .into_iter()
            .map(|m| m.content)
            .collect();
        for i in 0..per_track {
            let title = format!("**Session {track}{i}**");
            let of = |now: bool| {
                contents
                    .iter()
                    .filter(|c| c.starts_with(&title) && c.contains("is starting now") == now)
                    .count()
            };
            for (lead, count) in [("3m", of(false)), ("0m", of(true))] {
                if count != 1 {
                    problems.push(format!("{title} lead {lead}: posted {count} times"));
                }
            }
        }
    }
    if !problems.is_empty() {
        let store = Store::open(&db).unwrap();
        for row in store.announcements(ids::GuildId(IDS.guild.get())).unwrap() {
            eprintln!(
                "{} lead {} due {}: {:?} after {} attempts, {:?}",
                row.session_id,
                row.lead,
                row.due_at,
                row.delivery.state,
                row.delivery.attempts,
                row.delivery.last_error
            );
        }
    }
    assert!(
        problems.is_empty() && done.is_ok(),
        "seed {seed}, {kills} kills: {problems:#?} (of {expected}, {} posted)",
        posted()
    );
    fake.assert_no_violations();
}
