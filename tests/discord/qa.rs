//! Q&A end to end: moderators open and close threads, attendees ask and vote with buttons,
//! automatic Q&A on announcements, restarts and deleted threads, all through the loopback
//! Discord.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use confbot::clock::FixedClock;
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use confbot::store::{OpenedThread, QaState};
use fake_discord::{FakeDiscord, InteractionHandle};
use serde_json::{json, Value};
use serenity::model::channel::{ChannelType, Message};
use serenity::model::id::{ChannelId, MessageId, UserId};

use crate::helpers::{pdt, start_fake, three_sessions, Mode, SteppedClock, TestBot, IDS, PATIENCE};

/// The three-session program at `at`, its sessions announced in #questions.
async fn qa_bot(program: Program, at: DateTime<Utc>) -> TestBot {
    let bot = TestBot::start_with(program, Arc::new(FixedClock(at)), Mode::Proxy).await;
    bot.store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.questions.get()),
        )
        .unwrap();
    bot
}

/// The message a command ended with: its response, or the follow-up of a deferred one.
pub(crate) async fn outcome(fake: &FakeDiscord, handle: &InteractionHandle) -> Message {
    if handle.response().await.kind == 5 {
        fake.wait_for(|_| !handle.followups().is_empty(), PATIENCE)
            .await
            .expect("a deferred command follows up");
        return handle.followups().remove(0);
    }
    handle.original().expect("a message response")
}

fn description(message: &Message) -> String {
    message.embeds[0].description.clone().unwrap_or_default()
}

