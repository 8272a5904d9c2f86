//! On stage now, end to end: a rehearsed morning in a voice room and on a stage, the clock
//! moved by the test, the real serenity client, and the loopback Discord's voice statuses and
//! stage instances (their limits and permission rules).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use confbot::store::Store;
use fake_discord::FakeDiscord;
use serde_json::json;
use serenity::all::{ChannelId, Permissions};

use crate::helpers::{start_fake, until, Mode, SteppedClock, TestBot, IDS};

const VOICE_STATUS: &str = "/channels/{channel_id}/voice-status";
const STAGE: &str = "/stage-instances/{channel_id}";

/// `hour:minute` on Tuesday 4 May 2021 in Los Angeles.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2021, 5, 4, hour, minute, 0)
        .unwrap()
        .to_utc()
}

/// A morning session of two talks with a gap between them in `room`, and the same on the
/// main stage; the first talk is titled `title`.
fn program(room: &str, title: &str) -> Program {
    program_starting(room, title, "10:00")
}

/// [`program`] with the first talks starting at `first` (a reload that moves them).
fn program_starting(room: &str, title: &str, first: &str) -> Program {
    let session = |id: &str, room: &str, title: &str| {
        json!({"id": id, "title": format!("Orals in {room}"), "room": room,
               "start": "2021-05-04 10:00", "end": "2021-05-04 11:00",
               "talks": [
                 {"id": format!("{id}-1"), "title": title, "start": format!("2021-05-04 {first}"),
                  "end": "2021-05-04 10:20", "speakers": ["Ada Lovelace", "Grace Hopper"]},
                 {"id": format!("{id}-2"), "title": "Second", "start": "2021-05-04 10:30",
                  "end": "2021-05-04 10:50", "speakers": ["Linus"]}]})
    };
    let doc = json!({"conference": {"name": "Rehearsal", "time_zone": "America/Los_Angeles"},
                     "sessions": [session("hall", room, title),
                                  session("stage", "Main Stage", "Keynote")]});
    import_str("stage", &doc.to_string(), &ImportOptions::default())
        .unwrap()
        .program
}

/// A fake whose bot may set statuses and stage topics, a voice channel for `room` and a stage
/// channel for the main stage, routed as `/setup room voice:` routes them.
struct Rooms {
    fake: FakeDiscord,
    store: Arc<Store>,
    voice: ChannelId,
    stage: ChannelId,
}

async fn rooms(room: &str, title: &str) -> Rooms {
    let fake = start_fake().await;
    for permission in [
        Permissions::SET_VOICE_CHANNEL_STATUS,
        Permissions::MANAGE_CHANNELS,
        Permissions::MUTE_MEMBERS,
        Permissions::MOVE_MEMBERS,
    ] {
        fake.set_bot_permission(permission, true);
    }
    let voice = fake.add_voice_channel("Hall A", false);
    let stage = fake.add_voice_channel("Main Stage", true);
    let store = Arc::new(Store::open_in_memory().unwrap());
    store.replace_program(&program(room, title)).unwrap();
    let guild = ids::GuildId(IDS.guild.get());
    store
        .set_event_room(guild, room, voice.into(), false)
        .unwrap();
    store
        .set_event_room(guild, "Main Stage", stage.into(), true)
        .unwrap();
    Rooms {
        fake,
        store,
        voice,
        stage,
    }
}

async fn start(rooms: &Rooms, clock: Arc<SteppedClock>) -> TestBot {
    TestBot::start_on(
        rooms.fake.clone(),
        Arc::clone(&rooms.store),
        clock,
        Mode::Proxy,
    )
    .await
}

async fn status_is(fake: &FakeDiscord, channel: ChannelId, status: Option<&str>) {
    let what = format!("the voice status becomes {status:?}");
    until(fake, &what, |f| {
        f.voice_status(channel).as_deref() == status
    })
    .await;
}

/// Lets a few of the bot's one-second ticks pass, to see that nothing more happens.
async fn a_few_ticks() {
    tokio::time::sleep(Duration::from_millis(3500)).await;
}

