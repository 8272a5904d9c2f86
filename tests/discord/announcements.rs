//! Session announcements end to end: the bot's own ticker posting through serenity into the
//! loopback Discord, with the clock moved by the test.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use confbot::clock::Clock;
use confbot::ids;
use confbot::store::outbox::DeliveryState;
use fake_discord::{FakeDiscord, Fault};
use serde_json::{json, Value};
use serenity::model::id::ChannelId;

use crate::helpers::{
    eventually, pdt, settled, start_fake, three_sessions, until, BinaryBot, Mode, SteppedClock,
    TestBot, IDS, PATIENCE,
};

const POSTERS_CHANNEL: ChannelId = IDS.questions;

/// The bot with the three-session program, announcements in #announcements, Posters routed
/// to another channel; the clock at `at`.
async fn announcing_bot(at: DateTime<Utc>, mode: Mode) -> (TestBot, Arc<SteppedClock>) {
    let clock = SteppedClock::new(at);
    let bot = TestBot::start_with(three_sessions(), clock.clone(), mode).await;
    bot.store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    bot.store
        .set_route(
            ids::GuildId(IDS.guild.get()),
            "Posters",
            Some(ids::ChannelId(POSTERS_CHANNEL.get())),
        )
        .unwrap();
    (bot, clock)
}

/// The bodies of the messages the bot posted into `channel`.
fn posts(fake: &FakeDiscord, channel: ChannelId) -> Vec<Value> {
    let path = format!("/channels/{channel}/messages");
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path && r.status == 200)
        .filter_map(|r| r.body)
        .collect()
}

async fn wait_for_messages(fake: &FakeDiscord, channel: ChannelId, count: usize) {
    let what = format!("{count} messages in {channel}");
    until(fake, &what, |f| f.messages(channel).len() >= count).await;
}

/// The guild's announcements once each is posted or given up: the bot marks one sent a moment
/// after its message shows in the fake.
async fn settled_announcements(bot: &TestBot) -> Vec<confbot::store::Announcement> {
    let read = || {
        bot.store
            .announcements(ids::GuildId(IDS.guild.get()))
            .unwrap()
    };
    settled("the announcements settled", read, |a| a.delivery.state).await
}

/// Moves the bot's clock forward `step` a tick at a time until `done`, as time would pass:
/// retries wait out their backoff on the bot's clock.
async fn advance_until(clock: &SteppedClock, step: TimeDelta, done: impl Fn() -> bool) {
    for _ in 0..20 {
        if done() {
            return;
        }
        one_tick().await;
        clock.set(clock.now() + step);
    }
    panic!("not done after 20 ticks");
}

