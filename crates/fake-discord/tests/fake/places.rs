//! Places: guild channels made under categories within Discord's limits, voice channel
//! statuses with their permission rules, and stage instances, through serenity's own routes.

use std::time::Duration;

use fake_discord::{Bucket, Config, FakeDiscord, Ids, Rule};
use serde_json::json;
use serenity::all::{ChannelType, Permissions};

use crate::support::{code, http, Mode};

#[tokio::test]
async fn channels_are_made_under_a_category_of_at_most_fifty_and_text_names_are_normalised() {
    // Fifty-odd channels in a row, without waiting for Discord's one-second window.
    let fake = FakeDiscord::start_with(Config {
        default_bucket: Bucket {
            limit: 100,
            window: Duration::from_secs(1),
        },
        ..Config::default()
    })
    .await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;
    let refused = http
        .create_channel(guild, &json!({"name": "Rooms", "type": 4}), None)
        .await
        .unwrap_err();
    assert_eq!(
        code(&refused),
        Some((403, 50013)),
        "Manage Channels is needed"
    );

    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    let category = http
        .create_channel(guild, &json!({"name": "Fake Conf", "type": 4}), None)
        .await
        .unwrap();
    assert_eq!(category.kind, ChannelType::Category);
    let text = http
        .create_channel(
            guild,
            &json!({"name": "Hall A (main)", "type": 0, "parent_id": category.id.to_string()}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (text.name.as_str(), text.parent_id),
        ("hall-a-main", Some(category.id))
    );
    let voice = http
        .create_channel(
            guild,
            &json!({"name": "Hall A", "type": 2, "parent_id": category.id.to_string()}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (voice.name.as_str(), voice.kind),
        ("Hall A", ChannelType::Voice)
    );

    for n in 2..50 {
        let body = json!({"name": format!("room {n}"), "parent_id": category.id.to_string()});
        http.create_channel(guild, &body, None).await.unwrap();
    }
    let body = json!({"name": "one too many", "parent_id": category.id.to_string()});
    let full = http.create_channel(guild, &body, None).await.unwrap_err();
    assert_eq!(code(&full), Some((400, 50035)));
    let not_a_category = json!({"name": "x", "parent_id": text.id.to_string()});
    let wrong = http
        .create_channel(guild, &not_a_category, None)
        .await
        .unwrap_err();
    assert_eq!(code(&wrong), Some((400, 50035)));
    let long = json!({"name": "x".repeat(101)});
    assert_eq!(
        code(&http.create_channel(guild, &long, None).await.unwrap_err()),
        Some((400, 50035))
    );
    let rules: Vec<Rule> = fake.violations().iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::Request, Rule::Request, Rule::Spec]);
    assert_eq!(fake.guild_channels().len(), 4 + 51);
}

#[tokio::test]
async fn a_voice_status_needs_its_permissions_and_at_most_500_characters() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let voice = fake.add_voice_channel("Hall A", false);
    let set = |status: &str| json!({ "status": status });

    let refused = http
        .edit_voice_status(voice, &set("Keynote"), None)
        .await
        .unwrap_err();
    assert_eq!(code(&refused), Some((403, 50013)));
    fake.set_bot_permission(Permissions::SET_VOICE_CHANNEL_STATUS, true);
    let refused = http
        .edit_voice_status(voice, &set("Keynote"), None)
        .await
        .unwrap_err();
    assert_eq!(
        code(&refused),
        Some((403, 50013)),
        "not connected to voice, the bot also needs Manage Channels"
    );
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    http.edit_voice_status(voice, &set("Keynote"), None)
        .await
        .unwrap();
    assert_eq!(fake.voice_status(voice).as_deref(), Some("Keynote"));
    assert_eq!(
        http.get_channel(voice)
            .await
            .unwrap()
            .guild()
            .unwrap()
            .status
            .as_deref(),
        Some("Keynote")
    );

    let too_long = http
        .edit_voice_status(voice, &set(&"é".repeat(501)), None)
        .await
        .unwrap_err();
    assert_eq!(code(&too_long), Some((400, 50035)));
    assert_eq!(fake.voice_status(voice).as_deref(), Some("Keynote"));
    let text = http
        .edit_voice_status(Ids::FIXED.general, &set("x"), None)
        .await
        .unwrap_err();
    assert_eq!(code(&text), Some((400, 50024)));
    http.edit_voice_status(voice, &set(""), None).await.unwrap();
    assert_eq!(fake.voice_status(voice), None, "an empty status clears it");

    fake.set_voice_status_by_hand(voice, Some("Sound check"));
    assert_eq!(fake.voice_status(voice).as_deref(), Some("Sound check"));
    let rules: Vec<Rule> = fake.violations().iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::Spec, Rule::Request]);
}

#[tokio::test]
async fn a_stage_topic_changes_only_while_the_stage_is_live_and_within_120_characters() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let stage = fake.add_voice_channel("Main stage", true);
    let topic = |t: &str| json!({ "topic": t });

    let not_live = http
        .edit_stage_instance(stage, &topic("Keynote"), None)
        .await
        .unwrap_err();
    assert_eq!(
        code(&not_live),
        Some((403, 50013)),
        "a stage moderator's permissions"
    );
    for p in [
        Permissions::MANAGE_CHANNELS,
        Permissions::MUTE_MEMBERS,
        Permissions::MOVE_MEMBERS,
    ] {
        fake.set_bot_permission(p, true);
    }
    let not_live = http
        .edit_stage_instance(stage, &topic("Keynote"), None)
        .await
        .unwrap_err();
    assert_eq!(code(&not_live), Some((404, 10067)));
    assert_eq!(fake.stage_topic(stage), None);

    fake.start_stage(stage, "Welcome");
    assert_eq!(
        http.get_stage_instance(stage).await.unwrap().topic,
        "Welcome"
    );
    http.edit_stage_instance(stage, &topic("Keynote"), None)
        .await
        .unwrap();
    assert_eq!(fake.stage_topic(stage).as_deref(), Some("Keynote"));
    let long = http
        .edit_stage_instance(stage, &topic(&"t".repeat(121)), None)
        .await
        .unwrap_err();
    assert_eq!(code(&long), Some((400, 50035)));
    let empty = http
        .edit_stage_instance(stage, &topic(""), None)
        .await
        .unwrap_err();
    assert_eq!(code(&empty), Some((400, 50035)));

    let body = json!({"channel_id": stage.to_string(), "topic": "Twice"});
    let twice = http.create_stage_instance(&body, None).await.unwrap_err();
    assert_eq!(code(&twice), Some((400, 150006)));
    fake.end_stage(stage);
    assert_eq!(fake.stage_topic(stage), None);
    http.create_stage_instance(&body, None).await.unwrap();
    http.delete_stage_instance(stage, None).await.unwrap();
    let voice = fake.add_voice_channel("Hall A", false);
    let body = json!({"channel_id": voice.to_string(), "topic": "Not a stage"});
    let wrong = http.create_stage_instance(&body, None).await.unwrap_err();
    assert_eq!(code(&wrong), Some((400, 50024)));
}
