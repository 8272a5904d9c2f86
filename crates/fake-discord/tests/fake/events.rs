//! Scheduled events: the routes as Discord answers them (the 100-event cap, the status rules,
//! a missing permission), bodies checked against the spec, and the dispatches a bot gets only
//! with the GUILD_SCHEDULED_EVENTS intent.

use fake_discord::{FakeDiscord, Fault, Ids, Rule};
use serde_json::{json, Value};
use serenity::all::Permissions;
use serenity::all::{
    Context, EventHandler, GatewayIntents, GuildScheduledEventUserAddEvent,
    GuildScheduledEventUserRemoveEvent, ScheduledEvent, ScheduledEventId, ScheduledEventStatus,
};
use serenity::async_trait;
use tokio::sync::mpsc;

use crate::support::{code, http, Mode, PATIENCE};

fn external(name: &str, location: &str) -> Value {
    json!({
        "name": name,
        "description": "Talks and speakers",
        "scheduled_start_time": "2030-05-01T09:00:00Z",
        "scheduled_end_time": "2030-05-01T10:30:00Z",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": location},
    })
}

#[tokio::test]
async fn an_external_event_is_created_listed_moved_through_its_statuses_and_deleted() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;

    let made = http
        .create_scheduled_event(guild, &external("Keynote", "Main hall"), None)
        .await
        .expect("created");
    assert_eq!(made.status, ScheduledEventStatus::Scheduled);
    assert_eq!(made.creator_id, Some(Ids::FIXED.bot));
    assert_eq!(
        made.metadata.and_then(|m| m.location).as_deref(),
        Some("Main hall")
    );

    fake.press_interested(made.id, Ids::FIXED.attendee);
    let listed = http
        .get_scheduled_events(guild, true)
        .await
        .expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].user_count, Some(1));
    let users = http
        .get_scheduled_event_users(guild, made.id, None, None, None)
        .await
        .expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user.id, Ids::FIXED.attendee);

    let renamed = http
        .edit_scheduled_event(guild, made.id, &json!({"name": "Opening keynote"}), None)
        .await
        .expect("renamed");
    assert_eq!(renamed.name, "Opening keynote");
    for status in [2, 3] {
        http.edit_scheduled_event(guild, made.id, &json!({"status": status}), None)
            .await
            .expect("scheduled → active → completed");
    }
    let got = http
        .get_scheduled_event(guild, made.id, false)
        .await
        .expect("a completed event can still be read");
    assert_eq!(got.status, ScheduledEventStatus::Completed);
    assert!(
        http.get_scheduled_events(guild, false)
            .await
            .unwrap()
            .is_empty(),
        "the list leaves completed events out"
    );
    fake.assert_no_violations();

    let refused = http
        .edit_scheduled_event(guild, made.id, &json!({"status": 2}), None)
        .await
        .expect_err("nothing leaves completed");
    assert_eq!(code(&refused).map(|c| c.0), Some(400));
    assert_eq!(fake.violations().len(), 1, "{:#?}", fake.violations());

    http.delete_scheduled_event(guild, made.id)
        .await
        .expect("deleted");
    assert!(fake.scheduled_events().is_empty());
    let gone = http
        .get_scheduled_event(guild, made.id, false)
        .await
        .expect_err("deleted events are unknown");
    assert_eq!(code(&gone), Some((404, 10070)));
}

#[tokio::test]
async fn a_scheduled_event_may_be_cancelled_but_not_completed_without_starting() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;
    let made = http
        .create_scheduled_event(guild, &external("Panel", "Room B"), None)
        .await
        .unwrap();
    let skipped = http
        .edit_scheduled_event(guild, made.id, &json!({"status": 3}), None)
        .await
        .expect_err("scheduled → completed is not a transition");
    assert_eq!(code(&skipped).map(|c| c.0), Some(400));
    http.edit_scheduled_event(guild, made.id, &json!({"status": 4}), None)
        .await
        .expect("scheduled → cancelled");
    assert_eq!(
        fake.scheduled_events()[0].status,
        ScheduledEventStatus::Canceled
    );
}

