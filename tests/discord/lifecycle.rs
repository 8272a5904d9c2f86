//! Starting, failing and stopping: the bot's life around the commands.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use confbot::clock::Clock;
use fake_discord::{Fault, InteractionHandle};
use serde_json::json;

use crate::helpers::{
    alone, bundled_program, fields, pdt, start_fake, Alone, BinaryBot, Mode, TestBot, IDS, PATIENCE,
};

#[tokio::test]
async fn a_wrong_token_exits_with_a_clear_message() {
    let fake = start_fake().await;
    let bot = BinaryBot::spawn(&fake, "not-the-token", &[]);
    let (status, stderr) = tokio::task::spawn_blocking(move || bot.wait(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("error: Discord rejected DISCORD_TOKEN."),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_missing_token_exits_with_a_clear_message() {
    let fake = start_fake().await;
    let bot = BinaryBot::spawn(&fake, "", &[]);
    let (status, stderr) = tokio::task::spawn_blocking(move || bot.wait(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("error: DISCORD_TOKEN is not set."),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_binary_serves_the_bundled_program_at_a_rehearsed_time() {
    let fake = start_fake().await;
    let _bot = BinaryBot::spawn(
        &fake,
        fake.token(),
        &[
            ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:55:00-07:00"),
            ("CONFBOT_REHEARSE_SPEED", "1"),
        ],
    );
    let response = fake
        .send_command(IDS.attendee, IDS.general, "next", [])
        .await
        .response()
        .await;
    assert_eq!(
        fields(&response.embeds[0])[0].0,
        "Iterated learning for emergent systematicity in VQA"
    );
    fake.assert_no_violations();
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_binary_cleanly() {
    for signal in ["-TERM", "-INT"] {
        let fake = start_fake().await;
        let bot = BinaryBot::spawn(&fake, fake.token(), &[]);
        fake.wait_until_ready(PATIENCE).await.unwrap();
        let pid = bot.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let (status, stderr) =
            tokio::task::spawn_blocking(move || bot.wait(Duration::from_secs(20)))
                .await
                .unwrap();
        assert!(status.success(), "{signal}: {status:?}\n{stderr}");
        assert!(stderr.contains("shutting down"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_answers_every_interaction_received_and_exits_within_10_s() {
    // Discord's 3 s and the 10 s to exit hold the bot, not the other tests' bots; the fake gets
    // threads of its own for the burst's 300 callbacks.
    let _alone = alone();
    let fake = start_fake().await;
    let bot = BinaryBot::spawn(
        &fake,
        fake.token(),
        &[
            ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:55:00-07:00"),
            ("CONFBOT_REHEARSE_SPEED", "1"),
        ],
    );
    fake.wait_until_ready(PATIENCE).await.unwrap();
    let mut burst = Vec::new();
    for _ in 0..300 {
        burst.push(
            fake.send_command(IDS.attendee, IDS.general, "next", [])
                .await,
        );
    }
    // The bot is at work on the burst (it answered the first) when SIGTERM comes.
    burst[0].response().await;
    let pid = bot.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let (status, stderr) = tokio::task::spawn_blocking(move || bot.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    let unanswered = burst.iter().filter(|h| h.responses().is_empty()).count();
    assert_eq!(unanswered, 0, "of {} interactions\n{stderr}", burst.len());
    fake.assert_no_violations();
}

#[tokio::test]
async fn in_tls_mode_with_serenitys_ratelimiter_the_bot_answers_too() {
    let clock = Arc::new(confbot::clock::FixedClock(pdt(10, 55)));
    let bot = TestBot::start_with(bundled_program(), clock, Mode::Tls).await;
    let response = bot.attendee_runs("next", []).await;
    assert_eq!(
        fields(&response.embeds[0])[0].0,
        "Iterated learning for emergent systematicity in VQA"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_panic_in_a_handler_is_apologised_for_and_the_bot_keeps_answering() {
    let clock = TrapClock::new(Trap::Panic, pdt(10, 55));
    let bot = TestBot::start_with(bundled_program(), clock.clone(), Mode::Proxy).await;
    // Armed until the answer comes, however late the command reads the clock on a loaded
    // machine: a panicking tick meanwhile only costs that tick.
    clock.arm_for(PATIENCE);
    let response = bot.attendee_runs("now", []).await;
    clock.disarm();
    assert!(response.is_ephemeral());
    assert_eq!(
        response.content.as_deref(),
        Some("Sorry, something went wrong on my side. Please try again in a moment.")
    );
    let response = bot.attendee_runs("next", [("count", json!(1))]).await;
    assert_eq!(fields(&response.embeds[0]).len(), 1);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_dropped_gateway_is_resumed_and_the_bot_keeps_answering() {
    let bot = TestBot::start(pdt(10, 55)).await;
    bot.fake.drop_gateway();
    bot.fake
        .wait_for(|fake| fake.gateway_stats().resumes >= 1, PATIENCE)
        .await
        .unwrap();
    let response = bot.attendee_runs("now", []).await;
    assert!(!response.embeds.is_empty());
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// What an armed [`TrapClock`] does to a reading.
enum Trap {
    /// Takes 3.5 s: an answer stuck behind a busy database.
    Slow,
    /// Panics: a bug in one handler.
    Panic,
}

/// A clock with a trap: every reading while it is armed (a second, or until disarmed) springs
/// it, so the command's reading does whatever tick reads the clock first.
struct TrapClock {
    trap: Trap,
    armed_until: std::sync::Mutex<Option<std::time::Instant>>,
    at: DateTime<Utc>,
}

impl TrapClock {
    const ARMED: std::time::Duration = std::time::Duration::from_secs(1);

    fn new(trap: Trap, at: DateTime<Utc>) -> Arc<TrapClock> {
        Arc::new(TrapClock {
            trap,
            armed_until: std::sync::Mutex::new(None),
            at,
        })
    }

    fn arm(&self) {
        self.arm_for(Self::ARMED);
    }

    fn arm_for(&self, armed: std::time::Duration) {
        *self.armed_until.lock().unwrap() = Some(std::time::Instant::now() + armed);
    }

    /// Readings are ordinary again.
    fn disarm(&self) {
        *self.armed_until.lock().unwrap() = None;
    }
}

impl Clock for TrapClock {
    fn now(&self) -> DateTime<Utc> {
        let armed = *self.armed_until.lock().unwrap();
        if armed.is_some_and(|until| std::time::Instant::now() < until) {
            match self.trap {
                Trap::Slow => std::thread::sleep(std::time::Duration::from_millis(3500)),
                Trap::Panic => panic!("a bug in one handler"),
            }
        }
        self.at
    }
}

#[tokio::test]
async fn an_answer_too_slow_for_discords_deadline_is_deferred_then_completed() {
    let clock = TrapClock::new(Trap::Slow, pdt(10, 55));
    let bot = TestBot::start_with(bundled_program(), clock.clone(), Mode::Proxy).await;
    clock.arm();
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "next", [("count", json!(1))])
        .await;
    let response = handle.response().await;
    assert_eq!(response.kind, 5, "deferred within the deadline");
    assert!(response.is_ephemeral(), "privately, as the answer will be");
    bot.fake
        .wait_for(|_| !handle.followups().is_empty(), PATIENCE)
        .await
        .expect("the answer follows");
    let answer = handle.followups().remove(0);
    assert_eq!(
        answer.embeds[0].fields[0].name,
        "Iterated learning for emergent systematicity in VQA"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_deferred_answer_rate_limited_by_discord_is_sent_again_not_lost() {
    let clock = TrapClock::new(Trap::Slow, pdt(10, 55));
    let bot = TestBot::start_with(bundled_program(), clock.clone(), Mode::Proxy).await;
    clock.arm();
    bot.fake.fail_next(
        "POST",
        "/webhooks/{webhook_id}/{webhook_token}",
        2,
        Fault::rate_limited(std::time::Duration::from_millis(100)),
    );
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "next", [("count", json!(1))])
        .await;
    assert_eq!(handle.response().await.kind, 5, "deferred");
    bot.fake
        .wait_for(|_| !handle.followups().is_empty(), PATIENCE)
        .await
        .expect("the answer follows after two 429s");
    assert_eq!(handle.followups().len(), 1, "once");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// A bot whose database is busy: eight slow commands (3.5 s each, on its trap clock), more
/// than its four database slots, hold every slot and keep more waiting for one. Returns the
/// commands, to check they are answered in the end, and the machine to the test [`alone`]
/// (the autocompletes must come within Discord's 3 s).
async fn bot_with_a_busy_database() -> (TestBot, Vec<InteractionHandle>, Alone) {
    let alone = alone();
    let clock = TrapClock::new(Trap::Slow, pdt(10, 55));
    let bot = TestBot::start_with(bundled_program(), clock.clone(), Mode::Proxy).await;
    clock.arm();
    let mut commands = Vec::new();
    for _ in 0..8 {
        commands.push(
            bot.fake
                .send_command(IDS.attendee, IDS.general, "next", [])
                .await,
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    (bot, commands, alone)
}

async fn all_answered(commands: Vec<InteractionHandle>) {
    for command in commands {
        command.answered_within(PATIENCE).await.unwrap();
    }
}

#[tokio::test]
async fn a_gated_autocomplete_behind_a_busy_database_is_answered_in_time() {
    let (bot, commands, _alone) = bot_with_a_busy_database().await;
    // `/qa open` checks who types: a moderator by permissions, an attendee by the role the
    // database keeps. Neither check may queue behind the commands.
    for user in [IDS.moderator, IDS.attendee] {
        let response = bot
            .fake
            .send_autocomplete(
                user,
                IDS.general,
                "qa open",
                [("talk", json!("hopf"))],
                "talk",
            )
            .await
            .response()
            .await;
        assert_eq!(response.kind, 8, "an autocomplete result");
        assert!(response.latency < Duration::from_secs(3), "{response:?}");
    }
    all_answered(commands).await;
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_autocomplete_behind_a_busy_database_is_answered_in_time_with_nothing() {
    let (bot, commands, _alone) = bot_with_a_busy_database().await;
    let typed = bot
        .fake
        .send_autocomplete(
            IDS.attendee,
            IDS.general,
            "talk",
            [("talk", json!("hopf"))],
            "talk",
        )
        .await;
    let response = typed.response().await;
    assert_eq!(response.kind, 8, "an autocomplete result");
    assert!(response.latency < Duration::from_secs(3), "{response:?}");
    assert!(
        response.choices.is_empty(),
        "the database was not its in time"
    );
    all_answered(commands).await;
    // Once the database is free again, suggestions come back.
    let response = bot
        .fake
        .send_autocomplete(
            IDS.attendee,
            IDS.general,
            "talk",
            [("talk", json!("hopf"))],
            "talk",
        )
        .await
        .response()
        .await;
    assert!(!response.choices.is_empty());
    bot.fake.assert_no_violations();
    bot.stop().await;
}
