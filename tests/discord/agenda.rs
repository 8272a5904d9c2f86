//! The personal agenda end to end: bookmarking by `/remind`, by the "Remind me" button of a
//! public `/talk` reply and by the agenda's menu, `/agenda` with clashes, removal and pausing,
//! all through the loopback Discord.

use std::sync::Arc;

use confbot::clock::FixedClock;
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use serde_json::{json, Value};

use crate::helpers::{pdt, Mode, TestBot, IDS};

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
        .map(|b| b.talk.talk.id)
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
        paused.components[1]["components"][0]["custom_id"],
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
