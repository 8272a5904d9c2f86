//! The fake refuses what Discord refuses, the way Discord does, and records it.
//! serenity refuses long content and embeds itself, so these send raw requests.

use std::time::Duration;

use fake_discord::{FakeDiscord, Ids, Rule};
use serde_json::{json, Value};
use serenity::all::{
    ChannelType, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateThread, EditThread, Interaction,
    MessageFlags, Nonce,
};

use crate::support::{next_interaction, start_bot, Behaviour, Mode};

/// A raw request to the fake's REST API, as the bot's token.
async fn raw(fake: &FakeDiscord, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}/api/v10{path}", fake.api_url()))
        .header("Authorization", format!("Bot {}", fake.token()))
        .json(&body)
        .send()
        .await
        .expect("the fake answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn embed_title_of_257_characters_is_rejected_at_its_field() {
    let fake = FakeDiscord::start().await;
    let path = format!("/channels/{}/messages", Ids::FIXED.general);
    let (status, body) = raw(
        &fake,
        reqwest::Method::POST,
        &path,
        json!({"embeds": [{"title": "t".repeat(257)}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 50035);
    assert_eq!(
        body["errors"]["embeds"]["0"]["title"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(
        (violations[0].rule, violations[0].field.as_deref()),
        (Rule::Spec, Some("embeds.0.title"))
    );
    assert!(fake.messages(Ids::FIXED.general).is_empty());
}

#[tokio::test]
async fn content_of_2001_characters_is_rejected_though_the_spec_allows_4000() {
    let fake = FakeDiscord::start().await;
    let path = format!("/channels/{}/messages", Ids::FIXED.general);
    let (status, body) = raw(
        &fake,
        reqwest::Method::POST,
        &path,
        json!({"content": "x".repeat(2001)}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(50035)));
    assert!(body["errors"]["content"]["_errors"].is_array(), "{body}");
    assert_eq!(fake.violations()[0].rule, Rule::Limit);

    let (status, _) = raw(
        &fake,
        reqwest::Method::POST,
        &path,
        json!({"content": "x".repeat(2000)}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fake.violations().len(), 1);
}

#[tokio::test]
async fn embeds_over_6000_characters_in_one_message_are_rejected() {
    let fake = FakeDiscord::start().await;
    let path = format!("/channels/{}/messages", Ids::FIXED.general);
    let embed = json!({"description": "d".repeat(3500)});
    let (status, body) = raw(
        &fake,
        reqwest::Method::POST,
        &path,
        json!({"embeds": [embed, embed]}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(50035)));
    assert_eq!(fake.violations()[0].field.as_deref(), Some("embeds"));
}

#[tokio::test]
async fn autocomplete_with_26_choices_is_rejected() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let handle = fake
        .send_autocomplete(
            ids.attendee,
            ids.general,
            "next",
            [("track", json!("r"))],
            "track",
        )
        .await;
    let Interaction::Autocomplete(ac) = next_interaction(&mut bot).await else {
        panic!("an autocomplete")
    };

    let choices: Vec<Value> = (0..26)
        .map(|i| json!({"name": format!("t{i}"), "value": format!("t{i}")}))
        .collect();
    let path = format!("/interactions/{}/{}/callback", ac.id, ac.token);
    let (status, body) = raw(
        &fake,
        reqwest::Method::POST,
        &path,
        json!({"type": 8, "data": {"choices": choices}}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    assert!(body["errors"]["data"]["choices"].is_object(), "{body}");
    assert_eq!(fake.violations()[0].field.as_deref(), Some("data.choices"));
    assert!(
        handle.responses().is_empty(),
        "a refused callback does not acknowledge"
    );
}

#[tokio::test]
async fn unknown_route_is_answered_404_and_recorded() {
    let fake = FakeDiscord::start().await;
    let (status, body) = raw(
        &fake,
        reqwest::Method::GET,
        "/guilds/1/audit-logs",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("404: Not Found"))
    );
    let request = fake.requests().pop().expect("recorded");
    assert_eq!(
        (request.path.as_str(), request.route, request.status),
        ("/guilds/1/audit-logs", None, 404)
    );
    assert_eq!(fake.violations()[0].rule, Rule::UnknownRoute);
}

#[tokio::test]
async fn a_second_acknowledgement_and_a_late_one_are_refused() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let reply = || {
        CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("hi"))
    };

    let first = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    cmd.create_response(&bot.http, reply())
        .await
        .expect("the first acknowledgement is fine");
    let again = cmd
        .create_response(&bot.http, reply())
        .await
        .expect_err("the second is refused");
    assert!(
        again.to_string().contains("already been acknowledged"),
        "{again}"
    );
    assert_eq!(first.responses().len(), 1);

    let late = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    late.age_by(Duration::from_millis(3100));
    let err = cmd
        .create_response(&bot.http, reply())
        .await
        .expect_err("too late");
    assert!(err.to_string().contains("Unknown interaction"), "{err}");

    let rules: Vec<Rule> = fake.violations().iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::Interaction, Rule::Interaction]);
}

#[tokio::test]
async fn follow_ups_work_for_15_minutes() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let handle = fake
        .send_command(ids.moderator, ids.questions, "next", [])
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    cmd.defer_ephemeral(&bot.http).await.expect("deferring");
    let thinking = handle
        .original()
        .expect("a deferred response has an original message");
    assert!(thinking
        .flags
        .is_some_and(|f| f.contains(MessageFlags::LOADING)));
    let edit = serenity::all::EditInteractionResponse::new().content("done");
    let (http, cmd2) = (bot.http.clone(), cmd.clone());
    tokio::spawn(async move {
        cmd2.edit_response(&http, edit)
            .await
            .expect("editing @original")
    });
    assert_eq!(handle.settled_original().await.content, "done");
    assert!(
        fake.messages(ids.questions).is_empty(),
        "ephemeral messages are not in the channel"
    );

    cmd.create_followup(
        &bot.http,
        CreateInteractionResponseFollowup::new().content("more"),
    )
    .await
    .expect("a follow-up");
    handle.age_by(Duration::from_secs(15 * 60));
    let err = cmd
        .create_followup(
            &bot.http,
            CreateInteractionResponseFollowup::new().content("late"),
        )
        .await
        .expect_err("the token expired");
    assert!(err.to_string().contains("Invalid Webhook Token"), "{err}");
    assert_eq!(handle.followups().len(), 1);
}

#[tokio::test]
async fn enforced_nonce_returns_the_existing_message() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let channel = Ids::FIXED.announcements;
    let post = || {
        CreateMessage::new()
            .content("Starting soon")
            .nonce(Nonce::String("announce-42".into()))
            .enforce_nonce(true)
    };

    let first = channel.send_message(&http, post()).await.expect("posted");
    let second = channel.send_message(&http, post()).await.expect("answered");
    assert_eq!(first.id, second.id);
    assert_eq!(fake.messages(channel).len(), 1);

    let unenforced = CreateMessage::new()
        .content("again")
        .nonce(Nonce::String("announce-42".into()));
    channel
        .send_message(&http, unenforced)
        .await
        .expect("posted");
    assert_eq!(
        fake.messages(channel).len(),
        2,
        "without enforce_nonce the nonce does not dedupe"
    );
    fake.assert_no_violations();
}

