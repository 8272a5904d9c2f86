//! `confbot doctor` against the loopback Discord: a server set up right passes; the same server
//! misconfigured (a channel overwrite, a role without Create Events, a room's voice channel the
//! bot may not manage, a server the bot left) fails with a line for each, and the fake refuses
//! what the doctor said the bot may not do.

use std::process::Output;

use confbot::ids;
use confbot::store::Store;
use fake_discord::{FakeDiscord, OverwriteTarget};
use poise::serenity_prelude::Permissions;
use serde_json::json;

use crate::helpers::{bundled_program, start_fake, three_sessions_json, IDS};
use crate::program_server::{Answer, ProgramServer};

/// Runs `confbot doctor` on `db` against `fake`, rehearsing from before the bundled program so
/// that it has sessions to come.
async fn doctor(fake: &FakeDiscord, db: &std::path::Path) -> (Output, String) {
    doctor_with(fake, db, &[]).await
}

async fn doctor_with(
    fake: &FakeDiscord,
    db: &std::path::Path,
    env: &[(&str, &str)],
) -> (Output, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_confbot"))
        .arg("doctor")
        .env_clear()
        .envs(fake.bot_env())
        .env("CONFBOT_DB", db)
        .env("CONFBOT_REHEARSE_FROM", "2021-05-03T00:00:00Z")
        .envs(env.iter().copied())
        .output()
        .await
        .expect("confbot doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

/// The printed line about `subject`.
fn line<'a>(printed: &'a str, subject: &str) -> &'a str {
    printed
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(subject))
        .unwrap_or_else(|| panic!("no line about {subject} in:\n{printed}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_good_setup_and_names_each_thing_a_misconfigured_one_lacks() {
    let fake = start_fake().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let store = Store::open(&db).unwrap();
    store.replace_program(&bundled_program()).unwrap();
    let guild = ids::GuildId::from(IDS.guild);
    store
        .set_announce_channel(guild, IDS.announcements.into())
        .unwrap();
    store
        .set_route(guild, "Orals", Some(IDS.questions.into()))
        .unwrap();
    store.set_event_mirror(guild, true, 48, 20).unwrap();

    let (output, printed) = doctor(&fake, &db).await;
    assert!(output.status.success(), "{printed}");
    assert!(line(&printed, "Discord").starts_with("OK"), "{printed}");
    assert!(
        line(&printed, "#announcements").starts_with("OK"),
        "{printed}"
    );
    assert!(line(&printed, "#questions").starts_with("OK"), "{printed}");
    assert!(
        line(&printed, "program").contains("next session"),
        "{printed}"
    );
    assert!(printed.contains("Everything confbot needs is in place."));

    // An organiser's edits the evening before.
    let everyone = OverwriteTarget::Role(IDS.everyone_role);
    let bot_role = OverwriteTarget::Role(IDS.bot_role);
    let none = Permissions::empty();
    fake.set_channel_overwrite(IDS.announcements, everyone, none, Permissions::EMBED_LINKS);
    fake.set_channel_overwrite(IDS.questions, bot_role, none, Permissions::SEND_MESSAGES);
    fake.set_bot_permission(Permissions::CREATE_EVENTS, false);
    let hall = fake.add_voice_channel("Hall A", false);
    store
        .set_event_room(guild, "Hall A", hall.into(), false)
        .unwrap();
    store
        .set_announce_channel(ids::GuildId(4242), ids::ChannelId(4243))
        .unwrap();

    let (output, printed) = doctor(&fake, &db).await;
    assert_eq!(output.status.code(), Some(1), "{printed}");
    let announcements = line(&printed, "#announcements");
    assert!(announcements.starts_with("MISSING"), "{printed}");
    assert!(announcements.contains("Embed Links"), "{announcements}");
    assert!(!announcements.contains("Send Messages"), "{announcements}");
    let questions = line(&printed, "#questions");
    assert!(questions.contains("Send Messages, to post"), "{questions}");
    assert!(questions.contains("Fix: allow these for confbot in #questions"));
    let server = format!("server {}", IDS.guild);
    let events = printed
        .lines()
        .find(|l| l.contains(&server) && l.starts_with("MISSING"))
        .unwrap_or_else(|| panic!("no server line missing something:\n{printed}"));
    assert!(events.contains("Create Events"), "{events}");
    let room = line(&printed, "#Hall");
    assert!(
        room.to_lowercase().contains("set voice channel status"),
        "{room}"
    );
    assert!(room.contains("Manage Channels"), "{room}");
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("MISSING") && l.contains("4242") && l.contains("not a member")),
        "{printed}"
    );
    assert!(line(&printed, "program").starts_with("OK"), "{printed}");

    // Discord (the fake) agrees: the bot cannot post where the doctor said it cannot.
    let refused = fake
        .proxy_http()
        .send_message(IDS.questions, Vec::new(), &json!({"content": "test"}))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Missing Permissions"),
        "{refused}"
    );
    fake.proxy_http()
        .send_message(IDS.general, Vec::new(), &json!({"content": "test"}))
        .await
        .expect("other channels still take posts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_asks_the_live_source_and_stores_nothing_it_answers() {
    let fake = start_fake().await;
    let (_dir, db, store) = announcing_database();
    let server = ProgramServer::start(three_sessions_json()).await;
    let url = server.url().to_string();
    let env = [("CONFBOT_PROGRAM_URL", url.as_str())];

    let (output, printed) = doctor_with(&fake, &db, &env).await;
    assert!(output.status.success(), "{printed}");
    let source = printed
        .lines()
        .find(|l| l.contains("live source"))
        .unwrap_or_else(|| panic!("no live source line:\n{printed}"));
    assert!(
        source.starts_with("OK") && source.contains("3 sessions"),
        "{source}"
    );
    // Asking is not importing: the program is still the bundled one.
    assert_eq!(
        store.conference().unwrap().unwrap().name,
        bundled_program().conference().name
    );
    assert_eq!(store.source_state().unwrap(), None);

    server.answer(Answer::Status(503));
    let (output, printed) = doctor_with(&fake, &db, &env).await;
    assert_eq!(output.status.code(), Some(1), "{printed}");
    let source = printed.lines().find(|l| l.contains("live source")).unwrap();
    assert!(
        source.starts_with("MISSING") && source.contains("503"),
        "{source}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_room_needs_no_stage_moderators_permissions_and_a_stage_no_voice_status() {
    let fake = FakeDiscord::start().await;
    let (_dir, db, store) = announcing_database();
    let guild = ids::GuildId::from(IDS.guild);
    for needed in [
        Permissions::CONNECT,
        Permissions::MANAGE_CHANNELS,
        Permissions::SET_VOICE_CHANNEL_STATUS,
    ] {
        fake.set_bot_permission(needed, true);
    }
    // Only a stage's topic needs a stage moderator's Mute and Move Members.
    fake.set_bot_permission(Permissions::MUTE_MEMBERS, false);
    fake.set_bot_permission(Permissions::MOVE_MEMBERS, false);
    let hall = fake.add_voice_channel("Hall A", false);
    store
        .set_event_room(guild, "Hall A", hall.into(), false)
        .unwrap();

    let (output, printed) = doctor(&fake, &db).await;
    assert!(line(&printed, "#Hall").starts_with("OK"), "{printed}");
    assert!(output.status.success(), "{printed}");

    let stage = fake.add_voice_channel("Main Stage", true);
    store
        .set_event_room(guild, "Orals", stage.into(), true)
        .unwrap();
    let (output, printed) = doctor(&fake, &db).await;
    assert_eq!(output.status.code(), Some(1), "{printed}");
    let missing = line(&printed, "#Main");
    assert!(
        missing.starts_with("MISSING") && missing.contains("Mute Members"),
        "{printed}"
    );

    // A voice channel's status is not a stage's: only the voice room misses it.
    fake.set_bot_permission(Permissions::MUTE_MEMBERS, true);
    fake.set_bot_permission(Permissions::MOVE_MEMBERS, true);
    fake.set_bot_permission(Permissions::SET_VOICE_CHANNEL_STATUS, false);
    let (_, printed) = doctor(&fake, &db).await;
    assert!(line(&printed, "#Main").starts_with("OK"), "{printed}");
    let missing = line(&printed, "#Hall");
    assert!(
        missing.starts_with("MISSING") && missing.contains("Set Voice Channel"),
        "{printed}"
    );
}

/// A database file with the bundled program, announcing in #announcements: its folder (kept
/// while the test runs), its path and the store on it.
fn announcing_database() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let store = Store::open(&db).unwrap();
    store.replace_program(&bundled_program()).unwrap();
    store
        .set_announce_channel(IDS.guild.into(), IDS.announcements.into())
        .unwrap();
    (dir, db, store)
}