/// Lets at least one tick pass (ticks are every second).
async fn one_tick() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn a_rehearsed_day_posts_each_session_and_lead_once_in_the_right_channel_on_time() {
    let (bot, clock) = announcing_bot(pdt(10, 45), Mode::Proxy).await;
    let dues = [
        (pdt(10, 50), IDS.announcements, "**Orals 1** starts"),
        (pdt(11, 0), IDS.announcements, "**Orals 1** is starting now"),
        (
            pdt(11, 20),
            POSTERS_CHANNEL,
            "**@everyone Posters @here** starts",
        ),
        (
            pdt(11, 30),
            POSTERS_CHANNEL,
            "**@everyone Posters @here** is starting now",
        ),
        (pdt(11, 50), IDS.announcements, "**Orals 2** starts"),
        (pdt(12, 0), IDS.announcements, "**Orals 2** is starting now"),
    ];
    let mut expected = std::collections::HashMap::<ChannelId, usize>::new();
    for (due, channel, text) in dues {
        clock.set(due - TimeDelta::seconds(1));
        one_tick().await;
        assert_eq!(
            bot.fake.messages(channel).len(),
            expected.get(&channel).copied().unwrap_or(0),
            "nothing early"
        );
        clock.set(due);
        let count = expected.entry(channel).or_default();
        *count += 1;
        wait_for_messages(&bot.fake, channel, *count).await;
        let message = bot.fake.messages(channel).pop().unwrap();
        assert!(
            message.content.contains(text),
            "{} lacks {text}",
            message.content
        );
        assert!(
            !message.content.contains("late"),
            "on time: {}",
            message.content
        );
    }
    clock.set(pdt(13, 0));
    one_tick().await;
    one_tick().await;
    assert_eq!(bot.fake.messages(IDS.announcements).len(), 4);
    assert_eq!(bot.fake.messages(POSTERS_CHANNEL).len(), 2);
    let posters = posts(&bot.fake, POSTERS_CHANNEL);
    for body in &posters {
        assert_eq!(
            body["allowed_mentions"]["parse"],
            json!([]),
            "a title with @everyone pings nobody"
        );
        assert_eq!(body["enforce_nonce"], true);
    }
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_crash_and_restart_on_the_same_database_neither_doubles_nor_misses() {
    let (bot, clock) = announcing_bot(pdt(10, 50), Mode::Proxy).await;
    wait_for_messages(&bot.fake, IDS.announcements, 1).await;
    let (fake, store) = bot.crash();
    // While it was down, Orals 1 started (11:00): still within the grace period at 11:02.
    clock.set(pdt(11, 2));
    let bot = TestBot::start_on(fake, store, clock.clone(), Mode::Proxy).await;
    wait_for_messages(&bot.fake, IDS.announcements, 2).await;
    one_tick().await;
    let messages = bot.fake.messages(IDS.announcements);
    assert_eq!(messages.len(), 2, "no duplicate of the 10:50 announcement");
    assert!(messages[1].content.contains("is starting now"));
    assert!(messages[1].content.contains("This announcement is late"));
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn nothing_is_posted_while_its_claim_cannot_be_written_and_it_is_posted_once_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confbot.sqlite3");
    let store = Arc::new(confbot::store::Store::open(&path).unwrap());
    store.replace_program(&three_sessions()).unwrap();
    store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    // Another process holds the write lock past the bot's busy timeout, so the claim of the
    // announcement due at 10:50 cannot be written (as on a full or failing disk).
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let clock = SteppedClock::new(pdt(10, 50));
    let bot = TestBot::start_on(start_fake().await, store, clock.clone(), Mode::Proxy).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(
        bot.fake.messages(IDS.announcements).is_empty(),
        "no post without its claim"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    wait_for_messages(&bot.fake, IDS.announcements, 1).await;
    clock.set(pdt(10, 51));
    one_tick().await;
    one_tick().await;
    assert_eq!(bot.fake.messages(IDS.announcements).len(), 1, "posted once");
    let claims = settled_announcements(&bot).await;
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].delivery.state, DeliveryState::Sent);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_graceful_stop_with_an_announcement_unposted_leaves_a_claim_the_next_start_posts_once() {
    let (bot, clock) = announcing_bot(pdt(10, 45), Mode::Proxy).await;
    // The post fails; its retry is due 2 s later on the bot's clock, which stands still.
    bot.fake.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        1,
        Fault::ServerError,
    );
    clock.set(pdt(10, 50));
    let tried = bot
        .fake
        .wait_for(
            |f| {
                !f.requests_to("POST", "/channels/{channel_id}/messages")
                    .is_empty()
            },
            PATIENCE,
        )
        .await;
    tried.unwrap();
    let (fake, store) = (bot.fake.clone(), Arc::clone(&bot.store));
    bot.stop().await;
    assert!(fake.messages(IDS.announcements).is_empty());
    let claims = store.announcements(ids::GuildId(IDS.guild.get())).unwrap();
    assert_eq!(
        claims[0].delivery.state,
        DeliveryState::Claimed,
        "left to resume"
    );

    clock.set(pdt(10, 51));
    let bot = TestBot::start_on(fake, store, clock.clone(), Mode::Proxy).await;
    wait_for_messages(&bot.fake, IDS.announcements, 1).await;
    one_tick().await;
    one_tick().await;
    assert_eq!(bot.fake.messages(IDS.announcements).len(), 1, "once");
    bot.stop().await;
}

