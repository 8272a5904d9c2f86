//! Reloading a changed program while the bot runs: from the CLI into its database, and by
//! uploading a file in Discord.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use confbot::ids;
use confbot::store::Store;
use fake_discord::FakeDiscord;
use serde_json::json;

use crate::helpers::{
    pdt, start_fake, three_sessions_json, until, Mode, SteppedClock, TestBot, IDS, PATIENCE,
};

/// The three-session program with Orals 1 moved from 11:00 to 11:30 and the posters cancelled.
pub fn changed_json() -> String {
    let json: serde_json::Value = serde_json::from_str(&three_sessions_json()).unwrap();
    let mut sessions = json["sessions"].as_array().unwrap().clone();
    sessions.retain(|s| s["id"] != "posters");
    let orals = &mut sessions[0];
    orals["start"] = json!("2021-05-04 11:30");
    orals["end"] = json!("2021-05-04 12:00");
    orals["talks"][0]["start"] = json!("2021-05-04 11:30");
    orals["talks"][0]["end"] = json!("2021-05-04 11:45");
    json!({"conference": json["conference"], "sessions": sessions}).to_string()
}

fn contents(fake: &FakeDiscord, channel: serenity::model::id::ChannelId) -> Vec<String> {
    fake.messages(channel)
        .into_iter()
        .map(|m| m.content)
        .collect()
}

async fn tick() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn a_cli_import_into_the_running_bots_database_is_announced_and_followed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let store = Arc::new(Store::open(&db).unwrap());
    store
        .replace_program(&crate::helpers::three_sessions())
        .unwrap();
    store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    store
        .set_route(
            ids::GuildId(IDS.guild.get()),
            "Posters",
            Some(ids::ChannelId(IDS.questions.get())),
        )
        .unwrap();
    let clock = SteppedClock::new(pdt(10, 45));
    let bot = TestBot::start_on(start_fake().await, store, clock.clone(), Mode::Proxy).await;

    let file = dir.path().join("changed.json");
    std::fs::write(&file, changed_json()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_confbot"))
        .args(["import", file.to_str().unwrap()])
        .env("CONFBOT_DB", &db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("Sessions: 0 added, 1 changed, 1 removed."),
        "{printed}"
    );

    bot.fake
        .wait_for(|f| f.messages(IDS.announcements).len() == 2, PATIENCE)
        .await
        .unwrap();
    let notices = contents(&bot.fake, IDS.announcements);
    assert_eq!(notices[0], "**Moved:** Orals 1 now starts at 11:30 PDT");
    assert_eq!(notices[1], "**Cancelled:** @everyone Posters @here");

    // The old 10:50 announcement of Orals 1 is not made; the new one is, at 11:20.
    clock.set(pdt(10, 50));
    tick().await;
    clock.set(pdt(11, 20));
    bot.fake
        .wait_for(|f| f.messages(IDS.announcements).len() == 3, PATIENCE)
        .await
        .unwrap();
    assert!(contents(&bot.fake, IDS.announcements)[2].starts_with("**Orals 1** starts <t:"));
    assert!(contents(&bot.fake, IDS.announcements)[2].contains("(11:30 PDT)"));
    clock.set(pdt(11, 30));
    until(&bot.fake, "the 11:30 announcement", |f| {
        f.messages(IDS.announcements).len() >= 4
    })
    .await;
    tick().await;
    let all = contents(&bot.fake, IDS.announcements);
    assert_eq!(all.len(), 4, "{all:#?}");
    assert!(all[3].starts_with("**Orals 1** is starting now"));
    assert!(
        bot.fake.messages(IDS.questions).is_empty(),
        "the cancelled posters are never announced"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_program_uploaded_in_discord_is_validated_first_and_answers_with_the_diff() {
    let clock = SteppedClock::new(pdt(10, 45));
    let bot = TestBot::start_with(crate::helpers::three_sessions(), clock, Mode::Proxy).await;
    let reload = |bytes: String| {
        let fake = bot.fake.clone();
        async move {
            let file = fake.upload("program.json", bytes.into_bytes());
            let handle = fake
                .send_command(
                    IDS.admin,
                    IDS.general,
                    "program reload",
                    [("file", json!(file.to_string()))],
                )
                .await;
            assert!(handle.response().await.is_ephemeral());
            fake.wait_for(|_| !handle.followups().is_empty(), PATIENCE)
                .await
                .unwrap();
            handle.followups().remove(0)
        }
    };

    let broken = changed_json().replace("2021-05-04 11:30", "half past eleven");
    let refused = reload(broken).await;
    assert!(
        refused
            .content
            .starts_with("Nothing changed: the file has an error.\nprogram.json at `sessions["),
        "{}",
        refused.content
    );
    assert_eq!(
        bot.store.load_program().unwrap().unwrap(),
        crate::helpers::three_sessions()
    );

    let accepted = reload(changed_json()).await;
    let embed = &accepted.embeds[0];
    assert_eq!(embed.title.as_deref(), Some("Program reloaded"));
    assert!(embed
        .description
        .as_ref()
        .unwrap()
        .contains("Sessions: 0 added, 1 changed, 1 removed."));
    let changes = &embed.fields[0].value;
    assert!(
        changes
            .contains("Moved session “Orals 1”: now Tue 4 May 11:30 PDT (was Tue 4 May 11:00 PDT)"),
        "{changes}"
    );
    assert!(
        changes.contains("Cancelled session “@everyone Posters @here”"),
        "{changes}"
    );

    let attendee = bot.fake.upload("program.json", changed_json().into_bytes());
    let refused = bot
        .attendee_runs("program reload", [("file", json!(attendee.to_string()))])
        .await;
    assert!(refused.content.unwrap().contains("Manage Server"));
    bot.fake.assert_no_violations();
    bot.stop().await;
}
