//! The DM tick at fixed times with a recording messenger: one DM per user and instant,
//! exactly once, lateness and grace, refused DMs, cached channels.

use super::*;
use crate::domain::ports::DmError;
use crate::ids::{ChannelId, MessageId, Nonce, TalkId};
use crate::store::outbox::{DeliveryState, Settled};
use crate::store::{reminder_nonce, TalkAt};
use crate::testing::{pdt, store, FakeMessenger};

const ME: UserId = UserId(42);
const YOU: UserId = UserId(43);

/// Bookmarks `talk` for `user` at `at`, reminded `minutes` before it.
fn remind(store: &Store, at: DateTime<Utc>, user: UserId, talk: &str, minutes: u32) {
    store.set_bookmark(user, talk, minutes, at).unwrap();
}

async fn tick_at(store: &Store, messenger: &FakeMessenger, now: DateTime<Utc>) -> Report {
    tick(store, messenger, now, &Rules::default())
        .await
        .unwrap()
}

/// The bundled program's talks starting at 11:00 and the first one after them.
fn talks(store: &Store) -> (TalkId, TalkId) {
    let rows = store.talks_starting_after(pdt(10, 55), 25, None).unwrap();
    let later = rows
        .iter()
        .find(|r| r.talk.start > rows[0].talk.start)
        .unwrap();
    assert_eq!(rows[0].talk.start, pdt(11, 0));
    (rows[0].talk.id.clone(), later.talk.id.clone())
}

/// The reminder lead that makes `talk`'s reminder due at 10:50, with the 11:00 talk's.
fn lead_to_10_50(store: &Store, talk: &TalkId) -> u32 {
    let start = store.talk(talk).unwrap().unwrap().talk.start;
    (start - pdt(10, 50)).num_minutes() as u32
}

#[tokio::test]
async fn a_reminder_comes_at_its_minute_once_and_not_before() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    assert_eq!(tick_at(&store, &dms, pdt(10, 49)).await, Report::default());
    let report = tick_at(&store, &dms, pdt(10, 50)).await;
    assert_eq!(report.sent, 1);
    assert_eq!(report.late, 0);
    assert_eq!(tick_at(&store, &dms, pdt(10, 51)).await, Report::default());
    let sent = dms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].channel_id, ChannelId(5042));
    assert!(
        sent[0].content.discord().contains("<t:1620151200:R>"),
        "{}",
        sent[0].content.discord()
    );
    assert_eq!(sent[0].nonce, reminder_nonce(ME, pdt(10, 50)));
}

#[tokio::test]
async fn two_talks_due_together_are_one_dm_and_other_users_their_own() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, later) = talks(&store);
    let minutes = lead_to_10_50(&store, &later);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    remind(&store, pdt(9, 0), ME, &later, minutes);
    remind(&store, pdt(9, 0), YOU, &at_11, 10);
    let report = tick_at(&store, &dms, pdt(10, 50)).await;
    assert_eq!(report.sent, 2);
    let sent = dms.sent();
    let mine = sent
        .iter()
        .find(|m| m.channel_id == ChannelId(5042))
        .unwrap();
    assert_eq!(mine.embed.fields.len(), 2, "{mine:?}");
    assert!(mine.content.discord().contains("2 of your talks"));
}

#[test]
fn a_page_of_due_reminders_holds_whole_users_and_the_next_starts_after_it() {
    let store = store();
    let (at_11, later) = talks(&store);
    let minutes = lead_to_10_50(&store, &later);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    remind(&store, pdt(9, 0), ME, &later, minutes);
    remind(&store, pdt(9, 0), YOU, &at_11, 10);
    let due = |after| {
        let page = DuePage { after, users: 1 };
        store
            .due_bookmarks(pdt(10, 50), pdt(10, 0), pdt(13, 0), &page)
            .unwrap()
    };
    let first = due(None);
    assert_eq!(first.len(), 2, "both of my talks: {first:?}");
    assert!(first
        .iter()
        .all(|b| b.user == ME && b.due_at == pdt(10, 50)));
    let second = due(Some((pdt(10, 50), ME)));
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].user, YOU);
    assert!(due(Some((pdt(10, 50), YOU))).is_empty());
}

