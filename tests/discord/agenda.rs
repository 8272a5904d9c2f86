//! The personal agenda end to end: bookmarking by `/remind`, by the "Remind me" button of a
//! public `/talk` reply and by the agenda's menu, `/agenda` with clashes, removal and pausing,
//! all through the loopback Discord.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use confbot::clock::{Clock, FixedClock};
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use confbot::store::outbox::DeliveryState;
use fake_discord::faults::Fault;
use serde_json::{json, Value};
use serenity::model::channel::Message;
use serenity::model::id::UserId;

use crate::helpers::{alone, pdt, settled, start_fake, Mode, SteppedClock, TestBot, IDS, PATIENCE};

/// Two parallel sessions at 11:00–11:45 (a clash) and a talk at 12:00, on 4 May 2021 (LA).
/// One title tempts a ping.
pub fn parallel_program() -> Program {
    let json = r#"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"}, "sessions": [
        {"id": "a", "title": "Orals A", "room": "Hall A", "start": "2021-05-04 11:00", "end": "2021-05-04 12:30",
         "talks": [{"id": "a1", "title": "@everyone A one", "start": "2021-05-04 11:00", "end": "2021-05-04 11:30",
                    "speakers": ["Grace Hopper"]},
                   {"id": "later", "title": "Later", "start": "2021-05-04 12:00", "end": "2021-05-04 12:30"}]},
        {"id": "b", "title": "Orals B", "room": "Hall B", "start": "2021-05-04 11:15", "end": "2021-05-04 11:45",
         "talks": [{"id": "b1", "title": "B one", "start": "2021-05-04 11:15", "end": "2021-05-04 11:45"}]}]}"#;
    import_str("parallel", json, &ImportOptions::default())
        .unwrap()
        .program
}

/// The bot on [`parallel_program`] with a clock the test moves.
async fn stepped_bot(at: DateTime<Utc>) -> (TestBot, Arc<SteppedClock>) {
    let clock = SteppedClock::new(at);
    let bot = TestBot::start_with(parallel_program(), clock.clone(), Mode::Proxy).await;
    (bot, clock)
}

/// Lets at least one tick pass (ticks are every second).
async fn one_tick() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

/// The DMs the bot sent `user`.
fn dms(bot: &TestBot, user: UserId) -> Vec<Message> {
    bot.fake
        .dm_channel(user)
        .map(|channel| bot.fake.messages(channel))
        .unwrap_or_default()
}

async fn wait_for_dms(bot: &TestBot, user: UserId, count: usize) {
    let what = format!("{count} DMs");
    crate::helpers::until(&bot.fake, &what, |_| dms(bot, user).len() >= count).await;
}

/// The states of `user`'s reminders once none is still being sent.
async fn reminders_settled(bot: &TestBot, user: ids::UserId) -> Vec<DeliveryState> {
    let read = || bot.store.dm_reminders(user).unwrap();
    let reminders = settled("the reminders settled", read, |r| r.delivery.state).await;
    reminders.iter().map(|r| r.delivery.state).collect()
}

/// Every request that posted a message into one of the bot's DM channels.
fn dm_posts(bot: &TestBot) -> Vec<fake_discord::RecordedRequest> {
    let dm_paths: Vec<String> = bot
        .fake
        .requests_to("POST", "/users/@me/channels")
        .iter()
        .filter_map(|r| r.body.as_ref()?["recipient_id"].as_str()?.parse().ok())
        .filter_map(|user: u64| bot.fake.dm_channel(UserId::new(user)))
        .map(|channel| format!("/channels/{channel}/messages"))
        .collect();
    bot.fake
        .requests_to("POST", "/channels/{channel_id}/messages")
        .into_iter()
        .filter(|r| dm_paths.contains(&r.path))
        .collect()
}

async fn agenda_bot() -> TestBot {
    TestBot::start_with(
        parallel_program(),
        Arc::new(FixedClock(pdt(10, 0))),
        Mode::Proxy,
    )
    .await
}