/// A moderator opens Q&A with `options` in #questions; the thread it names.
pub(crate) async fn open(
    bot: &TestBot,
    options: Vec<(&'static str, Value)>,
) -> (ChannelId, String) {
    let handle = bot
        .fake
        .send_command(IDS.moderator, IDS.questions, "qa open", options)
        .await;
    let answer = outcome(&bot.fake, &handle).await;
    let text = description(&answer);
    let id = text
        .split("<#")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no thread link in {text:?}"));
    (ChannelId::new(id), text)
}

/// `user` asks `question` in `thread`; the question's message.
async fn ask(bot: &TestBot, user: UserId, thread: ChannelId, question: &str) -> Message {
    let handle = bot
        .fake
        .send_command(user, thread, "ask", [("question", json!(question))])
        .await;
    let answer = outcome(&bot.fake, &handle).await;
    assert!(
        description(&answer).starts_with("Your question is in"),
        "{answer:?}"
    );
    bot.fake
        .messages(thread)
        .into_iter()
        .rev()
        .find(|m| m.embeds.first().and_then(|e| e.description.as_deref()) == Some(question))
        .expect("the question is posted in the thread")
}

/// The custom id of a message's first button.
fn button(message: &Message) -> (String, String) {
    let value = serde_json::to_value(&message.components).unwrap();
    let b = &value[0]["components"][0];
    (
        b["custom_id"].as_str().unwrap().to_string(),
        b["label"].as_str().unwrap().to_string(),
    )
}

/// `user` clicks the vote button of `question`; the label it shows afterwards.
async fn vote(bot: &TestBot, question: MessageId, user: UserId) -> String {
    let message = bot.fake.message(question).unwrap();
    let (custom_id, _) = button(&message);
    let response = bot
        .fake
        .click(question, &custom_id, user)
        .await
        .response()
        .await;
    assert_eq!(
        response.kind, 7,
        "the question's message is updated in place"
    );
    response.components[0]["components"][0]["label"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_moderator_opens_one_public_thread_for_the_session_running_here_and_again_gets_it_back() {
    let bot = qa_bot(three_sessions(), pdt(11, 5)).await;
    let (thread, answer) = open(&bot, vec![]).await;
    assert!(answer.contains("Orals 1"), "{answer}");

    let threads = bot.fake.threads();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].id, thread);
    assert_eq!(threads[0].kind, ChannelType::PublicThread);
    assert_eq!(threads[0].parent_id, Some(IDS.questions));
    assert_eq!(threads[0].name, "Q&A · Orals 1");
    let intro = &bot.fake.messages(thread)[0].embeds[0];
    let intro_text = serde_json::to_string(intro).unwrap();
    for expected in ["First talk", "Grace Hopper", "Ada Lovelace", "/ask"] {
        assert!(intro_text.contains(expected), "{expected}: {intro_text}");
    }

    let (again, answer) = open(&bot, vec![("session", json!("orals-1"))]).await;
    assert_eq!(again, thread);
    assert!(answer.contains("already open"), "{answer}");
    assert_eq!(bot.fake.threads().len(), 1, "no second thread");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn an_attendee_can_neither_open_nor_close_q_and_a() {
    let bot = qa_bot(three_sessions(), pdt(11, 5)).await;
    let refused = bot
        .fake
        .send_command(IDS.attendee, IDS.questions, "qa open", [])
        .await
        .response()
        .await;
    assert!(refused.is_ephemeral());
    assert!(refused.content.unwrap().contains("Only Q&A moderators"));
    assert!(bot.fake.threads().is_empty(), "no thread created");

    let (thread, _) = open(&bot, vec![]).await;
    let refused = bot
        .fake
        .send_command(IDS.attendee, thread, "qa close", [])
        .await
        .response()
        .await;
    assert!(refused.is_ephemeral());
    assert!(refused.content.unwrap().contains("Only Q&A moderators"));
    let channel = bot.fake.channel(thread).unwrap();
    let metadata = channel.thread_metadata.unwrap();
    assert!(!metadata.archived && !metadata.locked);
    assert_eq!(bot.fake.messages(thread).len(), 1, "only the introduction");

    let commands = bot.fake.guild_commands();
    let qa = commands.iter().find(|c| c.name == "qa").unwrap();
    assert_eq!(
        qa.default_member_permissions.map(|p| p.bits()),
        Some(1 << 34),
        "hidden from members without Manage Threads"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn three_attendees_ask_and_vote_and_top_orders_by_votes_with_a_second_vote_taken_back() {
    let bot = qa_bot(three_sessions(), pdt(11, 5)).await;
    let (thread, _) = open(&bot, vec![]).await;
    let (first, second, third) = (
        IDS.attendee,
        bot.fake.add_member("Second Attendee", &[]),
        bot.fake.add_member("Third Attendee", &[]),
    );
    let a = ask(&bot, first, thread, "How does it scale?").await;
    let b = ask(&bot, second, thread, "@everyone does it work on graphs?").await;
    let c = ask(&bot, third, thread, "Is the code public?").await;
    let shown = serde_json::to_string(&b.embeds[0]).unwrap();
    assert!(
        shown.contains(&format!("<@{second}>")),
        "the author is shown: {shown}"
    );
    for request in bot
        .fake
        .requests_to("POST", "/channels/{channel_id}/messages")
    {
        let body = request.body.unwrap();
        assert_eq!(
            body["allowed_mentions"]["parse"],
            json!([]),
            "nobody is pinged"
        );
    }

    for voter in [first, second, third] {
        vote(&bot, b.id, voter).await;
    }
    assert_eq!(vote(&bot, c.id, first).await, "▲ 1");
    assert_eq!(vote(&bot, a.id, second).await, "▲ 1");
    assert_eq!(
        vote(&bot, a.id, second).await,
        "▲ 0",
        "a second click takes the vote back"
    );

    let handle = bot
        .fake
        .send_command(IDS.moderator, thread, "qa top", [])
        .await;
    let top = handle.response().await;
    assert!(top.is_ephemeral());
    let fields: Vec<(String, String)> = crate::helpers::fields(&top.embeds[0]);
    let order: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.split(" — ").next().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("1. ▲ 3 votes", "@everyone does it work on graphs?"),
            ("2. ▲ 1 vote", "Is the code public?"),
            ("3. ▲ 0 votes", "How does it scale?"),
        ]
    );

    let top_message = handle.original().unwrap();
    let (answered, _) = button(&top_message);
    let updated = bot
        .fake
        .click(top_message.id, &answered, IDS.moderator)
        .await
        .response()
        .await;
    assert_eq!(updated.kind, 7);
    let left = crate::helpers::fields(&updated.embeds[0]);
    assert_eq!(left.len(), 2, "the answered question leaves the list");
    assert!(left[0].1.starts_with("Is the code public?"));
    bot.fake
        .wait_for(
            |f| {
                f.message(b.id).unwrap().embeds[0]
                    .footer
                    .as_ref()
                    .is_some_and(|footer| footer.text.contains("Answered"))
            },
            PATIENCE,
        )
        .await
        .expect("the question shows it was answered");

    let refused = bot
        .fake
        .click(
            top_message.id,
            &button(&bot.fake.message(top_message.id).unwrap()).0,
            first,
        )
        .await
        .response()
        .await;
    assert!(refused.is_ephemeral(), "attendees cannot mark answers");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn closing_posts_a_summary_then_archives_and_locks_the_thread() {
    let bot = qa_bot(three_sessions(), pdt(11, 5)).await;
    let (thread, _) = open(&bot, vec![]).await;
    ask(&bot, IDS.attendee, thread, "First question?").await;
    let popular = ask(&bot, IDS.moderator, thread, "Popular question?").await;
    vote(&bot, popular.id, IDS.attendee).await;

    let handle = bot
        .fake
        .send_command(IDS.moderator, thread, "qa close", [])
        .await;
    let answer = outcome(&bot.fake, &handle).await;
    assert!(description(&answer).contains("archived and locked"));
    let summary = bot.fake.messages(thread).pop().unwrap();
    let embed = &summary.embeds[0];
    assert_eq!(embed.title.as_deref(), Some("Q&A closed · Orals 1"));
    assert!(description(&summary).starts_with("2 questions asked, 0 answered"));
    let top = &embed.fields[0];
    assert_eq!(top.name, "Top unanswered");
    assert!(
        top.value.starts_with("▲ 1 · Popular question?"),
        "{}",
        top.value
    );
    let metadata = bot.fake.channel(thread).unwrap().thread_metadata.unwrap();
    assert!(metadata.archived && metadata.locked);
    let stored = bot
        .store
        .qa_thread_by_discord_id(ids::ChannelId(thread.get()))
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, QaState::Closed);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn with_auto_qa_a_rehearsed_announcement_opens_the_thread_and_the_next_links_it() {
    let clock = SteppedClock::new(pdt(10, 45));
    let bot = TestBot::start_with(three_sessions(), clock.clone(), Mode::Proxy).await;
    bot.store
        .set_announce_channel(
            ids::GuildId(IDS.guild.get()),
            ids::ChannelId(IDS.announcements.get()),
        )
        .unwrap();
    bot.fake
        .send_command(IDS.admin, IDS.general, "setup qa", [("auto", json!(true))])
        .await
        .response()
        .await;
    assert!(
        bot.store
            .qa_settings(ids::GuildId(IDS.guild.get()))
            .unwrap()
            .auto_open
    );

    clock.set(pdt(10, 50));
    bot.fake
        .wait_for(|f| !f.threads().is_empty(), PATIENCE)
        .await
        .expect("the announcement opens a thread");
    let announcement = bot.fake.messages(IDS.announcements).remove(0);
    let thread = bot.fake.threads().remove(0);
    assert_eq!(
        thread.id.get(),
        announcement.id.get(),
        "started from the announcement"
    );
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.name, "Q&A · Orals 1");
    bot.fake
        .wait_for(|f| !f.messages(thread.id).is_empty(), PATIENCE)
        .await
        .expect("the thread is introduced");

    clock.set(pdt(11, 0));
    bot.fake
        .wait_for(|f| f.messages(IDS.announcements).len() == 2, PATIENCE)
        .await
        .unwrap();
    let starting = bot.fake.messages(IDS.announcements).pop().unwrap();
    assert!(
        starting.content.contains(&format!("Q&A: <#{}>", thread.id)),
        "{}",
        starting.content
    );
    assert_eq!(bot.fake.threads().len(), 1);
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_very_long_title_names_the_thread_cut_at_a_word_within_100_characters() {
    let title = "Towards a Unified Theory of Associative Memory: Modern Hopfield Networks, Restricted Boltzmann Machines, Attention and Everything Between";
    let json = format!(
        r#"{{"conference": {{"name": "Long", "time_zone": "America/Los_Angeles"}}, "sessions": [
            {{"id": "long", "title": "{title}", "start": "2021-05-04 11:00", "end": "2021-05-04 12:00"}}]}}"#
    );
    let program = import_str("long", &json, &ImportOptions::default())
        .unwrap()
        .program;
    let bot = qa_bot(program, pdt(11, 5)).await;
    let (thread, _) = open(&bot, vec![("session", json!("long"))]).await;
    let name = bot.fake.channel(thread).unwrap().name;
    assert!(name.chars().count() <= 100, "{name}");
    let kept = name
        .strip_prefix("Q&A · ")
        .and_then(|n| n.strip_suffix('…'))
        .unwrap_or_else(|| panic!("{name}"));
    assert!(title.starts_with(kept), "{name}");
    assert!(
        title[kept.len()..].starts_with(' '),
        "cut at a word: {name}"
    );
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_vote_the_database_cannot_record_is_acknowledged_apologised_for_and_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confbot.sqlite3");
    let store = Arc::new(confbot::store::Store::open(&path).unwrap());
    store.replace_program(&three_sessions()).unwrap();
    let clock = Arc::new(FixedClock(pdt(11, 5)));
    let bot = TestBot::start_on(start_fake().await, store, clock, Mode::Proxy).await;
    let (thread, _) = open(&bot, vec![("session", json!("orals-1"))]).await;
    let question = ask(&bot, IDS.attendee, thread, "Is the vote kept?").await;

    // Another process holds the write lock for longer than the bot's busy timeout (5 s): the
    // vote cannot be written, as on a full or failing disk, only slower.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (custom_id, _) = button(&question);
    let press = bot.fake.click(question.id, &custom_id, IDS.moderator).await;
    assert_eq!(
        press.response().await.kind,
        6,
        "acknowledged in time, to be updated later"
    );
    bot.fake
        .wait_for(|_| !press.followups().is_empty(), PATIENCE)
        .await
        .expect("the voter is told");
    let told = &press.followups()[0];
    assert_eq!(told.content, confbot::error::APOLOGY);
    assert_eq!(told.flags.map(|f| f.bits() & 64), Some(64), "privately");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(bot.store.question(1).unwrap().unwrap().votes, 0, "no vote");
    assert_eq!(button(&bot.fake.message(question.id).unwrap()).1, "▲ 0");

    assert_eq!(
        vote(&bot, question.id, IDS.moderator).await,
        "▲ 1",
        "once the database can be written, the same click counts"
    );
    bot.fake.assert_no_violations();
}