#[tokio::test]
async fn a_crowd_larger_than_a_page_is_sent_whole_in_order_once() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, later) = talks(&store);
    let minutes = lead_to_10_50(&store, &later);
    let users = PAGE as u64 + 2;
    for user in 1..=users {
        remind(&store, pdt(9, 0), UserId(user), &at_11, 10);
    }
    // The last user of the first page has two talks due at once: still one DM.
    let last_of_page = UserId(PAGE as u64);
    remind(&store, pdt(9, 0), last_of_page, &later, minutes);
    let report = tick_at(&store, &dms, pdt(10, 50)).await;
    assert_eq!(report.sent, users as usize);
    let channels: Vec<u64> = dms.sent().iter().map(|m| m.channel_id.get()).collect();
    let expected: Vec<u64> = (1..=users).map(|user| 5000 + user).collect();
    assert_eq!(channels, expected, "each once, in claim order");
    let theirs = &dms.sent()[PAGE - 1];
    assert_eq!(theirs.embed.fields.len(), 2);
    assert_eq!(tick_at(&store, &dms, pdt(10, 51)).await, Report::default());
}

#[tokio::test]
async fn a_claim_left_by_a_crash_is_sent_once_with_its_nonce_and_a_cached_channel() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, later) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    let start = pdt(11, 0);
    // Claimed at 10:50, then the bot died before sending.
    store
        .claim_dm_reminder(
            ME,
            pdt(10, 50),
            &[TalkAt {
                talk: at_11.clone(),
                start,
            }],
            DeliveryState::Claimed,
            pdt(10, 50),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        tick_at(&store, &dms, pdt(10, 50)).await,
        Report::default(),
        "leased"
    );
    let report = tick_at(&store, &dms, pdt(10, 51)).await;
    assert_eq!(report.sent, 1);
    assert_eq!(dms.sent()[0].nonce, reminder_nonce(ME, pdt(10, 50)));
    assert_eq!(tick_at(&store, &dms, pdt(10, 52)).await, Report::default());
    // The next reminder reuses the DM channel.
    remind(&store, pdt(10, 52), ME, &later, 120);
    tick_at(&store, &dms, pdt(10, 53)).await;
    assert_eq!(dms.sent().len(), 2);
    assert_eq!(dms.opened.lock().unwrap().len(), 1, "the channel is cached");
}

#[tokio::test]
async fn a_claim_first_tried_longer_ago_than_discord_remembers_nonces_is_not_sent_again() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    // Claimed and perhaps sent at 10:50; the bot died before the answer and starts at 10:55.
    store
        .claim_dm_reminder(
            ME,
            pdt(10, 50),
            &[TalkAt {
                talk: at_11.clone(),
                start: pdt(11, 0),
            }],
            DeliveryState::Claimed,
            pdt(10, 50),
        )
        .unwrap()
        .unwrap();
    let report = tick_at(&store, &dms, pdt(10, 55)).await;
    assert_eq!((report.sent, report.missed), (0, 1));
    assert!(dms.sent().is_empty(), "a second DM would be a duplicate");
}

#[tokio::test]
async fn late_after_downtime_says_so_and_past_grace_is_never_sent() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, later) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    remind(&store, pdt(9, 0), YOU, &later, 10);
    let later_start = store.talk(&later).unwrap().unwrap().talk.start;
    // Down from 10:40 until 11:03: the 11:00 talk is within grace, so it is sent late.
    let report = tick_at(&store, &dms, pdt(11, 3)).await;
    assert_eq!((report.sent, report.late), (1, 1));
    assert!(dms.sent()[0].content.discord().contains("Late"));
    // Down until long after the later talk started: recorded as missed, never sent.
    let report = tick_at(&store, &dms, later_start + TimeDelta::minutes(30)).await;
    assert_eq!((report.sent, report.missed), (0, 1));
    assert_eq!(dms.sent().len(), 1);
    assert_eq!(
        store.dm_reminders(YOU).unwrap()[0].delivery.state,
        DeliveryState::Missed
    );
}

#[tokio::test]
async fn a_user_who_refuses_dms_is_recorded_told_once_and_not_tried_again() {
    let (store, dms) = (store(), FakeMessenger::failing(vec![DmError::Refused]));
    let (at_11, later) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    remind(&store, pdt(9, 0), ME, &later, 10);
    let report = tick_at(&store, &dms, pdt(10, 50)).await;
    assert_eq!((report.refused, report.sent), (1, 0));
    assert!(store.dms_refused_at(ME).unwrap().is_some());
    // The later talk falls due: not tried.
    let later_start = store.talk(&later).unwrap().unwrap().talk.start;
    let report = tick_at(&store, &dms, later_start - TimeDelta::minutes(10)).await;
    assert_eq!(report, Report::default());
    assert!(store.take_refusal_notice(ME).unwrap());
    assert!(!store.take_refusal_notice(ME).unwrap(), "told once");
}

#[tokio::test]
async fn paused_reminders_are_not_sent() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    store.set_reminders_paused(ME, true).unwrap();
    assert_eq!(tick_at(&store, &dms, pdt(10, 50)).await, Report::default());
    assert!(dms.sent().is_empty());
}

