//! `/setup rooms create` end to end: channels made for the program's rooms under categories
//! within Discord's limits, recorded as each room's chat and voice, never twice.

use std::sync::Arc;

use confbot::program::{import_str, ImportOptions, Program};
use fake_discord::{FakeDiscord, InteractionHandle};
use serde_json::{json, Value};
use serenity::all::{ChannelType, GuildChannel, Permissions};

use crate::helpers::{pdt, three_sessions, Mode, SteppedClock, TestBot, IDS, PATIENCE};

const CREATE: &str = "/guilds/{guild_id}/channels";

/// An organiser runs `/setup rooms create voice:<voice>`.
async fn run_create(fake: &FakeDiscord, voice: bool) -> InteractionHandle {
    fake.send_command(
        IDS.admin,
        IDS.general,
        "setup rooms create",
        [("voice", json!(voice))],
    )
    .await
}

/// The title and text of what `/setup rooms create` answered, once it is done.
async fn answer(fake: &FakeDiscord, voice: bool) -> String {
    let command = run_create(fake, voice).await;
    assert!(command.response().await.is_ephemeral());
    // Deferred: the answer is a private follow-up.
    fake.wait_for(|_| !command.followups().is_empty(), PATIENCE)
        .await
        .unwrap();
    let message = &command.followups()[0];
    assert!(message.flags.is_some_and(|f| f.bits() & 64 != 0), "private");
    let embed = &message.embeds[0];
    format!(
        "{}\n{}",
        embed.title.clone().unwrap_or_default(),
        embed.description.clone().unwrap_or_default()
    )
}

fn made_under(fake: &FakeDiscord, category: &str) -> Vec<GuildChannel> {
    let channels = fake.guild_channels();
    let Some(parent) = channels
        .iter()
        .find(|c| c.kind == ChannelType::Category && c.name == category)
    else {
        return Vec::new();
    };
    channels
        .iter()
        .filter(|c| c.parent_id == Some(parent.id))
        .cloned()
        .collect()
}

fn names(channels: &[GuildChannel]) -> Vec<(String, ChannelType)> {
    channels.iter().map(|c| (c.name.clone(), c.kind)).collect()
}

/// The bot on `program` at 9:00, before any session.
async fn at_nine(program: Program) -> TestBot {
    let clock = Arc::new(confbot::clock::FixedClock(pdt(9, 0)));
    TestBot::start_with(program, clock, Mode::Proxy).await
}

fn program_of(rooms: &[String]) -> Program {
    let sessions: Vec<Value> = rooms
        .iter()
        .enumerate()
        .map(|(i, room)| {
            json!({"id": format!("s{i}"), "title": format!("Session {i}"), "room": room,
                   "start": "2021-05-04 11:00", "end": "2021-05-04 11:30"})
        })
        .collect();
    let doc = json!({"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"},
                     "sessions": sessions});
    import_str("rooms", &doc.to_string(), &ImportOptions::default())
        .unwrap()
        .program
}

