//! Feedback end to end: with `CONFBOT_FEEDBACK` on, a talk's end brings one "How was it?" into
//! its Q&A thread; ratings (one per person, a second click changes it), the comment modal,
//! `/feedback summary` counting them (with its chart), `/forget-me` removing them, and `/stats`
//! with its charts, through the real serenity client and the loopback Discord.

use std::sync::Arc;
use std::time::Duration;

use confbot::clock::FixedClock;
use confbot::ids;
use confbot::program::Program;
use confbot::store::Store;
use fake_discord::FakeDiscord;
use serde_json::json;

use crate::helpers::{
    bundled_program, pdt, start_fake, three_sessions, Mode, SteppedClock, TestBot, IDS, PATIENCE,
};
use crate::qa::{open, outcome};

/// What an ephemeral embed answer says.
async fn said(handle: &fake_discord::InteractionHandle) -> String {
    let response = handle.response().await;
    assert!(response.is_ephemeral(), "{response:?}");
    response.embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A PNG's width and height, read by a decoder other than the one that wrote it.
fn decoded_size(bytes: &[u8]) -> (usize, usize) {
    let mut png = zune_png::PngDecoder::new(std::io::Cursor::new(bytes.to_vec()));
    png.decode_raw()
        .expect("a PNG an independent decoder reads");
    png.dimensions().unwrap()
}

#[tokio::test]
async fn a_talk_that_ends_is_rated_once_per_person_commented_summarised_and_forgotten() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    store.replace_program(&three_sessions()).unwrap();
    store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.questions.get()),
        )
        .unwrap();
    let clock = SteppedClock::new(pdt(11, 5));
    let settings = confbot::jobs::Settings {
        tick_seconds: 1,
        feedback: true,
        ..Default::default()
    };
    let bot = TestBot::start_configured(start_fake().await, store, clock.clone(), settings).await;
    let (thread, _) = open(&bot, vec![("session", json!("orals-1"))]).await;

    // t1 ends at 11:15: one prompt in the session's thread, however many ticks pass.
    clock.set(pdt(11, 15) + chrono::TimeDelta::seconds(1));
    let has_prompt = |f: &FakeDiscord| {
        f.messages(thread)
            .iter()
            .any(|m| m.content.starts_with("⭐ How was it?"))
    };
    bot.fake.wait_for(has_prompt, PATIENCE).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let prompts: Vec<_> = bot
        .fake
        .messages(thread)
        .into_iter()
        .filter(|m| m.content.starts_with("⭐ How was it?"))
        .collect();
    assert_eq!(prompts.len(), 1);
    let prompt = prompts[0].id;

    let attendee = IDS.attendee;
    let first = bot.fake.click(prompt, "feedback:rate:4:t1", attendee).await;
    assert!(said(&first).await.contains("You rated **First talk** 4/5"));
    let again = bot.fake.click(prompt, "feedback:rate:5:t1", attendee).await;
    assert!(said(&again)
        .await
        .contains("changed your rating of **First talk** 5/5"));
    let other = bot
        .fake
        .click(prompt, "feedback:rate:3:t1", IDS.moderator)
        .await;
    said(&other).await;

    let comment = bot
        .fake
        .click(prompt, "feedback:comment:t1", attendee)
        .await;
    assert_eq!(
        comment.response().await.kind,
        9,
        "the Comment button opens a modal"
    );
    let written = "Loved the **demo**, @everyone should see it";
    let submitted = bot
        .fake
        .submit_modal(&comment, [("comment", written)])
        .await;
    assert!(said(&submitted)
        .await
        .contains("Your comment on **First talk** is stored"));

    let summary = bot
        .fake
        .send_command(
            IDS.admin,
            IDS.general,
            "feedback summary",
            [("talk", json!("t1"))],
        )
        .await;
    let answer = outcome(&bot.fake, &summary).await;
    let embed = &answer.embeds[0];
    let description = embed.description.clone().unwrap_or_default();
    assert!(
        description.contains("2 ratings, average 4.0 / 5"),
        "{description}"
    );
    let comments = &embed.fields[0].value;
    assert!(comments.contains(r"Loved the \*\*demo\*\*"), "{comments}");
    assert!(!comments.contains(&attendee.to_string()), "{comments}");
    // The distribution as a small chart beside the text.
    assert!(summary.response().await.is_ephemeral());
    assert_eq!(answer.attachments.len(), 1);
    let files = summary.files();
    assert_eq!(files[0].filename, "feedback.png");
    assert_eq!(decoded_size(&files[0].bytes), (300 + 2 * 16, 250));

    // Attendees may rate, not read the summary.
    let refused = bot
        .fake
        .send_command(
            attendee,
            IDS.general,
            "feedback summary",
            [("talk", json!("t1"))],
        )
        .await;
    let refused = refused.response().await;
    let refusal = refused.content.clone().unwrap_or_default();
    assert!(refusal.contains("Only admins"), "{refused:?}");

    let forget = bot
        .fake
        .send_command(attendee, IDS.general, "forget-me", [])
        .await;
    forget.response().await;
    let confirm = forget.original().unwrap();
    let done = bot
        .fake
        .click(confirm.id, "agenda:forget", attendee)
        .await
        .response()
        .await;
    let gone = done.embeds[0]["description"].as_str().unwrap().to_string();
    assert!(
        gone.contains("1 rating") && gone.contains("1 comment"),
        "{gone}"
    );
    let feedback = bot.store.talk_feedback(&"t1".into()).unwrap();
    assert_eq!(feedback.distribution, [0, 0, 1, 0, 0]);
    assert!(feedback.comments.is_empty());
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn stats_attach_charts_beside_the_text_and_name_nobody() {
    let program = bundled_program();
    let mut sessions = program.sessions().to_vec();
    sessions[0].talks[1].title = "@everyone \u{202E}look\u{200B} 🦀".into();
    let talk = sessions[0].talks[1].id.clone();
    let program = Program::new(program.conference().clone(), sessions).unwrap();
    let bot = TestBot::start_with(program, Arc::new(FixedClock(pdt(6, 0))), Mode::Proxy).await;
    for user in [IDS.attendee, IDS.moderator] {
        let user = ids::UserId(user.get());
        bot.store.set_bookmark(user, &talk, 10, pdt(6, 0)).unwrap();
        bot.store
            .rate_talk(user, &talk, crate::helpers::rating(4), pdt(6, 0))
            .unwrap();
    }

    let handle = bot
        .fake
        .send_command(IDS.admin, IDS.general, "stats", [])
        .await;
    let answer = outcome(&bot.fake, &handle).await;
    assert!(handle.response().await.is_ephemeral());
    let files = handle.files();
    let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "stats-agendas.png",
            "stats-feedback.png",
            "stats-activity.png"
        ]
    );
    assert_eq!(answer.attachments.len(), 3);
    assert_eq!(decoded_size(&files[0].bytes).0, 720);
    assert_eq!(decoded_size(&files[2].bytes).0, 24 * 28 + 2 * 16);
    let embed = &answer.embeds[0];
    let agendas = &embed.fields[0].value;
    assert!(agendas.starts_with("**2** · @everyone"), "{agendas}");
    let shown = serde_json::to_string(&answer.embeds).unwrap();
    for user in [IDS.attendee, IDS.moderator] {
        assert!(!shown.contains(&user.to_string()), "{shown}");
    }
    for name in ["ada_attendee", "mo_moderator"] {
        assert!(!shown.contains(name), "{shown}");
    }
    let mentions = handle
        .response()
        .await
        .allowed_mentions
        .expect("always set");
    assert_eq!(mentions["parse"], json!([]), "{mentions}");
    bot.fake.assert_no_violations();
    bot.stop().await;
}