#[tokio::test]
async fn a_transient_error_is_retried_with_the_same_nonce_and_a_stale_channel_reopened() {
    let errors = vec![DmError::Transient("502".into()), DmError::UnknownChannel];
    let (store, dms) = (store(), FakeMessenger::failing(errors));
    let (at_11, _) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    let at = pdt(10, 50);
    assert_eq!(tick_at(&store, &dms, at).await.retrying, 1);
    assert_eq!(
        tick_at(&store, &dms, at + TimeDelta::seconds(3))
            .await
            .retrying,
        1
    );
    assert_eq!(
        store.dm_channel(ME).unwrap(),
        None,
        "the stale channel is forgotten"
    );
    let report = tick_at(&store, &dms, at + TimeDelta::seconds(4)).await;
    assert_eq!(report.sent, 1);
    assert_eq!(dms.sent()[0].nonce, reminder_nonce(ME, at));
    assert_eq!(dms.opened.lock().unwrap().len(), 2);
}

/// A one-session program in Hall A on 4 May 2021 (LA): talk `t` from `start` to `end`
/// ("HH:MM"), and talk `u` at 13:00 unless `drop_u`.
fn program(start: &str, end: &str, drop_u: bool) -> crate::program::Program {
    let u = r#", {"id": "u", "title": "Talk U", "start": "2021-05-04 13:00", "end": "2021-05-04 13:30"}"#;
    let json = format!(
        r#"{{"conference": {{"name": "C", "time_zone": "America/Los_Angeles"}}, "sessions": [
            {{"id": "s", "title": "S", "room": "Hall A", "start": "2021-05-04 10:00", "end": "2021-05-04 14:00",
              "talks": [{{"id": "t", "title": "Talk T", "start": "2021-05-04 {start}", "end": "2021-05-04 {end}"}}{}]}}]}}"#,
        if drop_u { "" } else { u }
    );
    crate::program::import_str("p", &json, &Default::default())
        .unwrap()
        .program
}

#[tokio::test]
async fn a_moved_talk_is_told_once_and_reminded_at_its_new_time() {
    let store = Store::open_in_memory().unwrap();
    store
        .replace_program(&program("11:00", "11:30", false))
        .unwrap();
    let dms = FakeMessenger::default();
    remind(&store, pdt(9, 0), ME, "t", 10);
    remind(&store, pdt(9, 0), YOU, "u", 10);
    store
        .replace_program(&program("12:00", "12:30", false))
        .unwrap();
    let report = tick_at(&store, &dms, pdt(10, 0)).await;
    assert_eq!(report.sent, 1, "only the user of the moved talk");
    assert!(
        dms.sent()[0].content.discord().contains("moved to"),
        "{}",
        dms.sent()[0].content.discord()
    );
    assert!(dms.sent()[0]
        .content
        .discord()
        .contains(&pdt(12, 0).timestamp().to_string()));
    assert_eq!(
        tick_at(&store, &dms, pdt(10, 1)).await,
        Report::default(),
        "once"
    );
    // Not at the old time; at the new one.
    assert_eq!(tick_at(&store, &dms, pdt(10, 50)).await, Report::default());
    assert_eq!(tick_at(&store, &dms, pdt(11, 50)).await.sent, 1);
    assert_eq!(dms.sent().len(), 2);
    assert_eq!(store.change_dm_states(ME).unwrap(), [DeliveryState::Sent]);
    assert!(store.change_dm_states(YOU).unwrap().is_empty());
}

#[tokio::test]
async fn a_change_dm_first_tried_longer_ago_than_discord_remembers_nonces_is_not_sent_again() {
    let store = Store::open_in_memory().unwrap();
    store
        .replace_program(&program("11:00", "11:30", false))
        .unwrap();
    let dms = FakeMessenger::default();
    remind(&store, pdt(9, 0), ME, "t", 10);
    remind(&store, pdt(9, 0), YOU, "u", 10);
    store
        .replace_program(&program("12:00", "12:30", true))
        .unwrap();
    // Both DMs claimed (and perhaps sent) at 10:00; the bot died before the answers.
    for dm in store.change_dms_due(pdt(10, 0)).unwrap() {
        assert!(store.lease(dm.delivery.id, pdt(10, 0)).unwrap());
    }
    // Resumed within Discord's memory of the nonce: sent, with the same nonce.
    let resumed = tick_at(&store, &dms, pdt(10, 2)).await;
    assert_eq!((resumed.sent, resumed.missed), (2, 0));
    let store = Store::open_in_memory().unwrap();
    store
        .replace_program(&program("11:00", "11:30", false))
        .unwrap();
    let dms = FakeMessenger::default();
    remind(&store, pdt(9, 0), ME, "t", 10);
    store
        .replace_program(&program("12:00", "12:30", false))
        .unwrap();
    let dm = store.change_dms_due(pdt(10, 0)).unwrap().remove(0);
    assert!(store.lease(dm.delivery.id, pdt(10, 0)).unwrap());
    // Retried later than that: given up, as a second DM would be a duplicate.
    let report = tick_at(&store, &dms, pdt(10, 10)).await;
    assert_eq!((report.sent, report.missed), (0, 1));
    assert!(dms.sent().is_empty());
    assert_eq!(store.change_dm_states(ME).unwrap(), [DeliveryState::Missed]);
}