#[tokio::test]
async fn run_twice_it_makes_each_rooms_channels_once_and_announcements_go_there() {
    let clock = SteppedClock::new(pdt(9, 0));
    let bot = TestBot::start_with(three_sessions(), clock.clone(), Mode::Proxy).await;
    let fake = bot.fake.clone();
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);

    let first = answer(&fake, true).await;
    assert!(first.starts_with("Room channels made"), "{first}");
    let made = made_under(&fake, "Test Conf");
    assert_eq!(
        names(&made),
        [
            ("hall-a".to_string(), ChannelType::Text),
            ("Hall A".to_string(), ChannelType::Voice),
            ("hall-b".to_string(), ChannelType::Text),
            ("Hall B".to_string(), ChannelType::Voice),
        ]
    );
    let requests = fake.requests_to("POST", CREATE).len();
    assert_eq!(requests, 5, "a category and four channels");

    let again = answer(&fake, true).await;
    assert!(again.starts_with("Every room has its channels"), "{again}");
    assert_eq!(fake.requests_to("POST", CREATE).len(), requests);
    assert_eq!(made_under(&fake, "Test Conf").len(), 4);

    // Orals 1 in Hall A starts at 11:00: announced in its room's chat.
    clock.set(pdt(10, 50));
    let hall_a = made[0].id;
    fake.wait_for(|f| !f.messages(hall_a).is_empty(), PATIENCE)
        .await
        .unwrap();
    assert!(fake.messages(IDS.announcements).is_empty());
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_reload_that_adds_a_room_makes_only_its_channel_and_a_full_category_continues() {
    let mut rooms: Vec<String> = (1..=49).map(|n| format!("Room {n}")).collect();
    let clock = SteppedClock::new(pdt(9, 0));
    let bot = TestBot::start_with(program_of(&rooms), clock, Mode::Proxy).await;
    let fake = bot.fake.clone();
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    let first = answer(&fake, false).await;
    assert!(first.starts_with("Room channels made"), "{first}");
    assert_eq!(made_under(&fake, "Test Conf").len(), 49);

    rooms.extend(["Room 50", "Room 51"].map(String::from));
    bot.store.replace_program(&program_of(&rooms)).unwrap();
    let second = answer(&fake, false).await;
    assert!(
        second.contains("Room 50") && second.contains("Room 51"),
        "{second}"
    );
    assert_eq!(made_under(&fake, "Test Conf").len(), 50);
    assert_eq!(
        names(&made_under(&fake, "Test Conf 2")),
        [("room-51".to_string(), ChannelType::Text)]
    );
    assert_eq!(fake.requests_to("POST", CREATE).len(), 1 + 49 + 1 + 1 + 1);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn without_manage_channels_one_clear_answer_and_nothing_is_made() {
    let bot = at_nine(three_sessions()).await;
    let reply = run_create(&bot.fake, true).await.response().await;
    assert!(reply.is_ephemeral());
    let text = format!("{reply:?}");
    assert!(text.contains("Manage Channels"), "{text}");
    assert!(bot.fake.requests_to("POST", CREATE).is_empty());
    bot.fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn hostile_room_names_give_valid_channels_and_ping_nobody() {
    let rooms = [
        format!("<@{}> @everyone **Hall**", IDS.attendee),
        format!("\u{202E}שלום\u{200B} {}", "long ".repeat(200)),
        "!!!".to_string(),
    ];
    let bot = at_nine(program_of(&rooms)).await;
    let fake = bot.fake.clone();
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    let first = answer(&fake, true).await;
    assert!(first.starts_with("Room channels made"), "{first}");
    let made = made_under(&fake, "Test Conf");
    assert_eq!(made.len(), 6);
    for channel in &made {
        assert!(channel.name.chars().count() <= 100, "{}", channel.name);
        assert!(!channel.name.contains('<') && !channel.name.contains('\u{200B}'));
    }
    let texts: Vec<String> = made
        .iter()
        .filter(|c| c.kind == ChannelType::Text)
        .map(|c| c.name.clone())
        .collect();
    assert!(texts.contains(&"room".to_string()), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.starts_with("שלום-long-")),
        "{texts:?}"
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_refusal_half_way_reports_what_was_made_and_a_second_run_makes_the_rest() {
    let bot = at_nine(three_sessions()).await;
    let fake = bot.fake.clone();
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    let chats = answer(&fake, false).await;
    assert!(chats.starts_with("Room channels made"), "{chats}");
    // Hall A's voice channel is refused: Hall B's is not tried, and the answer says so.
    fake.fail_next("POST", CREATE, 1, fake_discord::Fault::ServerError);
    let stopped = answer(&fake, true).await;
    assert!(stopped.starts_with("Room channels: stopped"), "{stopped}");
    assert!(stopped.contains("2 were not made"), "{stopped}");
    assert_eq!(made_under(&fake, "Test Conf").len(), 2);
    let rest = answer(&fake, true).await;
    assert!(rest.starts_with("Room channels made"), "{rest}");
    assert!(rest.contains("Hall A") && rest.contains("Hall B"), "{rest}");
    assert_eq!(
        made_under(&fake, "Test Conf").len(),
        4,
        "nothing made twice"
    );
    bot.stop().await;
}

#[tokio::test]
async fn rooms_that_differ_only_in_case_are_one_room_with_one_chat_and_one_voice() {
    // Settings match a room's name in any case, so "HALL A" and "Hall A" share one route: a
    // channel made for each would leave one of them unused while the answer says it is in use.
    let rooms = ["Hall A", "HALL A", "hall a"].map(String::from);
    let (bot, fake) = allowed_at_nine(&rooms).await;
    let first = answer(&fake, true).await;
    assert!(first.starts_with("Room channels made"), "{first}");
    let made = made_under(&fake, "Test Conf");
    assert_eq!(made.len(), 2, "{:?}", names(&made));
    let routes = bot
        .store
        .guild_settings(confbot::ids::GuildId(IDS.guild.get()))
        .unwrap()
        .routes;
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert!(made.iter().any(|c| c.id.get() == routes[0].1 .0));
    for channel in &made {
        assert!(first.contains(&format!("<#{}>", channel.id)), "{first}");
    }
    assert_eq!(first.matches("<#").count(), 2, "{first}");
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn rooms_whose_names_read_alike_get_channels_told_apart_also_on_a_later_run() {
    let mut rooms = ["Hall A", "Hall-A", "Hall A!"].map(String::from).to_vec();
    let (bot, fake) = allowed_at_nine(&rooms).await;
    answer(&fake, false).await;
    // A reload adds one more that Discord would name the same.
    rooms.push("hall a?".into());
    bot.store.replace_program(&program_of(&rooms)).unwrap();
    answer(&fake, false).await;
    let mut made: Vec<String> = made_under(&fake, "Test Conf")
        .iter()
        .map(|c| c.name.clone())
        .collect();
    made.sort();
    assert_eq!(made, ["hall-a", "hall-a-2", "hall-a-3", "hall-a-4"]);
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn setup_show_pages_list_every_room_of_a_big_server_whole() {
    let rooms: Vec<String> = (1..=40).map(|n| format!("Lecture Hall {n}")).collect();
    let (bot, fake) = allowed_at_nine(&rooms).await;
    answer(&fake, true).await;
    let handle = fake
        .send_command(IDS.admin, IDS.general, "setup show", [])
        .await;
    let response = handle.response().await;
    assert!(response.is_ephemeral());
    let message = handle.original().expect("a message").id;
    // Each page's Next button names the page after it.
    let next = |components: &[Value]| {
        components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["custom_id"].as_str().map(String::from))
            .nth(1)
            .expect("Previous and Next")
    };
    let count: usize = response.embeds[0]["footer"]["text"]
        .as_str()
        .and_then(|f| f.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("Page 1 of n");
    let mut pages = vec![response.clone()];
    for _ in 1..count {
        let pressed = next(&pages.last().unwrap().components);
        pages.push(
            fake.click(message, &pressed, IDS.admin)
                .await
                .response()
                .await,
        );
    }
    let mut shown = String::new();
    for page in &pages {
        for (_, value) in crate::helpers::fields(&page.embeds[0]) {
            assert!(!value.ends_with('…'), "a field cut short: {value}");
            shown += &value;
        }
    }
    for room in &rooms {
        // Its route, and its places (voice and chat).
        assert_eq!(shown.matches(&format!("**{room}**")).count(), 2, "{room}");
    }
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_second_run_while_the_first_makes_channels_makes_nothing_and_says_so() {
    // An admin who sees "thinking…" for a while runs it again: the two would plan from the same
    // server and make every channel twice.
    let rooms: Vec<String> = (1..=30).map(|n| format!("Room {n}")).collect();
    let (bot, fake) = allowed_at_nine(&rooms).await;
    let first = run_create(&fake, true).await;
    let second = run_create(&fake, true).await;
    // A deferred answer ends in a follow-up; a refusal is the response itself.
    let done = |h: &InteractionHandle| {
        !h.followups().is_empty() || h.responses().iter().any(|r| r.kind == 4)
    };
    let said = |h: &InteractionHandle| format!("{:?} {:?}", h.followups(), h.responses());
    let waited = fake
        .wait_for(|_| done(&first) && done(&second), PATIENCE)
        .await;
    assert!(waited.is_ok(), "{}\n{}", said(&first), said(&second));
    // One is refused; or, on a machine slow enough that the first ended before the second
    // came, the second found nothing to make.
    let second_made_nothing = [&first, &second]
        .iter()
        .filter(|h| {
            let said = said(h);
            said.contains("making the rooms' channels in this server already")
                || said.contains("Every room has its channels")
        })
        .count();
    assert_eq!(
        second_made_nothing,
        1,
        "{}\n{}",
        said(&first),
        said(&second)
    );
    let made: Vec<GuildChannel> = fake
        .guild_channels()
        .into_iter()
        .filter(|c| c.parent_id.is_some())
        .collect();
    assert_eq!(
        made.len(),
        60,
        "a chat and a voice each: {:?}",
        names(&made)
    );
    fake.assert_no_violations();
    bot.stop().await;
}

#[tokio::test]
async fn a_rooms_channel_deleted_on_discord_is_made_again_by_the_next_run() {
    // An organiser deletes #hall-a by mistake: the room's route names a channel that is gone,
    // and its sessions would go nowhere, while the command said every room had its channels.
    let rooms = ["Hall A", "Hall B"].map(String::from);
    let (bot, fake) = allowed_at_nine(&rooms).await;
    answer(&fake, true).await;
    let gone: Vec<GuildChannel> = made_under(&fake, "Test Conf")
        .into_iter()
        .filter(|c| c.name == "hall-a" || c.name == "Hall A")
        .collect();
    assert_eq!(gone.len(), 2, "its chat and its voice");
    for channel in &gone {
        fake.proxy_http()
            .delete_channel(channel.id, None)
            .await
            .unwrap();
    }
    let again = answer(&fake, true).await;
    assert!(again.starts_with("Room channels made"), "{again}");
    let made = made_under(&fake, "Test Conf");
    assert_eq!(names(&made).len(), 4, "{:?}", names(&made));
    let guild = confbot::ids::GuildId(IDS.guild.get());
    let routes = bot.store.guild_settings(guild).unwrap().routes;
    let voices = bot.store.event_rooms(guild).unwrap();
    for channel in routes
        .iter()
        .map(|r| r.1)
        .chain(voices.iter().map(|v| v.channel_id))
    {
        assert!(
            made.iter().any(|c| c.id.get() == channel.0),
            "{channel:?} is gone"
        );
    }
    fake.assert_no_violations();
    bot.stop().await;
}

/// [`at_nine`] on a program of `rooms`, the bot allowed to make channels.
async fn allowed_at_nine(rooms: &[String]) -> (TestBot, FakeDiscord) {
    let bot = at_nine(program_of(rooms)).await;
    let fake = bot.fake.clone();
    fake.set_bot_permission(Permissions::MANAGE_CHANNELS, true);
    (bot, fake)
}