#[tokio::test]
async fn questions_and_votes_survive_a_restart() {
    let clock = SteppedClock::new(pdt(11, 5));
    let bot = TestBot::start_with(three_sessions(), clock.clone(), Mode::Proxy).await;
    let (thread, _) = open(&bot, vec![("session", json!("orals-1"))]).await;
    let question = ask(&bot, IDS.attendee, thread, "Will it survive?").await;
    assert_eq!(vote(&bot, question.id, IDS.attendee).await, "▲ 1");

    let (fake, store) = bot.crash();
    let bot = TestBot::start_on(fake, store, clock, Mode::Proxy).await;
    // The dead connection may still look live: wait for the new bot's own session.
    bot.fake
        .wait_for(|f| f.gateway_stats().identifies == 2, PATIENCE)
        .await
        .unwrap();
    bot.fake.wait_until_ready(PATIENCE).await.unwrap();
    assert_eq!(
        vote(&bot, question.id, IDS.moderator).await,
        "▲ 2",
        "the button still works and the first vote is kept"
    );
    assert_eq!(
        vote(&bot, question.id, IDS.attendee).await,
        "▲ 1",
        "the attendee's vote is still known"
    );
    let top = bot
        .fake
        .send_command(IDS.moderator, thread, "qa top", [])
        .await
        .response()
        .await;
    assert_eq!(crate::helpers::fields(&top.embeds[0])[0].0, "1. ▲ 1 vote");
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_thread_deleted_on_discord_is_noticed_and_q_and_a_opens_anew() {
    let bot = qa_bot(three_sessions(), pdt(11, 5)).await;
    // A thread confbot opened earlier, since deleted: Discord no longer knows its id.
    let deleted = 999_999_999_999_u64;
    bot.store
        .qa_thread_opened(
            &OpenedThread {
                guild: ids::GuildId(IDS.guild.get()),
                session_id: &"orals-1".into(),
                talk_id: None,
                title: "Orals 1",
                channel: ids::ChannelId(IDS.questions.get()),
                thread: ids::ChannelId(deleted),
            },
            pdt(11, 0),
        )
        .unwrap();
    let (thread, answer) = open(&bot, vec![]).await;
    assert_ne!(thread.get(), deleted);
    assert!(!answer.contains("already"), "{answer}");
    assert_eq!(bot.fake.threads().len(), 1);
    let live = bot
        .store
        .qa_thread_for(ids::GuildId(IDS.guild.get()), &"orals-1".into(), None)
        .unwrap()
        .unwrap();
    assert_eq!(live.thread_id, ids::ChannelId(thread.get()));
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn three_moderators_opening_the_same_talk_at_once_make_one_thread_and_all_link_it() {
    let bot = Arc::new(qa_bot(three_sessions(), pdt(11, 5)).await);
    let opens: Vec<_> = (0..3)
        .map(|_| {
            let bot = Arc::clone(&bot);
            tokio::spawn(async move { open(&bot, vec![("talk", json!("t1"))]).await })
        })
        .collect();
    let mut threads = Vec::new();
    for open in opens {
        threads.push(open.await.unwrap().0);
    }
    assert_eq!(
        bot.fake.threads().len(),
        1,
        "one thread on Discord: {:?}",
        bot.fake.threads()
    );
    assert!(threads.iter().all(|t| *t == threads[0]), "{threads:?}");
    bot.fake.assert_no_violations();
    Arc::into_inner(bot).unwrap().stop().await;
}
