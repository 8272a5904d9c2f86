//! The Events tab mirror end to end: a rehearsed three-day program on a clock the test moves,
//! the real serenity client, and the loopback Discord's scheduled events (its 100-event cap,
//! status rules and spec checks).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use confbot::program::{import_str, ImportOptions, Program};
use confbot::store::Store;
use fake_discord::{FakeDiscord, InteractionResponse};
use serde_json::{json, Value};
use serenity::all::{Permissions, ScheduledEvent, ScheduledEventStatus, ScheduledEventType};

use crate::helpers::{alone, eventually, fields, Mode, SteppedClock, TestBot, IDS, PATIENCE};

/// `hour:minute` in Los Angeles on day `day` (1 = Tuesday 4 May 2021) of the program.
fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2021, 5, 3 + day, hour, minute, 0)
        .unwrap()
        .to_utc()
}

fn title(day: u32, hour: u32) -> String {
    format!("Day {day} at {hour}:00")
}

/// Three days of sessions on the hour, 9:00 to 16:00, 45 minutes each, in two rooms;
/// `change` may edit the sessions' JSON (a reload).
fn program_with(change: impl Fn(&mut Vec<Value>)) -> Program {
    let mut sessions = Vec::new();
    for day in 1..=3 {
        for hour in 9..=16 {
            sessions.push(json!({
                "id": format!("d{day}-{hour}"),
                "title": title(day, hour),
                "room": if hour % 2 == 0 { "Room A" } else { "Room B" },
                "start": format!("2021-05-0{} {hour:02}:00", 3 + day),
                "end": format!("2021-05-0{} {hour:02}:45", 3 + day),
                "talks": [{"id": format!("t{day}-{hour}"), "title": format!("Talk {day}.{hour}"),
                           "start": format!("2021-05-0{} {hour:02}:00", 3 + day),
                           "end": format!("2021-05-0{} {hour:02}:45", 3 + day),
                           "speakers": ["Grace Hopper"]}],
            }));
        }
    }
    change(&mut sessions);
    let doc = json!({"conference": {"name": "Rehearsal", "time_zone": "America/Los_Angeles"},
                     "sessions": sessions});
    import_str("rehearsal", &doc.to_string(), &ImportOptions::default())
        .unwrap()
        .program
}

fn program() -> Program {
    program_with(|_| {})
}

async fn admin_runs(
    fake: &FakeDiscord,
    command: &str,
    options: Vec<(&str, Value)>,
) -> InteractionResponse {
    fake.send_command(IDS.admin, IDS.general, command, options)
        .await
        .response()
        .await
}

async fn mirror(fake: &FakeDiscord, hours: u32, max: u32) {
    let reply = admin_runs(
        fake,
        "setup events",
        vec![
            ("enabled", json!(true)),
            ("hours", json!(hours)),
            ("max", json!(max)),
        ],
    )
    .await;
    assert!(reply.is_ephemeral());
}

/// The bot's scheduled or active events, in creation order.
fn open_mine(fake: &FakeDiscord) -> Vec<ScheduledEvent> {
    fake.scheduled_events()
        .into_iter()
        .filter(|e| e.creator_id == Some(IDS.bot))
        .filter(|e| {
            matches!(
                e.status,
                ScheduledEventStatus::Scheduled | ScheduledEventStatus::Active
            )
        })
        .collect()
}

fn names(events: &[ScheduledEvent]) -> Vec<String> {
    events.iter().map(|e| e.name.clone()).collect()
}

async fn until(fake: &FakeDiscord, what: &str, mut holds: impl FnMut(&FakeDiscord) -> bool) {
    if let Err(e) = fake.wait_for(|f| holds(f), PATIENCE).await {
        panic!(
            "{what}: {e}\nevents: {:#?}",
            names(&fake.scheduled_events())
        );
    }
}

/// Lets a few of the bot's one-second ticks pass, to see that nothing more happens.
async fn a_few_ticks() {
    tokio::time::sleep(Duration::from_millis(3500)).await;
}

async fn events_line(fake: &FakeDiscord) -> String {
    let shown = admin_runs(fake, "setup show", vec![]).await;
    fields(&shown.embeds[0])
        .into_iter()
        .find(|(name, _)| name == "Events tab")
        .map(|(_, value)| value)
        .expect("/setup show has the Events tab")
}