#[tokio::test]
async fn server_errors_then_success_post_one_message() {
    let (bot, clock) = announcing_bot(pdt(10, 45), Mode::Proxy).await;
    bot.fake.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        2,
        Fault::ServerError,
    );
    clock.set(pdt(10, 50));
    advance_until(&clock, TimeDelta::seconds(5), || {
        bot.fake.messages(IDS.announcements).len() == 1
    })
    .await;
    one_tick().await;
    assert_eq!(bot.fake.messages(IDS.announcements).len(), 1);
    let announcement = &settled_announcements(&bot).await[0];
    assert_eq!(
        (announcement.delivery.state, announcement.delivery.attempts),
        (DeliveryState::Sent, 3)
    );
    bot.stop().await;
}

/// The 10:50 announcement, its first post answered 429, posted in the end.
async fn posted_after_a_429(mode: Mode) -> TestBot {
    let (bot, clock) = announcing_bot(pdt(10, 45), mode).await;
    bot.fake.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        1,
        Fault::rate_limited(Duration::from_millis(500)),
    );
    clock.set(pdt(10, 50));
    advance_until(&clock, TimeDelta::seconds(5), || {
        bot.fake.messages(IDS.announcements).len() == 1
    })
    .await;
    bot
}

async fn rate_limited_once_then_posted(mode: Mode) {
    let bot = posted_after_a_429(mode).await;
    one_tick().await;
    assert_eq!(bot.fake.messages(IDS.announcements).len(), 1);
    let statuses: Vec<u16> = bot
        .fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST" && r.route.as_deref() == Some("/channels/{channel_id}/messages")
        })
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
    bot.stop().await;
}

#[tokio::test]
async fn a_429_in_tls_mode_is_waited_out_by_serenitys_ratelimiter_and_posted_once() {
    rate_limited_once_then_posted(Mode::Tls).await;
}

#[tokio::test]
async fn a_429_in_proxy_mode_is_retried_by_the_bot_and_posted_once() {
    rate_limited_once_then_posted(Mode::Proxy).await;
}