#[tokio::test]
async fn the_hundred_event_cap_counts_organisers_events_and_answers_30038() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    for i in 0..100 {
        fake.seed_event(
            &format!("Meetup {i}"),
            "2030-05-01T18:00:00Z",
            "2030-05-01T19:00:00Z",
            "Bar",
        );
    }
    let full = http
        .create_scheduled_event(Ids::FIXED.guild, &external("One more", "Hall"), None)
        .await
        .expect_err("the guild is full");
    assert_eq!(code(&full), Some((400, 30038)));
    assert!(
        fake.violations().is_empty(),
        "a full guild is not the bot's fault"
    );

    let first = fake.scheduled_events()[0].id;
    assert_eq!(
        fake.scheduled_events()[0].creator_id,
        Some(Ids::FIXED.admin)
    );
    fake.delete_event_by_hand(first);
    http.create_scheduled_event(Ids::FIXED.guild, &external("One more", "Hall"), None)
        .await
        .expect("room again under the cap");
}

#[tokio::test]
async fn manage_events_alone_no_longer_creates_as_discord_split_them_in_february_2026() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;
    let own = http
        .create_scheduled_event(guild, &external("Keynote", "Hall"), None)
        .await
        .expect("Create Events creates");
    let theirs = fake.seed_event(
        "Meetup",
        "2030-05-01T19:00:00Z",
        "2030-05-01T20:00:00Z",
        "The bar",
    );
    let rename = json!({"name": "Renamed"});
    let refused = http
        .edit_scheduled_event(guild, theirs, &rename, None)
        .await
        .expect_err("someone else's event needs Manage Events");
    assert_eq!(code(&refused), Some((403, 50013)));

    fake.set_bot_permission(Permissions::CREATE_EVENTS, false);
    fake.set_bot_permission(Permissions::MANAGE_EVENTS, true);
    let refused = http
        .create_scheduled_event(guild, &external("Poster session", "Hall"), None)
        .await
        .expect_err("Manage Events alone does not create");
    assert_eq!(code(&refused), Some((403, 50013)));
    http.edit_scheduled_event(guild, own.id, &rename, None)
        .await
        .expect("Manage Events edits any event");
    http.edit_scheduled_event(guild, theirs, &rename, None)
        .await
        .expect("Manage Events edits any event");

    fake.set_bot_permission(Permissions::MANAGE_EVENTS, false);
    let refused = http
        .delete_scheduled_event(guild, own.id)
        .await
        .expect_err("neither permission");
    assert_eq!(code(&refused), Some((403, 50013)));
    fake.set_bot_permission(Permissions::CREATE_EVENTS, true);
    http.delete_scheduled_event(guild, own.id)
        .await
        .expect("Create Events deletes the bot's own");
}

#[tokio::test]
async fn a_location_over_100_characters_is_a_spec_violation() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let long = "x".repeat(101);
    let refused = http
        .create_scheduled_event(Ids::FIXED.guild, &external("Keynote", &long), None)
        .await
        .expect_err("refused");
    assert_eq!(code(&refused), Some((400, 50035)));
    let violations = fake.violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, Rule::Spec);
    assert!(fake.scheduled_events().is_empty());

    let mut no_end = external("Keynote", "Hall");
    no_end["scheduled_end_time"] = Value::Null;
    http.create_scheduled_event(Ids::FIXED.guild, &no_end, None)
        .await
        .expect_err("an external event needs an end");
    assert_eq!(fake.violations().len(), 2);
}

enum Seen {
    Created(Box<ScheduledEvent>),
    Deleted(ScheduledEventId),
    Added(GuildScheduledEventUserAddEvent),
    Removed(GuildScheduledEventUserRemoveEvent),
}

struct Watcher(mpsc::UnboundedSender<Seen>);

#[async_trait]
impl EventHandler for Watcher {
    async fn guild_scheduled_event_create(&self, _: Context, event: ScheduledEvent) {
        let _ = self.0.send(Seen::Created(Box::new(event)));
    }
    async fn guild_scheduled_event_delete(&self, _: Context, event: ScheduledEvent) {
        let _ = self.0.send(Seen::Deleted(event.id));
    }
    async fn guild_scheduled_event_user_add(&self, _: Context, e: GuildScheduledEventUserAddEvent) {
        let _ = self.0.send(Seen::Added(e));
    }
    async fn guild_scheduled_event_user_remove(
        &self,
        _: Context,
        e: GuildScheduledEventUserRemoveEvent,
    ) {
        let _ = self.0.send(Seen::Removed(e));
    }
}