/// Waits until `/setup show`'s Events tab line says what `holds` wants. The mirror records what
/// a pass did (left out, refused) when the pass ends, a moment after its last event appears in
/// the fake, so a line read straight after `until` may still describe the pass before.
async fn until_line(fake: &FakeDiscord, what: &str, holds: impl Fn(&str) -> bool) {
    eventually(what, || events_line(fake), |line| holds(line)).await;
}

async fn started(clock: Arc<SteppedClock>, program: Program) -> TestBot {
    TestBot::start_with(program, clock, Mode::Proxy).await
}

#[tokio::test]
async fn the_window_fills_soonest_first_rolls_and_moves_through_the_statuses() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 5).await;
    until(&fake, "five events", |f| open_mine(f).len() == 5).await;
    let first: Vec<String> = (9..=13).map(|h| title(1, h)).collect();
    assert_eq!(names(&open_mine(&fake)), first, "soonest first");
    let keynote = &open_mine(&fake)[0];
    assert_eq!(keynote.start_time.unix_timestamp(), at(1, 9, 0).timestamp());
    assert_eq!(
        keynote.end_time.unwrap().unix_timestamp(),
        at(1, 9, 45).timestamp()
    );
    assert_eq!(
        keynote
            .metadata
            .as_ref()
            .and_then(|m| m.location.as_deref()),
        Some("Room B")
    );
    assert!(keynote
        .description
        .as_deref()
        .is_some_and(|d| d.contains("Talk 1.9") && d.contains("Grace Hopper")));
    let id = keynote.id;
    let status_of = move |f: &FakeDiscord| {
        f.scheduled_events()
            .into_iter()
            .find(|e| e.id == id)
            .map(|e| e.status)
    };

    clock.set(at(1, 9, 0));
    until(&fake, "the first session active", |f| {
        status_of(f) == Some(ScheduledEventStatus::Active)
    })
    .await;
    assert_eq!(open_mine(&fake).len(), 5);

    clock.set(at(1, 9, 45));
    until(&fake, "the first session completed, the next one in", |f| {
        status_of(f) == Some(ScheduledEventStatus::Completed) && open_mine(f).len() == 5
    })
    .await;
    let rolled: Vec<String> = (10..=14).map(|h| title(1, h)).collect();
    assert_eq!(names(&open_mine(&fake)), rolled);
    a_few_ticks().await;
    assert_eq!(names(&open_mine(&fake)), rolled, "nothing more");
    until_line(&fake, "five mirrored", |line| {
        line.contains("**5** events mirrored")
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn ninety_organiser_events_leave_room_for_ten_and_show_says_so() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    for i in 0..90 {
        fake.seed_event(
            &format!("Meetup {i}"),
            "2021-05-05T01:00:00Z",
            "2021-05-05T02:00:00Z",
            "The bar",
        );
    }
    mirror(&fake, 168, 50).await;
    until(&fake, "ten events", |f| open_mine(f).len() == 10).await;
    a_few_ticks().await;
    assert_eq!(open_mine(&fake).len(), 10, "never over the cap");
    assert_eq!(fake.scheduled_events().len(), 100);
    assert!(
        fake.scheduled_events()
            .iter()
            .filter(|e| e.creator_id == Some(IDS.admin))
            .all(|e| e.status == ScheduledEventStatus::Scheduled && e.name.starts_with("Meetup")),
        "organisers' events are never touched"
    );
    until_line(&fake, "the cap said to limit the mirror", |line| {
        line.contains("limited by Discord's cap") && line.contains("90 of its 100")
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_reload_edits_and_deletes_exactly_the_changed_sessions_events() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 10).await;
    until(&fake, "the day's eight events", |f| open_mine(f).len() == 8).await;
    let patches = fake
        .requests_to(
            "PATCH",
            "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
        )
        .len();
    assert_eq!(patches, 0);

    let reloaded = program_with(|sessions| {
        for s in sessions.iter_mut() {
            match s["id"].as_str().unwrap() {
                "d1-10" => {
                    s["start"] = json!("2021-05-04 10:15");
                    s["talks"][0]["start"] = json!("2021-05-04 10:15");
                }
                "d1-11" => s["title"] = json!("Day 1 at 11:00, retitled"),
                _ => {}
            }
        }
        sessions.retain(|s| s["id"] != "d1-12");
    });
    bot.store.replace_program(&reloaded).unwrap();
    until(
        &fake,
        "the moved, retitled and cancelled sessions followed",
        |f| {
            let open = names(&open_mine(f));
            open.len() == 7
                && open.contains(&"Day 1 at 11:00, retitled".to_string())
                && !open.contains(&title(1, 12))
                && open_mine(f).iter().any(|e| {
                    e.name == title(1, 10)
                        && e.start_time.unix_timestamp() == at(1, 10, 15).timestamp()
                })
        },
    )
    .await;
    a_few_ticks().await;
    let route = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}";
    assert_eq!(fake.requests_to("PATCH", route).len(), 2, "two edits");
    assert_eq!(fake.requests_to("DELETE", route).len(), 1, "one deletion");
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_restart_after_an_event_vanished_keeps_it_deleted_and_removes_an_unrecorded_one() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 5).await;
    until(&fake, "five events", |f| open_mine(f).len() == 5).await;
    let (fake, store): (FakeDiscord, Arc<Store>) = bot.crash();

    // While confbot is down: one of its events is deleted, and one it made was never recorded
    // (a crash between creating and recording).
    let vanished = open_mine(&fake)[2].clone();
    fake.delete_event_by_hand(vanished.id);
    let unrecorded = fake
        .proxy_http()
        .create_scheduled_event(
            IDS.guild,
            &json!({"name": title(1, 14), "privacy_level": 2, "entity_type": 3,
                    "scheduled_start_time": "2021-05-04T21:00:00Z",
                    "scheduled_end_time": "2021-05-04T21:45:00Z",
                    "entity_metadata": {"location": "Room A"}}),
            None,
        )
        .await
        .unwrap();

    let bot = TestBot::start_on(fake.clone(), store, clock.clone(), Mode::Proxy).await;
    until(
        &fake,
        "the unrecorded event gone and the room filled",
        |f| {
            let open = open_mine(f);
            open.len() == 5 && open.iter().all(|e| e.id != unrecorded.id)
        },
    )
    .await;
    a_few_ticks().await;
    let mut open = names(&open_mine(&fake));
    open.sort();
    let mut wanted: Vec<String> = (9..=14)
        .map(|h| title(1, h))
        .filter(|t| *t != vanished.name)
        .collect();
    wanted.sort();
    assert_eq!(open, wanted, "exactly one event per mirrored session");
    assert!(
        !open.contains(&vanished.name),
        "an event deleted while confbot was away stays deleted"
    );
    // Until `/setup events` brings it back.
    mirror(&fake, 24, 6).await;
    until(&fake, "the deleted one back", |f| {
        names(&open_mine(f)).contains(&vanished.name)
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_event_deleted_by_an_organiser_is_not_recreated_until_setup_events() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 3).await;
    until(&fake, "three events", |f| open_mine(f).len() == 3).await;
    let deleted = open_mine(&fake)[0].clone();
    fake.delete_event_by_hand(deleted.id);
    // Its place goes to the next session; the deleted one stays out.
    until(&fake, "the next session fills the room", |f| {
        names(&open_mine(f)) == [title(1, 10), title(1, 11), title(1, 12)]
    })
    .await;
    a_few_ticks().await;
    assert!(!names(&open_mine(&fake)).contains(&deleted.name));

    mirror(&fake, 24, 3).await;
    until(&fake, "the deleted session is back", |f| {
        let mut open = names(&open_mine(f));
        open.sort();
        open == [title(1, 10), title(1, 11), title(1, 9)]
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn with_manage_events_but_not_create_events_the_mirror_stops_once_and_says_which_is_missing()
{
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    // Discord's split of 23 February 2026: Manage Events alone no longer creates events.
    fake.set_bot_permission(Permissions::CREATE_EVENTS, false);
    fake.set_bot_permission(Permissions::MANAGE_EVENTS, true);
    let answer = admin_runs(&fake, "setup events", vec![("enabled", json!(true))]).await;
    let said = answer.embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(said.contains("**Create Events**"), "{said}");
    assert!(!said.contains("Manage Events"), "{said}");
    mirror(&fake, 24, 5).await;
    let creates = |f: &FakeDiscord| {
        f.requests_to("POST", "/guilds/{guild_id}/scheduled-events")
            .len()
    };
    until(&fake, "one attempt", |f| creates(f) == 1).await;
    a_few_ticks().await;
    clock.set(at(1, 9, 0));
    a_few_ticks().await;
    assert_eq!(creates(&fake), 1, "no retry storm");
    until_line(&fake, "the missing permission shown", |line| {
        line.contains("lacks the Create Events permission") && line.contains("Missing Permissions")
    })
    .await;

    fake.set_bot_permission(Permissions::CREATE_EVENTS, true);
    fake.set_bot_permission(Permissions::MANAGE_EVENTS, false);
    mirror(&fake, 24, 5).await;
    until(&fake, "five events once allowed", |f| {
        open_mine(f).len() == 5
    })
    .await;
    until_line(&fake, "the permission problem gone", |line| {
        !line.contains("Create Events")
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

/// Waits until the bot's database shows the attendee's agenda as `talks` (the fake does not see
/// the database change, so this looks every 100 ms).
async fn until_agenda(store: &Store, talks: &[&str]) {
    let what = format!("the agenda {talks:?}");
    eventually(
        &what,
        || async { agenda_of(store) },
        |agenda| agenda == talks,
    )
    .await;
}

fn agenda_of(store: &Store) -> Vec<String> {
    store
        .bookmarks(confbot::ids::UserId(IDS.attendee.get()))
        .unwrap()
        .into_iter()
        .map(|b| b.talk.talk.id.to_string())
        .collect()
}

#[tokio::test]
async fn interested_bookmarks_the_talks_with_a_dm_and_un_interested_removes_only_those() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 5).await;
    until(&fake, "five events", |f| open_mine(f).len() == 5).await;
    let event = |name: String| {
        open_mine(&fake)
            .into_iter()
            .find(|e| e.name == name)
            .unwrap()
            .id
    };
    let (at_10, at_11) = (event(title(1, 10)), event(title(1, 11)));
    // The attendee bookmarked the 11:00 talk themselves.
    bot.attendee_runs("remind", [("talk", json!("t1-11"))])
        .await;

    fake.press_interested(at_10, IDS.attendee);
    fake.press_interested(at_11, IDS.attendee);
    let store = Arc::clone(&bot.store);
    until_agenda(&store, &["t1-10", "t1-11"]).await;
    let shown = bot.attendee_runs("agenda", []).await;
    let names: Vec<String> = fields(&shown.embeds[0]).into_iter().map(|f| f.0).collect();
    assert!(names.iter().any(|n| n.contains("Talk 1.10")), "{names:?}");

    clock.set(at(1, 9, 50));
    until(&fake, "the reminder DM", |f| {
        f.dm_channel(IDS.attendee).is_some_and(|dm| {
            f.messages(dm).iter().any(|m| {
                m.embeds
                    .iter()
                    .any(|e| format!("{e:?}").contains("Talk 1.10"))
                    || m.content.contains("Talk 1.10")
            })
        })
    })
    .await;

    fake.unpress_interested(at_10, IDS.attendee);
    fake.unpress_interested(at_11, IDS.attendee);
    until_agenda(&store, &["t1-11"]).await;
    a_few_ticks().await;
    assert_eq!(agenda_of(&store), ["t1-11"]);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_room_routed_to_a_voice_channel_turns_its_events_into_voice_events() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    let voice = fake.add_voice_channel("Room A live", false);
    mirror(&fake, 24, 4).await;
    until(&fake, "four external events", |f| open_mine(f).len() == 4).await;
    assert!(open_mine(&fake)
        .iter()
        .all(|e| e.kind == ScheduledEventType::External));

    let set = admin_runs(
        &fake,
        "setup room",
        vec![
            ("room", json!("room a")),
            ("voice", json!(voice.to_string())),
        ],
    )
    .await;
    assert!(set.is_ephemeral());
    until(&fake, "Room A's events in the voice channel", |f| {
        let open = open_mine(f);
        open.len() == 4
            && open.iter().all(|e| {
                let in_a = e.name == title(1, 10) || e.name == title(1, 12);
                if in_a {
                    e.kind == ScheduledEventType::Voice && e.channel_id == Some(voice)
                } else {
                    e.kind == ScheduledEventType::External && e.channel_id.is_none()
                }
            })
    })
    .await;
    assert!(events_line(&fake).await.contains(&format!("<#{voice}>")));
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn after_a_gateway_resume_the_events_are_listed_again_and_an_orphan_removed() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 3).await;
    until(&fake, "three events", |f| open_mine(f).len() == 3).await;
    let lists = |f: &FakeDiscord| {
        f.requests_to("GET", "/guilds/{guild_id}/scheduled-events")
            .len()
    };
    let before = lists(&fake);

    fake.drop_gateway();
    // Made by the bot's token but never recorded, as a crash between creating and recording
    // would leave it.
    let orphan = fake
        .proxy_http()
        .create_scheduled_event(
            IDS.guild,
            &json!({"name": "Orphan", "privacy_level": 2, "entity_type": 3,
                    "scheduled_start_time": "2021-05-04T21:00:00Z",
                    "scheduled_end_time": "2021-05-04T21:45:00Z",
                    "entity_metadata": {"location": "Room A"}}),
            None,
        )
        .await
        .unwrap();
    until(&fake, "a resume, a listing and the orphan gone", |f| {
        f.gateway_stats().resumes >= 1
            && lists(f) > before
            && open_mine(f).iter().all(|e| e.id != orphan.id)
    })
    .await;
    assert_eq!(
        names(&open_mine(&fake)),
        [title(1, 9), title(1, 10), title(1, 11)]
    );
    fake.assert_no_violations();
    bot.stop().await;
}

/// Where events are created, and where one is changed or deleted.
const CREATE: &str = "/guilds/{guild_id}/scheduled-events";
const EVENT: &str = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}";

/// A bot at 8:00 on day one whose mirror's first request was answered 500.
async fn after_a_failed_first_sync() -> (TestBot, Arc<SteppedClock>) {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    bot.fake
        .fail_next("POST", CREATE, 1, fake_discord::Fault::ServerError);
    mirror(&bot.fake, 24, 5).await;
    until(&bot.fake, "one failed attempt", |f| {
        f.requests_to("POST", CREATE).len() == 1
    })
    .await;
    (bot, clock)
}

#[tokio::test]
async fn a_failed_sync_waits_before_trying_again() {
    let (bot, clock) = after_a_failed_first_sync().await;
    let fake = bot.fake.clone();
    a_few_ticks().await;
    assert_eq!(fake.requests_to("POST", CREATE).len(), 1, "not every tick");
    until_line(&fake, "the failure shown", |line| {
        line.contains("server error")
    })
    .await;

    clock.set(at(1, 8, 1));
    until(&fake, "five events after the backoff", |f| {
        open_mine(f).len() == 5
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_first_sync_of_fifty_events_stays_within_discords_limits_in_tls_mode() {
    // serenity's ratelimiter and the fake's count the same wall-clock seconds.
    let _alone = alone();
    // Sixty ten-minute sessions from 9:00, one after another.
    let sessions: Vec<Value> = (0..60)
        .map(|i| {
            let (h, m) = (9 + i / 6, (i % 6) * 10);
            json!({"id": format!("s{i}"), "title": format!("Slot {i}"), "room": "Hall",
                   "start": format!("2021-05-04 {h:02}:{m:02}"),
                   "end": format!("2021-05-04 {h:02}:{:02}", m + 9)})
        })
        .collect();
    let doc = json!({"conference": {"name": "Busy", "time_zone": "America/Los_Angeles"},
                     "sessions": sessions});
    let program = import_str("busy", &doc.to_string(), &ImportOptions::default())
        .unwrap()
        .program;
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = TestBot::start_with(program, clock, Mode::Tls).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 50).await;
    until(&fake, "fifty events", |f| open_mine(f).len() == 50).await;
    let first: Vec<String> = (0..50).map(|i| format!("Slot {i}")).collect();
    assert_eq!(names(&open_mine(&fake)), first);
    assert!(
        fake.requests().iter().all(|r| r.status != 429),
        "no request was rate limited"
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn attendees_cannot_turn_the_mirror_on_nor_route_a_room() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let voice = bot.fake.add_voice_channel("Room A live", false);
    let refused = bot
        .attendee_runs("setup events", [("enabled", json!(true))])
        .await;
    assert!(refused.is_ephemeral());
    assert!(refused.content.unwrap().contains("Manage Server"));
    let refused = bot
        .attendee_runs(
            "setup room",
            [
                ("room", json!("Room A")),
                ("voice", json!(voice.to_string())),
            ],
        )
        .await;
    assert!(refused.content.unwrap().contains("Manage Server"));
    let guild = confbot::ids::GuildId(IDS.guild.get());
    assert_eq!(bot.store.event_mirror(guild).unwrap(), None);
    assert!(bot.store.event_rooms(guild).unwrap().is_empty());
    a_few_ticks().await;
    assert!(bot.fake.scheduled_events().is_empty());
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn organisers_events_made_later_shrink_the_mirror_to_fit_under_the_cap() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 168, 50).await;
    until(&fake, "all 24 sessions", |f| open_mine(f).len() == 24).await;
    for i in 0..80 {
        fake.seed_event(
            &format!("Meetup {i}"),
            "2021-05-05T01:00:00Z",
            "2021-05-05T02:00:00Z",
            "The bar",
        );
    }
    until(&fake, "room for the organisers", |f| {
        open_mine(f).len() == 20
    })
    .await;
    let soonest: Vec<String> = (1..=3)
        .flat_map(|d| (9..=16).map(move |h| title(d, h)))
        .take(20)
        .collect();
    assert_eq!(
        names(&open_mine(&fake)),
        soonest,
        "the latest ones gave way"
    );
    let open = fake
        .scheduled_events()
        .iter()
        .filter(|e| {
            matches!(
                e.status,
                ScheduledEventStatus::Scheduled | ScheduledEventStatus::Active
            )
        })
        .count();
    assert_eq!(open, 100);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_restart_lifts_the_backoff_a_failure_left() {
    let (bot, clock) = after_a_failed_first_sync().await;
    let (fake, store) = bot.crash();
    // The clock has not moved: only the restart may lift the backoff.
    let bot = TestBot::start_on(fake.clone(), store, clock, Mode::Proxy).await;
    until(&fake, "five events", |f| open_mine(f).len() == 5).await;
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn turning_the_mirror_off_removes_confbots_events_and_leaves_the_organisers() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    fake.seed_event(
        "Organisers' dinner",
        "2021-05-05T02:00:00Z",
        "2021-05-05T05:00:00Z",
        "The bar",
    );
    mirror(&fake, 24, 5).await;
    until(&fake, "five events", |f| open_mine(f).len() == 5).await;
    clock.set(at(1, 9, 0));
    until(&fake, "the first session active", |f| {
        open_mine(f)
            .iter()
            .any(|e| e.status == ScheduledEventStatus::Active)
    })
    .await;

    let off = admin_runs(&fake, "setup events", vec![("enabled", json!(false))]).await;
    assert!(off.is_ephemeral());
    until(&fake, "confbot's events gone", |f| open_mine(f).is_empty()).await;
    a_few_ticks().await;
    assert!(open_mine(&fake).is_empty(), "nothing is created again");
    let others: Vec<String> = fake
        .scheduled_events()
        .into_iter()
        .filter(|e| e.creator_id != Some(IDS.bot))
        .map(|e| e.name)
        .collect();
    assert_eq!(others, ["Organisers' dinner"]);
    assert!(events_line(&fake).await.starts_with("off"));
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn room_the_organisers_free_under_the_cap_is_taken_back_within_a_tick_or_two() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    let meetups: Vec<_> = (0..90)
        .map(|i| {
            fake.seed_event(
                &format!("Meetup {i}"),
                "2021-05-05T01:00:00Z",
                "2021-05-05T02:00:00Z",
                "The bar",
            )
        })
        .collect();
    mirror(&fake, 168, 14).await;
    until(&fake, "ten events", |f| open_mine(f).len() == 10).await;
    for meetup in &meetups[..40] {
        fake.delete_event_by_hand(*meetup);
    }
    until(&fake, "the mirror's fourteen", |f| open_mine(f).len() == 14).await;
    until_line(&fake, "the cap no longer limiting", |line| {
        !line.contains("limited by Discord's cap")
    })
    .await;
    fake.assert_no_violations();
    bot.stop().await;
}

/// After a create whose answer was lost: one event per session of the three, three creates in
/// all, and the lost one's event adopted rather than deleted.
fn assert_the_lost_create_was_adopted(fake: &FakeDiscord) {
    assert_eq!(
        names(&open_mine(fake)),
        [title(1, 9), title(1, 10), title(1, 11)],
        "one event per session"
    );
    assert_eq!(
        fake.requests_to("POST", CREATE).len(),
        3,
        "no second create"
    );
    assert!(
        fake.requests_to("DELETE", EVENT).is_empty(),
        "adopted, not deleted"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_and_adopted_not_made_again() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    fake.fail_next("POST", CREATE, 1, fake_discord::Fault::LostAfterWrite);
    mirror(&fake, 24, 3).await;
    until(&fake, "the lost attempt", |f| {
        f.requests_to("POST", CREATE).len() == 1
    })
    .await;
    clock.set(at(1, 8, 1));
    until(&fake, "three events", |f| open_mine(f).len() >= 3).await;
    a_few_ticks().await;
    assert_the_lost_create_was_adopted(&fake);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_kill_after_a_create_whose_answer_was_lost_still_leaves_one_event_per_session() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    fake.fail_next("POST", CREATE, 1, fake_discord::Fault::LostAfterWrite);
    mirror(&fake, 24, 3).await;
    until(&fake, "the lost attempt", |f| {
        f.requests_to("POST", CREATE).len() == 1
    })
    .await;
    let (fake, store) = bot.crash();
    let bot = TestBot::start_on(fake.clone(), store, clock.clone(), Mode::Proxy).await;
    until(&fake, "three events", |f| open_mine(f).len() >= 3).await;
    a_few_ticks().await;
    assert_the_lost_create_was_adopted(&fake);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_event_renamed_by_hand_while_the_bot_runs_is_put_back_and_counted() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 3).await;
    until(&fake, "three events", |f| open_mine(f).len() == 3).await;
    let first = open_mine(&fake)[0].clone();
    fake.edit_event_by_hand(first.id, json!({"name": "Renamed by hand"}));
    until(&fake, "the program's title back", |f| {
        names(&open_mine(f)) == [title(1, 9), title(1, 10), title(1, 11)]
    })
    .await;
    a_few_ticks().await;
    assert_eq!(
        open_mine(&fake)[0].id,
        first.id,
        "the same event, edited back"
    );
    let line = events_line(&fake).await;
    assert!(line.contains("put back after an edit by hand: 1"), "{line}");
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_event_retimed_by_hand_while_the_bot_was_away_is_put_back_at_start() {
    let clock = SteppedClock::new(at(1, 8, 0));
    let bot = started(clock.clone(), program()).await;
    let fake = bot.fake.clone();
    mirror(&fake, 24, 3).await;
    until(&fake, "three events", |f| open_mine(f).len() == 3).await;
    let (fake, store) = bot.crash();
    let second = open_mine(&fake)[1].clone();
    fake.edit_event_by_hand(
        second.id,
        json!({"scheduled_start_time": "2021-05-04T17:30:00Z",
               "scheduled_end_time": "2021-05-04T18:00:00Z"}),
    );
    let bot = TestBot::start_on(fake.clone(), store, clock.clone(), Mode::Proxy).await;
    until(&fake, "the program's time back", |f| {
        open_mine(f)
            .iter()
            .any(|e| e.id == second.id && e.start_time.unix_timestamp() == at(1, 10, 0).timestamp())
    })
    .await;
    a_few_ticks().await;
    assert_eq!(open_mine(&fake).len(), 3);
    let line = events_line(&fake).await;
    assert!(line.contains("put back after an edit by hand: 1"), "{line}");
    fake.assert_no_violations();
    bot.stop().await;
}