fn description(response: &fake_discord::InteractionResponse) -> String {
    response.embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn field_names(embed: &Value) -> Vec<String> {
    crate::helpers::fields(embed)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The talks in a user's agenda, by id, as SQLite has them.
fn agenda_ids(bot: &TestBot, user: serenity::model::id::UserId) -> Vec<String> {
    bot.store
        .bookmarks(ids::UserId(user.get()))
        .unwrap()
        .into_iter()
        .map(|b| b.talk.talk.id.to_string())
        .collect()
}

#[tokio::test]
async fn remind_adds_a_talk_privately_and_says_when_the_dm_comes() {
    let bot = agenda_bot().await;
    let response = bot
        .attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(15))])
        .await;
    assert!(response.is_ephemeral());
    assert_eq!(response.embeds[0]["title"], "Added to your agenda");
    let due = (pdt(11, 0) - chrono::TimeDelta::minutes(15)).timestamp();
    assert!(
        description(&response).contains(&format!("<t:{due}:t>")),
        "{}",
        description(&response)
    );
    assert_eq!(
        response.allowed_mentions.as_ref().unwrap()["parse"],
        json!([])
    );
    let again = bot
        .attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(5))])
        .await;
    assert_eq!(again.embeds[0]["title"], "Reminder changed");
    assert_eq!(agenda_ids(&bot, IDS.attendee), ["a1"]);

    let refused = bot
        .attendee_runs("remind", [("talk", json!("no-such-talk"))])
        .await;
    assert!(refused.is_ephemeral());
    assert!(refused.content.unwrap().contains("no talk with id"));
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn the_remind_me_button_of_a_public_talk_reply_adds_it_to_whoever_clicks() {
    let bot = agenda_bot().await;
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "talk", [("talk", json!("a1"))])
        .await;
    let shown = handle.response().await;
    assert!(!shown.is_ephemeral(), "/talk is public");
    let message = handle.original().expect("the /talk reply");
    let other = bot.fake.add_member("Other Attendee", &[]);
    let clicked = bot
        .fake
        .click(message.id, "agenda:remind:a1", other)
        .await
        .response()
        .await;
    assert!(
        clicked.is_ephemeral(),
        "answered only to the one who clicked"
    );
    assert_eq!(clicked.embeds[0]["title"], "Added to your agenda");
    assert_eq!(agenda_ids(&bot, other), ["a1"]);
    assert!(
        agenda_ids(&bot, IDS.attendee).is_empty(),
        "not the agenda of who asked"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn agenda_marks_clashes_removes_with_its_menu_and_pauses() {
    let bot = agenda_bot().await;
    for talk in ["later", "b1", "a1"] {
        bot.attendee_runs("remind", [("talk", json!(talk))]).await;
    }
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "agenda", [])
        .await;
    let shown = handle.response().await;
    assert!(shown.is_ephemeral());
    assert_eq!(
        field_names(&shown.embeds[0]),
        ["⚠ @everyone A one", "⚠ B one", "Later"]
    );
    assert_eq!(shown.allowed_mentions.as_ref().unwrap()["parse"], json!([]));
    let message = handle.original().expect("the agenda message");

    let removed = bot
        .fake
        .select(message.id, "agenda:remove", &["a1"], IDS.attendee)
        .await
        .response()
        .await;
    assert_eq!(removed.kind, 7, "the agenda is updated in place");
    assert_eq!(field_names(&removed.embeds[0]), ["B one", "Later"]);
    assert_eq!(agenda_ids(&bot, IDS.attendee), ["b1", "later"]);

    let paused = bot
        .fake
        .click(message.id, "agenda:pause", IDS.attendee)
        .await
        .response()
        .await;
    assert!(paused.embeds[0]["description"]
        .as_str()
        .unwrap()
        .contains("paused"));
    assert_eq!(
        paused.components[1]["components"][1]["custom_id"],
        "agenda:resume"
    );
    assert!(
        bot.store
            .agenda_user(ids::UserId(IDS.attendee.get()))
            .unwrap()
            .paused
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_reminder_dm_arrives_at_its_minute_not_before_and_pings_nobody() {
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    bot.attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(10))])
        .await;
    clock.set(pdt(10, 49) + chrono::TimeDelta::seconds(59));
    one_tick().await;
    assert!(dms(&bot, IDS.attendee).is_empty(), "not before 10:50");
    clock.set(pdt(10, 50));
    wait_for_dms(&bot, IDS.attendee, 1).await;
    one_tick().await;
    let sent = dms(&bot, IDS.attendee);
    assert_eq!(sent.len(), 1, "exactly one DM");
    assert!(
        sent[0].content.contains("@everyone A one"),
        "{}",
        sent[0].content
    );
    assert!(sent[0]
        .content
        .contains(&format!("<t:{}:R>", pdt(11, 0).timestamp())));
    let embed = serde_json::to_value(&sent[0].embeds[0]).unwrap();
    let fields = crate::helpers::fields(&embed);
    assert!(fields[0].1.contains("Hall A"), "{fields:?}");
    for post in dm_posts(&bot) {
        assert_eq!(post.body.unwrap()["allowed_mentions"]["parse"], json!([]));
    }
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn two_talks_due_together_come_in_one_dm() {
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    // A one at 11:00 ten minutes before, B one at 11:15 25 minutes before: both at 10:50.
    bot.attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(10))])
        .await;
    bot.attendee_runs("remind", [("talk", json!("b1")), ("minutes", json!(25))])
        .await;
    clock.set(pdt(10, 50));
    wait_for_dms(&bot, IDS.attendee, 1).await;
    one_tick().await;
    let sent = dms(&bot, IDS.attendee);
    assert_eq!(sent.len(), 1, "one DM, not two");
    let names: Vec<&str> = sent[0].embeds[0]
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["@everyone A one", "B one"]);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_bot_killed_between_claim_and_post_sends_exactly_one_dm_after_restart() {
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    bot.attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(10))])
        .await;
    let (fake, store) = bot.crash();
    // What a bot killed right after claiming leaves behind: the claim, nothing sent.
    let user = ids::UserId(IDS.attendee.get());
    let due = pdt(10, 50);
    store
        .claim_dm_reminder(
            user,
            due,
            &[confbot::store::TalkAt {
                talk: "a1".into(),
                start: pdt(11, 0),
            }],
            DeliveryState::Claimed,
            due,
        )
        .unwrap()
        .expect("claimed");
    // Restarted once the claim's lease ran out.
    clock.set(pdt(10, 51));
    let bot = TestBot::start_on(fake, store, clock.clone(), Mode::Proxy).await;
    wait_for_dms(&bot, IDS.attendee, 1).await;
    one_tick().await;
    clock.set(pdt(10, 52));
    one_tick().await;
    assert_eq!(dms(&bot, IDS.attendee).len(), 1);
    // Marked sent after the post returns, a moment after the DM shows.
    let states = reminders_settled(&bot, user).await;
    assert_eq!(states, [DeliveryState::Sent]);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_user_with_dms_closed_is_recorded_not_retried_and_told_once() {
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    bot.fake.refuse_dms(IDS.attendee);
    for (talk, minutes) in [("a1", 10), ("later", 10)] {
        bot.attendee_runs(
            "remind",
            [("talk", json!(talk)), ("minutes", json!(minutes))],
        )
        .await;
    }
    clock.set(pdt(10, 50));
    let user = ids::UserId(IDS.attendee.get());
    // The fake's wait_for wakes on the fake's changes; the refusal lands in SQLite after, and
    // the reminder is settled after the refusal is recorded.
    let states = reminders_settled(&bot, user).await;
    assert_eq!(states, [DeliveryState::Failed]);
    assert!(
        bot.store.dms_refused_at(user).unwrap().is_some(),
        "50007 recorded"
    );
    let refused: Vec<u16> = dm_posts(&bot).iter().map(|r| r.status).collect();
    assert_eq!(refused, [403]);
    // The later talk falls due: no attempt.
    clock.set(pdt(11, 50));
    one_tick().await;
    one_tick().await;
    assert_eq!(dm_posts(&bot).len(), 1, "no retry");

    for told in [true, false] {
        let handle = bot
            .fake
            .send_command(IDS.attendee, IDS.general, "next", [])
            .await;
        handle.response().await;
        if told {
            bot.fake
                .wait_for(|_| !handle.followups().is_empty(), PATIENCE)
                .await
                .expect("a follow-up notice");
        } else {
            one_tick().await;
        }
        let followups = handle.followups();
        assert_eq!(followups.len(), usize::from(told), "told once");
        if told {
            assert!(followups[0].content.contains("allow direct messages"));
            assert!(followups[0].flags.unwrap().bits() & 64 != 0, "ephemeral");
        }
    }
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn many_dms_stay_within_the_global_limit_and_the_announcement_goes_first() {
    // The pacing is measured in wall-clock seconds where the fake sees the requests arrive.
    let _alone = alone();
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    bot.store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    bot.fake.enforce_global_limit(50);
    // One 429 with `global: true` on the way: every sender pauses, nothing is lost.
    bot.fake.fail_next(
        "POST",
        "/users/@me/channels",
        1,
        Fault::RateLimited {
            retry_after: Duration::from_millis(500),
            global: true,
        },
    );
    let users: Vec<UserId> = (0..60)
        .map(|i| bot.fake.add_member(&format!("Attendee {i}"), &[]))
        .collect();
    for user in &users {
        bot.store
            .set_bookmark(ids::UserId(user.get()), "a1", 10, pdt(10, 0))
            .unwrap();
    }
    clock.set(pdt(10, 50));
    // Time passes as it would, so the DM that met the 429 is retried after its backoff.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !users.iter().all(|u| dms(&bot, *u).len() == 1) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "every attendee's DM, one each"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        clock.set(clock.now() + chrono::TimeDelta::seconds(1));
    }
    one_tick().await;
    for user in &users {
        assert_eq!(dms(&bot, *user).len(), 1, "none twice");
    }
    let over_limit = bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(over_limit, 1, "only the injected 429: the bot paces itself");
    // The 10:50 announcement of Orals A was not queued behind sixty DMs.
    let announcement = &bot.fake.messages(IDS.announcements)[0];
    let dms_before = users
        .iter()
        .filter(|u| dms(&bot, **u)[0].id < announcement.id)
        .count();
    assert!(
        dms_before < 10,
        "{dms_before} DMs went before the announcement"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// [`parallel_program`] with "A one" moved to 11:30–12:00 and "B one" cancelled.
fn reloaded_program() -> Program {
    let program = parallel_program();
    let mut sessions = program.sessions().to_vec();
    let a1 = &mut sessions[0].talks[0];
    a1.start = pdt(11, 30);
    a1.end = pdt(12, 0);
    sessions.retain(|s| s.slot.id != "b");
    Program::new(program.conference().clone(), sessions).unwrap()
}

#[tokio::test]
async fn a_reload_tells_of_a_moved_and_a_cancelled_talk_once_and_reminds_at_the_new_time() {
    let (bot, clock) = stepped_bot(pdt(10, 0)).await;
    for talk in ["a1", "b1"] {
        bot.attendee_runs("remind", [("talk", json!(talk)), ("minutes", json!(10))])
            .await;
    }
    // As `confbot import` would, from another process.
    bot.store.replace_program(&reloaded_program()).unwrap();
    wait_for_dms(&bot, IDS.attendee, 2).await;
    one_tick().await;
    let sent = dms(&bot, IDS.attendee);
    assert_eq!(sent.len(), 2, "one DM per change");
    assert!(sent.iter().any(|m| m.content.contains("moved to")
        && m.content.contains(&pdt(11, 30).timestamp().to_string())));
    assert!(sent
        .iter()
        .any(|m| m.content.contains("B one") && m.content.contains("cancelled")));
    // Nothing at the old 10:50, nor for the cancelled talk at 11:05; the reminder at 11:20.
    for at in [pdt(10, 50), pdt(11, 5)] {
        clock.set(at);
        one_tick().await;
    }
    assert_eq!(dms(&bot, IDS.attendee).len(), 2);
    clock.set(pdt(11, 20));
    wait_for_dms(&bot, IDS.attendee, 3).await;
    one_tick().await;
    let sent = dms(&bot, IDS.attendee);
    assert_eq!(sent.len(), 3);
    assert!(sent[2].content.contains("A one"));
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// A property's raw (escaped, unfolded) value, as the independent `ical` parser reads it.
fn property<'e>(event: &'e ical::parser::ical::component::IcalEvent, name: &str) -> &'e str {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

#[tokio::test]
async fn the_calendar_file_button_answers_with_an_ics_an_independent_parser_reads() {
    let title = r"Commas, semis; and a back\slash";
    let abstract_text = "An abstract of two hundred characters, ".repeat(6)[..200].to_string();
    let program = parallel_program();
    let mut sessions = program.sessions().to_vec();
    sessions[0].talks[0].title = title.to_string();
    sessions[0].talks[0].abstract_text = abstract_text.clone();
    let program = Program::new(program.conference().clone(), sessions).unwrap();
    let bot = TestBot::start_with(program, Arc::new(FixedClock(pdt(10, 0))), Mode::Proxy).await;
    for talk in ["later", "a1"] {
        bot.attendee_runs("remind", [("talk", json!(talk))]).await;
    }
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "agenda", [])
        .await;
    handle.response().await;
    let agenda = handle.original().unwrap();
    let answer = bot
        .fake
        .click(agenda.id, "agenda:ics", IDS.attendee)
        .await
        .response()
        .await;
    assert!(answer.is_ephemeral());
    assert_eq!(answer.files.len(), 1);
    assert_eq!(answer.files[0].filename, "agenda.ics");
    let ics = String::from_utf8(answer.files[0].bytes.clone()).unwrap();
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "a line over 75 octets: {line:?}");
    }

    let calendars: Vec<_> = ical::IcalParser::new(ics.as_bytes())
        .collect::<Result<_, _>>()
        .expect("valid iCalendar");
    assert_eq!(calendars.len(), 1);
    let calendar = &calendars[0];
    let top = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(top("VERSION").as_deref(), Some("2.0"));
    assert!(top("PRODID").is_some());
    let events = &calendar.events;
    assert_eq!(events.len(), 2);
    let first = &events[0];
    assert_eq!(property(first, "UID"), "a1@confbot");
    assert_eq!(property(first, "DTSTART"), "20210504T180000Z");
    assert_eq!(property(first, "DTEND"), "20210504T183000Z");
    assert!(!property(first, "DTSTAMP").is_empty());
    assert_eq!(
        property(first, "SUMMARY"),
        r"Commas\, semis\; and a back\\slash"
    );
    assert_eq!(property(first, "LOCATION"), "Hall A");
    let description = property(first, "DESCRIPTION");
    assert!(
        description.contains(r"Speakers: Grace Hopper\nSession: Orals A"),
        "{description}"
    );
    // The `ical` parser trims the end of each folded line (RFC 5545 unfolding removes only the
    // line break and one space), so spaces at a fold are compared apart.
    let escaped = abstract_text.replace(',', r"\,");
    let squeeze = |text: &str| text.replace(' ', "");
    assert!(
        squeeze(description).contains(&squeeze(&escaped)),
        "the whole 200-character abstract: {description}"
    );
    assert!(
        ics.replace("\r\n ", "").contains(&escaped),
        "unfolded as RFC 5545 says, the abstract is intact"
    );
    assert_eq!(property(&events[1], "UID"), "later@confbot");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn forget_me_asks_first_then_leaves_no_row_that_names_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confbot.sqlite3");
    let store = Arc::new(confbot::store::Store::open(&path).unwrap());
    store.replace_program(&parallel_program()).unwrap();
    let clock = SteppedClock::new(pdt(10, 0));
    let bot = TestBot::start_on(start_fake().await, store, clock.clone(), Mode::Proxy).await;
    let me = IDS.attendee;
    let user = ids::UserId(me.get());
    bot.attendee_runs("remind", [("talk", json!("a1")), ("minutes", json!(10))])
        .await;
    clock.set(pdt(10, 50));
    wait_for_dms(&bot, me, 1).await;
    // A question of theirs and a vote, straight into the Q&A tables.
    let thread = bot
        .store
        .qa_thread_opened(
            &confbot::store::OpenedThread {
                guild: ids::GuildId(IDS.guild.get()),
                session_id: &"a".into(),
                talk_id: None,
                title: "Orals A",
                channel: ids::ChannelId(IDS.questions.get()),
                thread: ids::ChannelId(4242),
            },
            pdt(10, 50),
        )
        .unwrap();
    let question = bot
        .store
        .ask_question(thread.id, None, user, "Does it scale?", pdt(10, 51))
        .unwrap();
    bot.store.toggle_vote(question, user).unwrap();
    // A rating and a comment of a talk.
    bot.store
        .rate_talk(user, &"a1".into(), crate::helpers::rating(5), pdt(10, 52))
        .unwrap();
    bot.store
        .add_comment(user, &"a1".into(), "Loved it", pdt(10, 52))
        .unwrap();

    let handle = bot
        .fake
        .send_command(me, IDS.general, "forget-me", [])
        .await;
    let asked = handle.response().await;
    assert!(asked.is_ephemeral());
    assert!(
        bot.store.bookmarks(user).unwrap().len() == 1,
        "nothing deleted before the click"
    );
    let prompt = handle.original().unwrap();
    let done = bot
        .fake
        .click(prompt.id, "agenda:forget", me)
        .await
        .response()
        .await;
    let said = done.embeds[0]["description"].as_str().unwrap();
    assert!(
        said.contains("1 talk") && said.contains("1 Q&A vote"),
        "{said}"
    );
    assert!(said.contains("1 question you asked"), "{said}");
    assert!(
        said.contains("1 rating") && said.contains("1 comment"),
        "{said}"
    );

    // Every column of every table, read straight from the database file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut naming = Vec::new();
    for table in &tables {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in columns {
            let sql = format!("SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = ?1");
            let n: i64 = conn
                .query_row(&sql, [me.get() as i64], |r| r.get(0))
                .unwrap();
            if n > 0 {
                naming.push(format!("{table}.{column}"));
            }
        }
    }
    assert!(naming.is_empty(), "rows still name the user: {naming:?}");
    assert!(tables.contains(&"qa_questions".to_string()));
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM qa_questions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1, "the question stays in its thread, anonymised");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// The values of a message's select menu `custom_id`.
fn menu_values(components: &[Value], custom_id: &str) -> Vec<String> {
    components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|c| c["custom_id"] == custom_id)
        .map(|menu| {
            menu["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["value"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_remind_me_menus_of_next_search_speaker_and_schedule_add_the_picked_talks() {
    let bot = agenda_bot().await;
    // (command, options, talks its menu must offer)
    type Ask<'a> = (&'a str, Vec<(&'a str, Value)>, Vec<&'a str>);
    let asks: Vec<Ask> = vec![
        ("next", vec![], vec!["a1", "b1", "later"]),
        ("search", vec![("query", json!("one"))], vec!["b1"]),
        ("speaker", vec![("name", json!("Grace Hopper"))], vec!["a1"]),
        (
            "schedule",
            vec![("day", json!("2021-05-04"))],
            vec!["a1", "later", "b1"],
        ),
    ];
    for (command, options, expected) in asks {
        let handle = bot
            .fake
            .send_command(IDS.attendee, IDS.general, command, options)
            .await;
        let shown = handle.response().await;
        let values = menu_values(&shown.components, "agenda:pick");
        for talk in &expected {
            assert!(values.contains(&talk.to_string()), "/{command}: {values:?}");
        }
        let message = handle.original().unwrap();
        let picked = bot
            .fake
            .select(message.id, "agenda:pick", &[expected[0]], IDS.attendee)
            .await
            .response()
            .await;
        assert!(picked.is_ephemeral());
        assert!(agenda_ids(&bot, IDS.attendee).contains(&expected[0].to_string()));
    }
    let handle = bot
        .fake
        .send_command(IDS.attendee, IDS.general, "next", [])
        .await;
    handle.response().await;
    let message = handle.original().unwrap();
    let several = bot
        .fake
        .select(message.id, "agenda:pick", &["b1", "later"], IDS.attendee)
        .await
        .response()
        .await;
    assert!(several.embeds[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Added 2 of 2"));
    assert_eq!(agenda_ids(&bot, IDS.attendee), ["a1", "b1", "later"]);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn the_remind_me_button_of_a_session_announcement_adds_its_talks() {
    let (bot, clock) = stepped_bot(pdt(10, 45)).await;
    bot.store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    clock.set(pdt(10, 50));
    bot.fake
        .wait_for(|f| !f.messages(IDS.announcements).is_empty(), PATIENCE)
        .await
        .unwrap();
    let announcement = bot.fake.messages(IDS.announcements)[0].clone();
    let other = bot.fake.add_member("Other Attendee", &[]);
    let answer = bot
        .fake
        .click(announcement.id, "agenda:session:a", other)
        .await
        .response()
        .await;
    assert!(answer.is_ephemeral());
    assert_eq!(agenda_ids(&bot, other), ["a1", "later"]);
    bot.fake.assert_no_violations();
    bot.stop().await;
}
