//! Rooms as places end to end: `/setup room`, and each announcement carrying its way in (a
//! "Watch" link button for a stream, the voice channel's mention for a voice room), with
//! hostile room names and titles pinging nobody.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use fake_discord::{FakeDiscord, InteractionResponse};
use serde_json::{json, Value};
use serenity::model::id::ChannelId;

use crate::helpers::{pdt, Mode, SteppedClock, TestBot, IDS, PATIENCE};

/// A room name and a title made to tempt pings, Markdown and layout tricks.
const HOSTILE_ROOM: &str = "Hall B @everyone <@&1> **bold** \u{202e}kcab\u{200b}";

/// Hall A has a stream in the program; Hall B (hostile name) gets a voice channel on Discord.
fn program() -> Program {
    program_with(json!({}))
}

/// [`program`] with `links` added to talk `a1` (a recording, do-not-record).
fn program_with(links: Value) -> Program {
    let title = format!("@here {} [click](https://evil.example)", "x".repeat(1000));
    let mut text = json!({
        "conference": {"name": "Rooms Conf", "time_zone": "America/Los_Angeles"},
        "rooms": [{"name": "Hall A", "stream": "https://stream.example.org/hall-a?x=_y_"}],
        "sessions": [
            {"id": "a", "title": "Orals in Hall A", "room": "Hall A",
             "start": "2021-05-04 11:00", "end": "2021-05-04 11:30",
             "talks": [{"id": "a1", "title": "First", "start": "2021-05-04 11:00",
                        "end": "2021-05-04 11:15", "speakers": ["Grace Hopper"]}]},
            {"id": "b", "title": title, "room": HOSTILE_ROOM,
             "start": "2021-05-04 12:00", "end": "2021-05-04 12:30",
             "talks": [{"id": "b1", "title": "Second", "start": "2021-05-04 12:00",
                        "end": "2021-05-04 12:15", "speakers": ["Ada Lovelace"]}]}
        ]
    });
    let a1 = text["sessions"][0]["talks"][0].as_object_mut().unwrap();
    a1.extend(links.as_object().unwrap().clone());
    import_str("rooms.json", &text.to_string(), &ImportOptions::default())
        .unwrap()
        .program
}

async fn bot_at(at: DateTime<Utc>) -> (TestBot, Arc<SteppedClock>) {
    let clock = SteppedClock::new(at);
    let bot = TestBot::start_with(program(), clock.clone(), Mode::Proxy).await;
    bot.store
        .set_announce_channel(guild(), ids::ChannelId(IDS.announcements.get()))
        .unwrap();
    (bot, clock)
}

fn guild() -> ids::GuildId {
    ids::GuildId(IDS.guild.get())
}