/// The statuses confbot sent to a channel, in order (`None`: cleared).
fn statuses_sent(fake: &FakeDiscord, channel: ChannelId) -> Vec<Option<String>> {
    fake.requests_to("PUT", VOICE_STATUS)
        .iter()
        .filter(|r| r.path == format!("/channels/{channel}/voice-status") && r.status == 204)
        .map(|r| {
            let body = r.body.as_ref().unwrap();
            body["status"].as_str().map(str::to_owned)
        })
        .collect()
}

const FIRST: &str = "On stage: First talk — Ada Lovelace, Grace Hopper";
const GAP: &str = "Next at 10:30: Second — Linus";
const SECOND: &str = "On stage: Second — Linus";

#[tokio::test]
async fn the_voice_status_follows_each_talk_and_clears_at_the_end_and_an_organisers_survives() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(9, 50));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    fake.set_voice_status_by_hand(voice, Some("Doors open at 10"));
    a_few_ticks().await;
    assert_eq!(
        fake.voice_status(voice).as_deref(),
        Some("Doors open at 10"),
        "outside a session an organiser's status is left alone"
    );

    clock.set(at(10, 0));
    status_is(&fake, voice, Some(FIRST)).await;
    clock.set(at(10, 25));
    status_is(&fake, voice, Some(GAP)).await;
    clock.set(at(10, 30));
    status_is(&fake, voice, Some(SECOND)).await;
    clock.set(at(11, 0));
    status_is(&fake, voice, None).await;
    fake.set_voice_status_by_hand(voice, Some("Lunch in the hall"));
    a_few_ticks().await;
    assert_eq!(
        fake.voice_status(voice).as_deref(),
        Some("Lunch in the hall")
    );
    assert_eq!(
        statuses_sent(&fake, voice),
        [Some(FIRST), Some(GAP), Some(SECOND), None].map(|s| s.map(str::to_owned)),
        "each text set once, one tick after its instant"
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_organisers_status_during_a_talk_stays_until_the_next_and_is_not_cleared_at_the_end() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    status_is(&fake, voice, Some(FIRST)).await;
    fake.set_voice_status_by_hand(voice, Some("Q&A with Ada now!"));
    a_few_ticks().await;
    assert_eq!(
        fake.voice_status(voice).as_deref(),
        Some("Q&A with Ada now!")
    );
    clock.set(at(10, 25));
    status_is(&fake, voice, Some(GAP)).await;
    clock.set(at(10, 52));
    status_is(&fake, voice, Some("Now: Orals in Hall A")).await;
    fake.set_voice_status_by_hand(voice, Some("Running late, sorry"));
    a_few_ticks().await;
    clock.set(at(11, 0));
    a_few_ticks().await;
    assert_eq!(
        fake.voice_status(voice).as_deref(),
        Some("Running late, sorry"),
        "the session's end clears only confbot's own status"
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn killed_mid_talk_and_restarted_the_bot_sets_the_right_status_once() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    status_is(&fake, voice, Some(FIRST)).await;
    let _ = bot.crash();

    clock.set(at(10, 10));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    a_few_ticks().await;
    assert_eq!(statuses_sent(&fake, voice), [Some(FIRST.to_owned())]);
    let _ = bot.crash();

    // Down through the change: the restart finds confbot's old text and sets the new one.
    clock.set(at(10, 33));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    status_is(&fake, voice, Some(SECOND)).await;
    a_few_ticks().await;
    assert_eq!(
        statuses_sent(&fake, voice),
        [Some(FIRST.to_owned()), Some(SECOND.to_owned())]
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_live_stages_topic_follows_the_talks_and_confbot_never_starts_or_ends_a_stage() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, stage) = (rooms.fake.clone(), rooms.stage);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    a_few_ticks().await;
    assert_eq!(
        fake.stage_topic(stage),
        None,
        "not live: confbot does not start it"
    );
    assert!(fake.requests_to("POST", "/stage-instances").is_empty());

    fake.start_stage(stage, "Welcome to the main stage");
    let keynote = "On stage: Keynote — Ada Lovelace, Grace Hopper";
    until(&fake, "the topic names the keynote", |f| {
        f.stage_topic(stage).as_deref() == Some(keynote)
    })
    .await;
    clock.set(at(10, 30));
    until(&fake, "the topic follows", |f| {
        f.stage_topic(stage).as_deref() == Some(SECOND)
    })
    .await;
    clock.set(at(11, 0));
    a_few_ticks().await;
    assert_eq!(
        fake.stage_topic(stage).as_deref(),
        Some(SECOND),
        "never ended"
    );
    assert_eq!(fake.requests_to("PATCH", STAGE).len(), 2);
    assert!(fake.requests_to("DELETE", STAGE).is_empty());
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn hostile_room_names_and_titles_give_valid_statuses_that_show_no_markup() {
    let room = "<@&1> **Hall** \u{202E}A\u{200B} @everyone";
    let title = format!(
        "<@{}> ‏שלום **bold** `code` \u{200B}{}",
        IDS.attendee,
        "word ".repeat(200)
    );
    let rooms = rooms(room, &title).await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    until(&fake, "a status is set", |f| {
        f.voice_status(voice).is_some()
    })
    .await;
    let status = fake.voice_status(voice).unwrap();
    assert!(status.chars().count() <= 500, "{status}");
    assert!(status.starts_with("On stage: ‹@"), "{status}");
    assert!(status.ends_with("word…"), "cut at a word: {status}");
    assert!(!status.contains('\u{200B}') && !status.contains('\u{202E}'));
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn without_the_permission_one_refused_request_marks_the_channel_and_nothing_repeats() {
    let rooms = rooms("Hall A", "First talk").await;
    let fake = rooms.fake.clone();
    fake.set_bot_permission(Permissions::SET_VOICE_CHANNEL_STATUS, false);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    until(&fake, "a status is tried", |f| {
        !f.requests_to("PUT", VOICE_STATUS).is_empty()
    })
    .await;
    a_few_ticks().await;
    let tried = fake.requests_to("PUT", VOICE_STATUS);
    assert_eq!(
        tried.len(),
        1,
        "a broken channel is not tried on every tick"
    );
    assert_eq!(tried[0].status, 403);
    assert_eq!(fake.voice_status(rooms.voice), None);
    bot.stop().await;
}

#[tokio::test]
async fn a_reload_that_moves_the_talk_on_stage_changes_the_status_within_a_tick() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(10, 5));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    status_is(&fake, voice, Some(FIRST)).await;
    rooms
        .store
        .replace_program(&program_starting("Hall A", "First talk", "10:10"))
        .unwrap();
    let moved = "Next at 10:10: First talk — Ada Lovelace, Grace Hopper";
    status_is(&fake, voice, Some(moved)).await;
    clock.set(at(10, 10));
    status_is(&fake, voice, Some(FIRST)).await;
    a_few_ticks().await;
    assert_eq!(
        statuses_sent(&fake, voice),
        [FIRST, moved, FIRST].map(|s| Some(s.to_owned()))
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_status_an_organiser_set_while_the_gateway_was_down_is_known_after_the_resume() {
    let rooms = rooms("Hall A", "First talk").await;
    let (fake, voice) = (rooms.fake.clone(), rooms.voice);
    let clock = SteppedClock::new(at(10, 55));
    let bot = start(&rooms, Arc::clone(&clock)).await;
    status_is(&fake, voice, Some("Now: Orals in Hall A")).await;
    fake.drop_gateway();
    // Dispatched while the bot is away: Discord keeps it for the resume.
    fake.set_voice_status_by_hand(voice, Some("Back at 13:00"));
    until(&fake, "the bot resumes", |f| f.gateway_stats().resumes == 1).await;
    clock.set(at(11, 0));
    a_few_ticks().await;
    assert_eq!(fake.voice_status(voice).as_deref(), Some("Back at 13:00"));
    assert_eq!(
        statuses_sent(&fake, voice),
        [Some("Now: Orals in Hall A".to_owned())],
        "the organiser's status is not cleared at the session's end"
    );
    fake.assert_no_violations();
    bot.stop().await;
}