#[tokio::test]
async fn a_cancelled_talk_is_told_once_and_never_reminded() {
    let store = Store::open_in_memory().unwrap();
    store
        .replace_program(&program("11:00", "11:30", false))
        .unwrap();
    let dms = FakeMessenger::default();
    remind(&store, pdt(9, 0), ME, "u", 10);
    store
        .replace_program(&program("11:00", "11:30", true))
        .unwrap();
    assert_eq!(tick_at(&store, &dms, pdt(10, 0)).await.sent, 1);
    assert!(dms.sent()[0].content.discord().contains("cancelled"));
    assert!(store.bookmarks(ME).unwrap().is_empty());
    assert_eq!(tick_at(&store, &dms, pdt(12, 50)).await, Report::default());
    assert_eq!(dms.sent().len(), 1);
}

#[tokio::test]
async fn a_reminder_links_the_announcement_of_its_session() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    let session = store.talk(&at_11).unwrap().unwrap().session;
    let guild = crate::ids::GuildId(7);
    let announced = store
        .claim_announcement(
            &crate::store::NewAnnouncement {
                guild_id: guild,
                session_id: session.id.clone(),
                lead: TimeDelta::minutes(10),
                session_starts_at: session.start,
                due_at: session.start - TimeDelta::minutes(10),
                channel_id: ChannelId(70),
                nonce: Nonce::of("n"),
            },
            DeliveryState::Claimed,
            None,
            pdt(10, 50),
        )
        .unwrap()
        .unwrap();
    store
        .settle(
            announced.delivery.id,
            Settled::Sent(MessageId(700)),
            pdt(10, 50),
        )
        .unwrap();
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    tick_at(&store, &dms, pdt(10, 50)).await;
    let field = &dms.sent()[0].embed.fields[0].value.discord();
    assert!(
        field.contains("(https://discord.com/channels/7/70/700)"),
        "{field}"
    );
}

#[tokio::test]
async fn a_crowded_instant_is_sent_early_once_and_each_dm_says_the_time_of_the_talk() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    let crowd: Vec<UserId> = (1..=200).map(UserId).collect();
    for user in &crowd {
        remind(&store, pdt(9, 0), *user, &at_11, 10);
    }
    // 200 DMs at 100 ms a slot: 20 s, started a tick (1 s) ahead of when the plan needs.
    let rules = Rules {
        budget: crate::domain::budget::Budget {
            per_request: TimeDelta::milliseconds(100),
            tick: TimeDelta::seconds(1),
        },
        ..Rules::default()
    };
    let due = pdt(10, 50);
    let run = |now| tick(&store, &dms, now, &rules);
    assert_eq!(
        run(due - TimeDelta::seconds(22)).await.unwrap(),
        Report::default()
    );
    let report = run(due - TimeDelta::seconds(21)).await.unwrap();
    assert_eq!((report.sent, report.late), (200, 0));
    assert_eq!(run(due).await.unwrap(), Report::default(), "none twice");
    let sent = dms.sent();
    assert_eq!(sent.len(), 200);
    // The claim key and nonce are the due instant's, whenever it went.
    assert_eq!(store.dm_reminders(UserId(7)).unwrap()[0].due_at, due);
    assert!(sent
        .iter()
        .any(|m| m.nonce == reminder_nonce(UserId(7), due)));
    // Not "in 10 minutes": the talk's time, in each reader's zone and the conference's.
    let text = sent[0].content.discord();
    assert!(
        text.contains("starts at <t:1620151200:t> (11:00 PDT), <t:1620151200:R>"),
        "{text}"
    );
}

#[tokio::test]
async fn a_reminder_alone_is_not_sent_early() {
    let (store, dms) = (store(), FakeMessenger::default());
    let (at_11, _) = talks(&store);
    remind(&store, pdt(9, 0), ME, &at_11, 10);
    // Its one slot is far less than a tick: it waits for the tick at its minute.
    assert_eq!(
        tick_at(&store, &dms, pdt(10, 50) - TimeDelta::seconds(1)).await,
        Report::default()
    );
    assert_eq!(tick_at(&store, &dms, pdt(10, 50)).await.sent, 1);
    assert!(!dms.sent()[0].content.discord().contains(":t>"));
}