async fn watch(fake: &FakeDiscord, intents: GatewayIntents) -> mpsc::UnboundedReceiver<Seen> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut client =
        serenity::all::ClientBuilder::new_with_http(http(fake, Mode::Proxy, fake.token()), intents)
            .event_handler(Watcher(tx))
            .await
            .expect("a client");
    tokio::spawn(async move { client.start().await });
    fake.wait_until_ready(PATIENCE).await.expect("ready");
    rx
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("a dispatch in time")
        .expect("the bot runs")
}

#[tokio::test]
async fn interest_and_organisers_changes_are_dispatched_with_the_intent() {
    let fake = FakeDiscord::start().await;
    let mut seen = watch(&fake, GatewayIntents::GUILD_SCHEDULED_EVENTS).await;
    let id = fake.seed_event(
        "Meetup",
        "2030-05-01T18:00:00Z",
        "2030-05-01T19:00:00Z",
        "Bar",
    );
    assert!(matches!(next(&mut seen).await, Seen::Created(e) if e.id == id && e.name == "Meetup"));
    fake.press_interested(id, Ids::FIXED.attendee);
    assert!(matches!(next(&mut seen).await,
        Seen::Added(e) if e.scheduled_event_id == id && e.user_id == Ids::FIXED.attendee));
    fake.unpress_interested(id, Ids::FIXED.attendee);
    assert!(matches!(next(&mut seen).await,
        Seen::Removed(e) if e.scheduled_event_id == id && e.user_id == Ids::FIXED.attendee));
    fake.delete_event_by_hand(id);
    assert!(matches!(next(&mut seen).await, Seen::Deleted(e) if e == id));
    fake.assert_no_violations();
}

#[tokio::test]
async fn without_the_intent_no_event_is_dispatched() {
    let fake = FakeDiscord::start().await;
    let mut seen = watch(&fake, GatewayIntents::GUILDS).await;
    let before = fake.gateway_stats().dispatches;
    let id = fake.seed_event(
        "Meetup",
        "2030-05-01T18:00:00Z",
        "2030-05-01T19:00:00Z",
        "Bar",
    );
    fake.press_interested(id, Ids::FIXED.attendee);
    assert_eq!(fake.gateway_stats().dispatches, before);
    assert!(seen.try_recv().is_err());
}

#[tokio::test]
async fn a_voice_event_needs_a_voice_channel_and_can_become_external() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;
    let voice = fake.add_voice_channel("Hall A (live)", false);
    let mut body = external("Keynote", "Hall A");
    body["entity_type"] = json!(2);
    body["channel_id"] = json!(voice.to_string());
    body.as_object_mut().unwrap().remove("entity_metadata");
    let made = http
        .create_scheduled_event(guild, &body, None)
        .await
        .expect("a voice event");
    assert_eq!(made.channel_id, Some(voice));
    body["channel_id"] = json!(Ids::FIXED.general.to_string());
    http.create_scheduled_event(guild, &body, None)
        .await
        .expect_err("a text channel is no place for a voice event");
    assert_eq!(fake.violations().len(), 1);
    let moved = http
        .edit_scheduled_event(
            guild,
            made.id,
            &json!({"entity_type": 3, "channel_id": null, "entity_metadata": {"location": "Hall B"}}),
            None,
        )
        .await
        .expect("voice → external");
    assert_eq!(moved.channel_id, None);
    assert_eq!(
        moved.metadata.and_then(|m| m.location).as_deref(),
        Some("Hall B")
    );
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_exists_all_the_same() {
    let fake = FakeDiscord::start().await;
    let http = http(&fake, Mode::Proxy, fake.token());
    let guild = Ids::FIXED.guild;
    fake.fail_next(
        "POST",
        "/guilds/{guild_id}/scheduled-events",
        1,
        Fault::LostAfterWrite,
    );
    let lost = http
        .create_scheduled_event(guild, &external("Keynote", "Hall"), None)
        .await
        .expect_err("the answer is lost");
    assert_eq!(code(&lost).map(|(status, _)| status), Some(502), "{lost:?}");
    let listed = http.get_scheduled_events(guild, false).await.unwrap();
    assert_eq!(listed.len(), 1, "the event was made");
    assert_eq!(listed[0].name, "Keynote");
}