#[tokio::test]
async fn threads_are_private_unless_public_is_asked_for() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let channel = Ids::FIXED.questions;

    let private = channel
        .create_thread(&http, CreateThread::new("Q&A: private"))
        .await
        .expect("a thread");
    assert_eq!(private.kind, ChannelType::PrivateThread);
    let public = channel
        .create_thread(
            &http,
            CreateThread::new("Q&A: public").kind(ChannelType::PublicThread),
        )
        .await
        .expect("a thread");
    assert_eq!(public.kind, ChannelType::PublicThread);

    let message = channel
        .send_message(&http, CreateMessage::new().content("Talk: Rust"))
        .await
        .expect("posted");
    let on_message = channel
        .create_thread_from_message(&http, message.id, CreateThread::new("Q&A: Rust"))
        .await
        .expect("a thread");
    assert_eq!(
        (on_message.id.get(), on_message.kind),
        (message.id.get(), ChannelType::PublicThread)
    );

    let edited = on_message
        .id
        .edit_thread(&http, EditThread::new().archived(true).locked(true))
        .await
        .expect("edited");
    let meta = edited.thread_metadata.expect("a thread has metadata");
    assert!(meta.archived && meta.locked);
    assert_eq!(fake.threads().len(), 3);
    fake.assert_no_violations();
}

#[tokio::test]
async fn reactions_and_dm_channels() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let ids = Ids::FIXED;
    let message = ids
        .general
        .send_message(&http, CreateMessage::new().content("Vote"))
        .await
        .expect("posted");
    message.react(&http, '👍').await.expect("reacted");
    let reacted = fake.message(message.id).expect("exists");
    assert_eq!(reacted.reactions.len(), 1);
    assert!(reacted.reactions[0].me);

    let dm = ids
        .attendee
        .create_dm_channel(&http)
        .await
        .expect("a DM channel");
    dm.id
        .send_message(&http, CreateMessage::new().content("Your talk starts soon"))
        .await
        .expect("sent");
    assert_eq!(fake.dm_channel(ids.attendee), Some(dm.id));
    assert_eq!(fake.messages(dm.id)[0].content, "Your talk starts soon");
    fake.assert_no_violations();
}

#[tokio::test]
async fn interactions_carry_the_members_permissions_and_roles() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let mut seen = Vec::new();
    for user in [ids.attendee, ids.moderator, ids.admin] {
        let _ = fake.send_command(user, ids.general, "next", []).await;
        let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
            panic!("a command")
        };
        let member = cmd.member.expect("guild interactions have a member");
        seen.push((
            member.permissions.expect("computed permissions"),
            member.roles,
        ));
    }
    use serenity::all::Permissions as P;
    assert!(!seen[0].0.manage_threads() && !seen[0].0.manage_guild());
    assert!(seen[1].0.contains(P::MANAGE_THREADS) && seen[1].1 == [ids.moderator_role]);
    assert!(seen[2].0.contains(P::MANAGE_GUILD) && seen[2].1 == [ids.admin_role]);
}

#[tokio::test]
async fn a_method_the_fake_does_not_serve_is_answered_405_and_recorded() {
    let fake = FakeDiscord::start().await;
    let path = format!("/channels/{}", Ids::FIXED.general);
    let (status, body) = raw(&fake, reqwest::Method::PUT, &path, Value::Null).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (405, Some("405: Method Not Allowed"))
    );
    assert_eq!(fake.violations()[0].rule, Rule::UnknownRoute);
}

#[tokio::test]
#[should_panic(expected = "is not a valid value for option")]
async fn a_test_cannot_send_an_option_value_discord_would_not() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;
    // `track` is a string option: Discord's client could never send a number for it.
    let _ = fake
        .send_command(ids.attendee, ids.general, "next", [("track", json!(5))])
        .await;
}
