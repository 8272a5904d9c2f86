//! The live program source, end to end: the bot polls a loopback HTTP server, follows a changed
//! program without a restart (a "Moved" post, `/next`), keeps its program through failures,
//! and shows admins how it goes (`/program status`, `/program reload` without a file).

use std::sync::Arc;
use std::time::Duration;

use confbot::ids;
use confbot::program::Format;
use confbot::source::Settings as SourceSettings;
use confbot::source::{Limits, Source};
use confbot::store::{SourceState, Store};
use serde_json::Value;

use crate::helpers::{
    eventually, fields, pdt, start_fake, three_sessions, three_sessions_json, BinaryBot, Mode,
    SteppedClock, TestBot, IDS, PATIENCE,
};
use crate::program_server::{Answer, ProgramServer};
use crate::reload::changed_json;

fn source(server: &ProgramServer, poll: Duration) -> Source {
    let config = SourceSettings {
        url: server.url(),
        poll,
        format: Format::Auto,
        time_zone: None,
    };
    let limits = Limits {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    Source::new(config, limits).unwrap()
}

/// The three-session program in the bot's database, announcements set up, polling `server`.
async fn bot(server: &ProgramServer, poll: Duration) -> TestBot {
    let store = Arc::new(Store::open_in_memory().unwrap());
    store.replace_program(&three_sessions()).unwrap();
    store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    let clock = SteppedClock::new(pdt(10, 45));
    let source = Some(source(server, poll));
    TestBot::start_polling(start_fake().await, store, clock, Mode::Proxy, source).await
}

/// Waits until the source's state satisfies `condition`: polls change no state of the fake,
/// so its `wait_for` would not wake up for them.
async fn source_state_until(
    store: &Store,
    condition: impl Fn(&SourceState) -> bool,
) -> SourceState {
    let state = || async { store.source_state().unwrap() };
    let reached = |state: &Option<SourceState>| state.as_ref().is_some_and(&condition);
    let state = eventually("the source's state", state, reached).await;
    state.expect("checked above")
}

/// `/program status` as an admin: its embed's fields by name.
async fn status(bot: &TestBot) -> Vec<(String, String)> {
    let response = bot
        .fake
        .send_command(IDS.admin, IDS.general, "program status", [])
        .await
        .response()
        .await;
    assert!(response.is_ephemeral());
    fields(&response.embeds[0])
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    &fields.iter().find(|(n, _)| n == name).unwrap().1
}

/// `/program reload` without a file, as an admin: the followup after the deferral.
async fn reload(bot: &TestBot) -> serenity::model::channel::Message {
    let handle = bot
        .fake
        .send_command(IDS.admin, IDS.general, "program reload", [])
        .await;
    assert!(handle.response().await.is_ephemeral());
    bot.fake
        .wait_for(|_| !handle.followups().is_empty(), PATIENCE)
        .await
        .unwrap();
    handle.followups().remove(0)
}

#[tokio::test]
async fn the_bot_follows_its_live_source_and_keeps_its_program_through_failures() {
    let server = ProgramServer::start(three_sessions_json()).await;
    let bot = bot(&server, Duration::from_millis(200)).await;

    // The first poll finds the program the bot has, then the server answers 304.
    source_state_until(&bot.store, |s| s.etag.as_deref() == Some("\"v1\"")).await;
    source_state_until(&bot.store, |s| {
        s.last_result == Some(confbot::store::PollResult::NotModified)
    })
    .await;
    assert!(server
        .seen()
        .iter()
        .any(|s| s.if_none_match.as_deref() == Some("\"v1\"") && s.status == 304));
    assert!(
        bot.fake.messages(IDS.announcements).is_empty(),
        "nothing moved yet"
    );

    server.set_document(changed_json());
    bot.fake
        .wait_for(|f| f.messages(IDS.announcements).len() == 2, PATIENCE)
        .await
        .unwrap();
    let posts: Vec<String> = bot
        .fake
        .messages(IDS.announcements)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        posts,
        [
            "**Moved:** Orals 1 now starts at 11:30 PDT",
            "**Cancelled:** @everyone Posters @here"
        ]
    );
    let next = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "next", [])
        .await
        .response()
        .await;
    let talks = fields(&next.embeds[0]);
    assert_eq!(talks[0].0, "First talk");
    assert!(talks[0].1.contains("11:30"), "{}", talks[0].1);

    let status_now = status(&bot).await;
    assert!(
        field(&status_now, "Last change").contains("Sessions: 0 added, 1 changed, 1 removed."),
        "{status_now:?}"
    );
    assert_eq!(field(&status_now, "Last error"), "none");
    let changed = bot.store.load_program().unwrap().unwrap();

    server.answer(Answer::Status(500));
    source_state_until(&bot.store, |s| s.failed_attempts > 0).await;
    let failing = status(&bot).await;
    let error = field(&failing, "Last error");
    assert!(
        error.starts_with(&format!(
            "{} answered HTTP 500 Internal Server Error\nFailing since <t:",
            server.url()
        )),
        "{error}"
    );
    assert!(field(&failing, "Next poll").ends_with("(a retry)"));

    server.answer(Answer::Document);
    server.set_document("not a program at all");
    source_state_until(&bot.store, |s| {
        s.failed_attempts > 0 && !s.last_error.as_deref().unwrap().contains("HTTP 500")
    })
    .await;
    let error = field(&status(&bot).await, "Last error").to_string();
    assert!(error.starts_with(server.url().as_str()), "{error}");

    server.answer(Answer::Stall);
    source_state_until(&bot.store, |s| {
        s.last_error
            .as_deref()
            .unwrap()
            .contains("did not answer in full within 2s")
    })
    .await;
    assert_eq!(
        bot.store.load_program().unwrap().unwrap(),
        changed,
        "the program stays"
    );
    assert_eq!(
        bot.fake.messages(IDS.announcements).len(),
        2,
        "and nothing is posted"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn reload_without_a_file_fetches_the_source_now_and_answers_with_the_diff() {
    let server = ProgramServer::start(three_sessions_json()).await;
    // Polled only at start: every later fetch is the admin's.
    let bot = bot(&server, Duration::from_secs(3600)).await;
    source_state_until(&bot.store, |s| s.last_fetch_at.is_some()).await;

    server.set_document(changed_json());
    let reloaded = reload(&bot).await;
    let embed = &reloaded.embeds[0];
    assert_eq!(embed.title.as_deref(), Some("Program reloaded"));
    let description = embed.description.as_deref().unwrap();
    assert!(
        description.starts_with(&format!(
            "{} (confbot JSON): 2 sessions, 1 talks.",
            server.url()
        )),
        "{description}"
    );
    assert!(embed.fields[0]
        .value
        .contains("Moved session “Orals 1”: now Tue 4 May 11:30 PDT (was Tue 4 May 11:00 PDT)"));
    assert_eq!(
        server.seen()[1].if_none_match,
        None,
        "an admin's reload is unconditional"
    );

    server.answer(Answer::Status(503));
    let refused = reload(&bot).await;
    assert!(
        refused.content.starts_with(&format!(
            "Nothing changed: {} answered HTTP 503 Service Unavailable\nThe next try is <t:",
            server.url()
        )),
        "{}",
        refused.content
    );
    assert_eq!(
        field(&status(&bot).await, "Last fetch")
            .split_once(": ")
            .unwrap()
            .1,
        "failed"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn without_a_source_reload_needs_a_file_and_status_says_how_to_set_one() {
    let bot = TestBot::start_with(
        three_sessions(),
        SteppedClock::new(pdt(10, 45)),
        Mode::Proxy,
    )
    .await;
    let handle = bot
        .fake
        .send_command(IDS.admin, IDS.general, "program reload", [])
        .await;
    let content = handle.response().await.content.unwrap();
    assert!(
        content.starts_with("No live program source is configured (`CONFBOT_PROGRAM_URL`)."),
        "{content}"
    );
    let response = bot
        .fake
        .send_command(IDS.admin, IDS.general, "program status", [])
        .await
        .response()
        .await;
    assert_eq!(response.content, Some(content));
    let refused = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "program status", [])
        .await
        .response()
        .await;
    assert!(refused.content.unwrap().contains("Manage Server"));
    assert_eq!(response.embeds, Vec::<Value>::new());
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn the_binary_polls_the_source_its_environment_names_into_an_empty_database() {
    let server = ProgramServer::start(three_sessions_json()).await;
    let fake = start_fake().await;
    let url = server.url().to_string();
    let _bot = BinaryBot::spawn(
        &fake,
        fake.token(),
        &[
            ("CONFBOT_PROGRAM_URL", url.as_str()),
            ("CONFBOT_PROGRAM_POLL", "1m"),
            ("CONFBOT_PROGRAM_TIMEZONE", "America/Los_Angeles"),
            ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:45:00-07:00"),
        ],
    );
    fake.wait_until_ready(PATIENCE).await.unwrap();
    // Not the bundled program: the source's, once its first poll is in.
    let mut answer = None;
    for _ in 0..100 {
        let response = fake
            .send_command(IDS.attendee, IDS.general, "next", [])
            .await
            .response()
            .await;
        if let Some(embed) = response.embeds.first() {
            answer = Some(fields(embed)[0].0.clone());
            break;
        }
        assert!(
            response
                .content
                .as_deref()
                .unwrap()
                .starts_with("No program is loaded yet."),
            "{response:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer.as_deref(), Some("First talk"));
    assert_eq!(server.seen()[0].if_none_match, None);
    fake.assert_no_violations();
}

#[tokio::test]
async fn a_bad_source_setting_stops_the_binary_with_its_name() {
    let fake = start_fake().await;
    let bot = BinaryBot::spawn(
        &fake,
        fake.token(),
        &[
            ("CONFBOT_PROGRAM_URL", "http://127.0.0.1:9/schedule.json"),
            ("CONFBOT_PROGRAM_POLL", "10s"),
        ],
    );
    let (status, stderr) = tokio::task::spawn_blocking(move || bot.wait(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("error: CONFBOT_PROGRAM_POLL must be a duration between 1m and 24h, such as `5m`, not `10s`"),
        "{stderr}"
    );
}