async fn admin_runs(fake: &FakeDiscord, options: Vec<(&str, Value)>) -> InteractionResponse {
    fake.send_command(IDS.admin, IDS.general, "setup room", options)
        .await
        .response()
        .await
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

async fn posted(fake: &FakeDiscord, count: usize) -> Vec<Value> {
    fake.wait_for(|f| posts(f, IDS.announcements).len() >= count, PATIENCE)
        .await
        .unwrap_or_else(|e| panic!("{count} announcements: {e}"));
    posts(fake, IDS.announcements)
}

#[tokio::test]
async fn each_announcement_carries_its_way_in_and_pings_nobody() {
    let (bot, clock) = bot_at(pdt(10, 45)).await;
    let voice = bot.fake.add_voice_channel("Hall B live", false);
    let set = admin_runs(
        &bot.fake,
        vec![
            (
                "room",
                json!("hall b @everyone <@&1> **bold** \u{202e}kcab\u{200b}"),
            ),
            ("voice", json!(voice.to_string())),
        ],
    )
    .await;
    assert!(set.is_ephemeral());
    assert!(
        set.embeds[0]
            .to_string()
            .contains(&format!("voice <#{voice}>")),
        "{:?}",
        set.embeds
    );

    clock.set(pdt(10, 50));
    let stream = &posted(&bot.fake, 1).await[0];
    let button = &stream["components"][0]["components"][0];
    assert_eq!(button["type"], 2);
    assert_eq!(button["style"], 5, "a link button");
    assert_eq!(button["label"], "Watch");
    assert_eq!(button["url"], "https://stream.example.org/hall-a?x=_y_");
    assert!(button.get("custom_id").is_none(), "{button}");
    let description = stream["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.contains("Watch: <https://stream.example.org/hall-a?x=_y_>"),
        "the link is written as it is, not escaped: {description}"
    );

    clock.set(pdt(11, 50));
    let voice_post = posted(&bot.fake, 2).await.pop().unwrap();
    let description = voice_post["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.contains(&format!("Join: <#{voice}>")),
        "{description}"
    );
    assert!(
        description.contains("\\*\\*bold\\*\\*"),
        "the room's Markdown is escaped: {description}"
    );
    let links = voice_post["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter(|button| button["style"] == 5)
        .count();
    assert_eq!(links, 0, "no stream, no Watch button: {voice_post}");
    for post in posts(&bot.fake, IDS.announcements) {
        assert_eq!(post["allowed_mentions"]["parse"], json!([]), "{post}");
    }
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_stream_that_is_not_https_is_refused_and_changes_nothing() {
    let (bot, _clock) = bot_at(pdt(10, 45)).await;
    let voice = bot.fake.add_voice_channel("Hall A live", false);
    for stream in ["http://stream.example.org/hall-a", "stream.example.org"] {
        let refused = admin_runs(
            &bot.fake,
            vec![
                ("room", json!("Hall A")),
                ("stream", json!(stream)),
                ("voice", json!(voice.to_string())),
            ],
        )
        .await;
        assert!(refused.is_ephemeral());
        let said = refused.content.clone().unwrap_or_default()
            + &refused
                .embeds
                .iter()
                .map(Value::to_string)
                .collect::<String>();
        assert!(said.contains("stream"), "{said}");
    }
    let unknown = admin_runs(&bot.fake, vec![("room", json!("Hall Z"))]).await;
    assert!(unknown.is_ephemeral());
    let places = bot.store.room_places(guild()).unwrap();
    assert_eq!(places, Default::default(), "nothing was set");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

/// The messages in `channel` that mention `text`.
fn mentioning(fake: &FakeDiscord, channel: ChannelId, text: &str) -> usize {
    fake.messages(channel)
        .iter()
        .filter(|m| m.content.contains(text))
        .count()
}

/// One or two ticks (every second).
async fn ticks(n: u64) {
    tokio::time::sleep(Duration::from_millis(1200 * n)).await;
}

#[tokio::test]
async fn a_reload_that_adds_a_recording_posts_it_once_in_the_q_and_a_thread_never_a_do_not_record_one(
) {
    let (bot, _clock) = bot_at(pdt(11, 5)).await;
    let handle = bot
        .fake
        .send_command(
            IDS.moderator,
            IDS.questions,
            "qa open",
            [("session", json!("a"))],
        )
        .await;
    handle.response().await;
    bot.fake
        .wait_for(|f| !f.threads().is_empty(), PATIENCE)
        .await
        .unwrap();
    let thread = bot.fake.threads()[0].id;
    ticks(2).await;
    let link = "https://media.example.org/v/a1";
    assert_eq!(mentioning(&bot.fake, thread, link), 0);

    // Another process imports the program with a recording: the tick follows it.
    bot.store
        .replace_program(&program_with(json!({"recording": link})))
        .unwrap();
    bot.fake
        .wait_for(|f| mentioning(f, thread, link) == 1, PATIENCE)
        .await
        .unwrap_or_else(|e| panic!("the recording is told: {e}"));
    let told = bot
        .fake
        .messages(thread)
        .into_iter()
        .find(|m| m.content.contains(link))
        .unwrap();
    assert!(
        told.content.contains(&format!("<{link}>")),
        "{}",
        told.content
    );
    ticks(3).await;
    bot.store
        .replace_program(&program_with(json!({"recording": link})))
        .unwrap();
    ticks(2).await;
    assert_eq!(mentioning(&bot.fake, thread, link), 1, "told once");

    // A new recording of a talk now marked do-not-record is never told, nor shown.
    let secret = "https://media.example.org/v/a1-secret";
    bot.store
        .replace_program(&program_with(
            json!({"recording": secret, "do_not_record": true}),
        ))
        .unwrap();
    ticks(3).await;
    assert_eq!(mentioning(&bot.fake, thread, secret), 0);
    let talk = bot.attendee_runs("talk", [("talk", json!("a1"))]).await;
    let shown = format!("{:?}{:?}", talk.embeds, talk.components);
    assert!(!shown.contains("media.example.org"), "{shown}");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn now_posts_tell_each_talk_once_in_its_rooms_chat_as_it_starts() {
    let (bot, clock) = bot_at(pdt(10, 59)).await;
    let chat = IDS.questions;
    let set = admin_runs(
        &bot.fake,
        vec![
            ("room", json!("Hall A")),
            ("chat", json!(chat.to_string())),
            ("now-posts", json!(true)),
        ],
    )
    .await;
    assert!(set.is_ephemeral(), "{set:?}");
    ticks(2).await;
    assert_eq!(
        mentioning(&bot.fake, chat, "On stage now"),
        0,
        "nothing early"
    );
    clock.set(pdt(11, 0));
    bot.fake
        .wait_for(|f| mentioning(f, chat, "On stage now") == 1, PATIENCE)
        .await
        .unwrap_or_else(|e| panic!("the first talk is told: {e}"));
    let post = posts(&bot.fake, chat)
        .into_iter()
        .find(|p| {
            p["content"]
                .as_str()
                .unwrap_or_default()
                .contains("On stage now")
        })
        .unwrap();
    assert!(
        post["content"].as_str().unwrap().contains("**First**"),
        "{post}"
    );
    assert_eq!(post["components"][0]["components"][0]["style"], 5, "{post}");
    assert_eq!(post["allowed_mentions"]["parse"], json!([]), "{post}");
    clock.set(pdt(11, 2));
    ticks(3).await;
    assert_eq!(mentioning(&bot.fake, chat, "On stage now"), 1, "once");
    // Hall B has no now-posts: its talk at 12:00 is not told.
    clock.set(pdt(12, 0));
    ticks(3).await;
    assert_eq!(mentioning(&bot.fake, chat, "On stage now"), 1);
    bot.fake.assert_no_violations();
    bot.stop().await;
}