#[tokio::test]
async fn setup_show_says_in_words_what_went_wrong_never_serenitys_decoding_noise() {
    let bot = posted_after_a_429(Mode::Proxy).await;
    let health = bot
        .store
        .channel_health(ids::GuildId(IDS.guild.get()))
        .unwrap();
    let errors: Vec<&str> = health
        .iter()
        .filter_map(|h| h.last_error.as_deref())
        .collect();
    assert_eq!(errors, ["rate limited by Discord (429)"]);

    let response = bot
        .fake
        .send_command(IDS.admin, IDS.general, "setup show", [])
        .await
        .response()
        .await;
    let shown = response.embeds[0]["fields"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(shown.contains("rate limited by Discord (429)"), "{shown}");
    assert!(
        !shown.contains("Serenity") && !shown.contains("decode"),
        "{shown}"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_unknown_channel_is_recorded_shown_and_not_retried_in_a_storm() {
    let (bot, clock) = announcing_bot(pdt(10, 45), Mode::Proxy).await;
    let missing = 999_999_999_999_u64;
    bot.store
        .set_announce_channel(ids::GuildId(IDS.guild.get()), ids::ChannelId(missing))
        .unwrap();
    for at in [pdt(10, 50), pdt(11, 0), pdt(11, 50)] {
        clock.set(at);
        one_tick().await;
    }
    let attempts = bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == format!("/channels/{missing}/messages"))
        .count();
    assert_eq!(
        attempts, 1,
        "one request finds the channel gone; no more are sent"
    );

    let response = bot
        .fake
        .send_command(IDS.admin, IDS.general, "setup show", [])
        .await
        .response()
        .await;
    let shown = response.embeds[0]["fields"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(shown.contains("Unknown Channel"), "{shown}");
    assert!(shown.contains("not posting here"), "{shown}");
    bot.stop().await;
}

#[tokio::test]
async fn admins_set_up_announcements_from_discord_and_attendees_cannot() {
    let clock = SteppedClock::new(pdt(10, 45));
    let bot = TestBot::start_with(three_sessions(), clock.clone(), Mode::Proxy).await;
    let guild = IDS.guild.get();

    let refused = bot
        .attendee_runs(
            "setup announcements",
            [("channel", json!(IDS.general.to_string()))],
        )
        .await;
    assert!(refused.is_ephemeral());
    assert!(refused.content.unwrap().contains("Manage Server"));
    assert_eq!(
        bot.store
            .guild_settings(ids::GuildId(guild))
            .unwrap()
            .announce_channel,
        None,
        "nothing changed"
    );

    let admin = |command: &'static str, options: Vec<(&'static str, Value)>| {
        let fake = bot.fake.clone();
        async move {
            fake.send_command(IDS.admin, IDS.general, command, options)
                .await
                .response()
                .await
        }
    };
    admin(
        "setup announcements",
        vec![("channel", json!(IDS.announcements.to_string()))],
    )
    .await;
    admin(
        "setup route",
        vec![
            ("track", json!("posters")),
            ("channel", json!(POSTERS_CHANNEL.to_string())),
        ],
    )
    .await;
    admin(
        "setup ping",
        vec![("role", json!(IDS.moderator_role.to_string()))],
    )
    .await;
    let unknown = admin(
        "setup route",
        vec![
            ("track", json!("Keynotes")),
            ("channel", json!(IDS.general.to_string())),
        ],
    )
    .await;
    assert!(unknown
        .content
        .unwrap()
        .starts_with("The program has no track or room called `Keynotes`"));

    let settings = bot.store.guild_settings(ids::GuildId(guild)).unwrap();
    assert_eq!(
        settings.announce_channel,
        Some(ids::ChannelId(IDS.announcements.get()))
    );
    assert_eq!(
        settings.routes,
        [("Posters".to_string(), ids::ChannelId(POSTERS_CHANNEL.get()))]
    );
    assert_eq!(
        settings.ping_role,
        Some(ids::RoleId(IDS.moderator_role.get()))
    );

    let pending = admin("announce pending", vec![]).await;
    let first = &pending.embeds[0]["fields"][0];
    assert_eq!(first["name"], "Orals 1 · 10 min before");
    assert!(first["value"]
        .as_str()
        .unwrap()
        .ends_with(&format!("→ <#{}>", IDS.announcements)));

    clock.set(pdt(11, 20));
    wait_for_messages(&bot.fake, POSTERS_CHANNEL, 1).await;
    let body = &posts(&bot.fake, POSTERS_CHANNEL)[0];
    assert!(body["content"]
        .as_str()
        .unwrap()
        .starts_with(&format!("<@&{}> ", IDS.moderator_role)));
    assert_eq!(
        body["allowed_mentions"]["roles"],
        json!([IDS.moderator_role.to_string()]),
        "only the role"
    );
    assert_eq!(body["allowed_mentions"]["parse"], json!([]));

    let handle = bot
        .fake
        .send_command(IDS.admin, IDS.general, "announce test", [])
        .await;
    assert_eq!(handle.response().await.kind, 5, "deferred while it posts");
    // poise answers a deferred interaction with a follow-up, which Discord shows in place of
    // the "thinking" state.
    bot.fake
        .wait_for(|_| !handle.followups().is_empty(), PATIENCE)
        .await
        .unwrap();
    let report = handle.followups()[0].embeds[0].description.clone().unwrap();
    assert!(
        report.contains(&format!("<#{}>: posted", IDS.announcements)),
        "{report}"
    );
    assert!(
        report.contains(&format!("<#{POSTERS_CHANNEL}>: posted")),
        "{report}"
    );
    let sample = bot.fake.messages(IDS.announcements).pop().unwrap();
    assert!(sample.content.starts_with("**Test** from confbot"));
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn the_binary_killed_mid_rehearsal_and_restarted_posts_each_announcement_once() {
    let fake = start_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program.json");
    std::fs::write(
        &program,
        r#"{"conference": {"name": "Quick", "time_zone": "America/Los_Angeles"}, "sessions": [
            {"id": "a", "title": "Session A", "start": "2021-05-04 11:00", "end": "2021-05-04 11:02"},
            {"id": "b", "title": "Session B", "start": "2021-05-04 11:02", "end": "2021-05-04 11:04"}]}"#,
    )
    .unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let channel = IDS.announcements.to_string();
    let env = [
        ("CONFBOT_PROGRAM", program.to_str().unwrap()),
        ("CONFBOT_DB", db.to_str().unwrap()),
        ("CONFBOT_ANNOUNCE_CHANNEL_ID", channel.as_str()),
        ("CONFBOT_ANNOUNCE_LEADS", "1m,0m"),
        ("CONFBOT_TICK", "1s"),
        // Two real seconds per conference minute: due at 10:59, 11:00, 11:01 and 11:02.
        ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:58:30-07:00"),
        ("CONFBOT_REHEARSE_SPEED", "30"),
    ];
    let first = BinaryBot::spawn(&fake, fake.token(), &env);
    wait_for_messages(&fake, IDS.announcements, 2).await;
    drop(first); // SIGKILL: no shutdown, whatever it was doing.

    // The same rehearsal again on the same database: it goes on where it was.
    let _second = BinaryBot::spawn(&fake, fake.token(), &env);
    wait_for_messages(&fake, IDS.announcements, 4).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let contents: Vec<String> = fake
        .messages(IDS.announcements)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(contents.len(), 4, "{contents:#?}");
    for expected in [
        "**Session A** starts",
        "**Session A** is starting now",
        "**Session B** starts",
        "**Session B** is starting now",
    ] {
        assert_eq!(
            contents.iter().filter(|c| c.starts_with(expected)).count(),
            1,
            "{expected}: {contents:#?}"
        );
    }
    fake.assert_no_violations();
}

#[tokio::test]
async fn a_restarted_rehearsal_goes_on_where_it_was_instead_of_replaying_the_day() {
    let fake = start_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let env = [
        ("CONFBOT_DB", db.to_str().unwrap()),
        ("CONFBOT_REHEARSE_FROM", "2021-05-04T11:00:00-07:00"),
        // A conference minute a real second: the 11:15 talk comes after 15 s.
        ("CONFBOT_REHEARSE_SPEED", "60"),
    ];
    let now_running = |fake: &FakeDiscord| {
        let fake = fake.clone();
        async move {
            let reply = fake
                .send_command(IDS.attendee, IDS.general, "now", [])
                .await
                .response()
                .await;
            reply
                .embeds
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default()
        }
    };
    let first = BinaryBot::spawn(&fake, fake.token(), &env);
    let second_talk = "**Now:** Learning Generalizable Visual Representations";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !now_running(&fake).await.contains(second_talk) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rehearsal never reached 11:15"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The bot records its position every second: killed before it recorded 11:15, it would
    // rightly go on from earlier.
    let recorded = || async {
        let db = rusqlite::Connection::open(&db).unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        db.query_row("SELECT reached FROM rehearsal", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let second_talk_starts = pdt(11, 15).timestamp();
    eventually("11:15 recorded", recorded, |at| *at >= second_talk_starts).await;
    drop(first); // SIGKILL

    let _second = BinaryBot::spawn(&fake, fake.token(), &env);
    until(&fake, "the restarted bot connects", |f| {
        f.gateway_stats().identifies >= 2
    })
    .await;
    let shown = now_running(&fake).await;
    assert!(
        !shown.contains("Iterated learning"),
        "the restarted rehearsal replayed the day from 11:00: {shown}"
    );
    assert!(shown.contains(second_talk), "{shown}");
    fake.assert_no_violations();
}
