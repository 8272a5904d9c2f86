//! The tick at fixed times with a recording poster: exactly-once, lateness, retries, routing.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::ports::PostError;
use crate::ids::{ChannelId, MessageId, RoleId, SessionId};
use crate::program::{import_str, ImportOptions, Program};
use crate::store::outbox::DeliveryState;
use crate::testing::{bundled, pdt, FakePoster};

const GUILD: GuildId = GuildId(1);
const DEFAULT_CHANNEL: ChannelId = ChannelId(10);

fn store_with(program: &Program) -> Store {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(program).unwrap();
    store.set_announce_channel(GUILD, DEFAULT_CHANNEL).unwrap();
    store
}

fn store() -> Store {
    store_with(&bundled())
}

async fn tick_at(store: &Store, poster: &FakePoster, now: DateTime<Utc>) -> AnnouncementReport {
    tick(store, poster, now, &Rules::default()).await.unwrap()
}

#[tokio::test]
async fn nothing_is_posted_before_it_is_due() {
    let (store, poster) = (store(), FakePoster::default());
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 49)).await,
        AnnouncementReport::default()
    );
    assert!(poster.posted().is_empty());
}

#[tokio::test]
async fn a_due_announcement_is_posted_once_and_the_same_tick_again_posts_nothing() {
    let (store, poster) = (store(), FakePoster::default());
    let report = tick_at(&store, &poster, pdt(10, 50)).await;
    assert_eq!(
        (report.announcements.sent, report.announcements.late),
        (1, 0)
    );
    let posted = poster.posted();
    assert_eq!(posted[0].channel_id, DEFAULT_CHANNEL);
    assert_eq!(
        posted[0].nonce,
        nonce(
            GUILD,
            "2021-05-04-1100-session",
            pdt(11, 0),
            TimeDelta::minutes(10)
        )
    );
    assert!(
        posted[0]
            .content
            .discord()
            .contains("starts <t:1620151200:R> (11:00 PDT)"),
        "{}",
        posted[0].content.discord()
    );
    assert_eq!(posted[0].embed.fields.len(), 12, "every talk is listed");
    assert!(posted[0]
        .embed
        .description
        .discord()
        .contains("Moderated by Caglar Gulcehre, Jens Kober, Simon S Du"));

    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50)).await,
        AnnouncementReport::default()
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 55)).await,
        AnnouncementReport::default()
    );
    assert_eq!(poster.posted().len(), 1);

    assert_eq!(
        tick_at(&store, &poster, pdt(11, 0))
            .await
            .announcements
            .sent,
        1,
        "the starting-now announcement"
    );
    assert!(poster.posted()[1]
        .content
        .discord()
        .contains("is starting now (11:00 PDT)"));
    let sent = store.announcements(GUILD).unwrap();
    assert!(sent
        .iter()
        .all(|a| a.delivery.state == DeliveryState::Sent && a.delivery.message_id.is_some()));
}

#[tokio::test]
async fn after_downtime_only_the_latest_lead_is_posted_late_and_says_so() {
    let (store, poster) = (store(), FakePoster::default());
    let report = tick_at(&store, &poster, pdt(11, 3)).await;
    assert_eq!(
        (
            report.announcements.sent,
            report.announcements.late,
            report.announcements.missed
        ),
        (1, 1, 1)
    );
    let posted = poster.posted();
    assert!(posted[0].content.discord().contains("is starting now"));
    assert!(posted[0]
        .content
        .discord()
        .contains("This announcement is late"));
}

#[tokio::test]
async fn after_the_grace_period_announcements_are_recorded_missed_never_posted() {
    let (store, poster) = (store(), FakePoster::default());
    let report = tick_at(&store, &poster, pdt(11, 6)).await;
    assert_eq!(
        (report.announcements.sent, report.announcements.missed),
        (0, 2)
    );
    assert!(poster.posted().is_empty());
    let states: Vec<_> = store
        .announcements(GUILD)
        .unwrap()
        .iter()
        .map(|a| a.delivery.state)
        .collect();
    assert_eq!(states, [DeliveryState::Missed, DeliveryState::Missed]);
}

#[tokio::test]
async fn transient_errors_are_retried_with_the_same_nonce_until_posted_once() {
    let store = store();
    let poster = FakePoster::failing(vec![
        PostError::Transient("HTTP 500".into()),
        PostError::Transient("HTTP 500".into()),
    ]);
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50))
            .await
            .announcements
            .retrying,
        1
    );
    let at = pdt(10, 50) + TimeDelta::seconds(1);
    assert_eq!(
        tick_at(&store, &poster, at).await,
        AnnouncementReport::default(),
        "waits out its backoff"
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50) + TimeDelta::seconds(2))
            .await
            .announcements
            .retrying,
        1
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50) + TimeDelta::seconds(10))
            .await
            .announcements
            .sent,
        1
    );
    let posted = poster.posted();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].nonce,
        nonce(
            GUILD,
            "2021-05-04-1100-session",
            pdt(11, 0),
            TimeDelta::minutes(10)
        )
    );
    assert_eq!(store.announcements(GUILD).unwrap()[0].delivery.attempts, 3);
}

#[tokio::test]
async fn a_permanent_error_breaks_the_channel_without_a_retry_storm() {
    let store = store();
    let poster = FakePoster::failing(vec![PostError::Permanent("Missing Access".into())]);
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50))
            .await
            .announcements
            .failed,
        1
    );
    let report = tick_at(&store, &poster, pdt(11, 0)).await;
    assert_eq!(
        (report.announcements.failed, report.announcements.sent),
        (1, 0),
        "the broken channel gets no request"
    );
    assert!(poster.posted().is_empty());
    let health = store.channel_health(GUILD).unwrap();
    assert!(health[0].broken);
    assert_eq!(health[0].last_error.as_deref(), Some("Missing Access"));
}

#[tokio::test]
async fn a_message_discord_refuses_fails_alone_and_the_channel_stays_usable() {
    let store = store();
    let poster = FakePoster::failing(vec![PostError::Rejected(
        "400 Bad Request: Invalid Form Body".into(),
    )]);
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50))
            .await
            .announcements
            .failed,
        1
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(11, 0))
            .await
            .announcements
            .sent,
        1,
        "the next one goes out"
    );
    assert!(!store.channel_health(GUILD).unwrap()[0].broken);
}

/// The announcement of the 11:00 session ten minutes before, into the default channel.
fn eleven_oclock_ten_minutes_before(store: &Store) -> NewAnnouncement {
    let session = store.session("2021-05-04-1100-session").unwrap().unwrap();
    let lead = TimeDelta::minutes(10);
    NewAnnouncement {
        guild_id: GUILD,
        session_id: session.id.clone(),
        lead,
        session_starts_at: session.start,
        due_at: session.start - lead,
        channel_id: DEFAULT_CHANNEL,
        nonce: nonce(GUILD, &session.id, session.start, lead),
    }
}

#[tokio::test]
async fn a_claim_left_unconfirmed_by_a_crash_is_resumed_with_the_same_nonce() {
    let store = store();
    let new = eleven_oclock_ten_minutes_before(&store);
    // The process claimed it and died before confirming.
    store
        .claim_announcement(&new, DeliveryState::Claimed, None, pdt(10, 50))
        .unwrap()
        .unwrap();
    let poster = FakePoster::default();
    let within_lease = pdt(10, 50) + TimeDelta::seconds(10);
    assert_eq!(
        tick_at(&store, &poster, within_lease).await,
        AnnouncementReport::default(),
        "its poster may still be at it"
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 51))
            .await
            .announcements
            .sent,
        1
    );
    assert_eq!(poster.posted()[0].nonce, new.nonce);
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 52)).await,
        AnnouncementReport::default()
    );
}

#[tokio::test]
async fn a_claim_first_attempted_longer_ago_than_discord_remembers_nonces_is_given_up() {
    let store = store();
    let new = eleven_oclock_ten_minutes_before(&store);
    // Posted at 10:50, perhaps delivered, and the process died before the answer; it is
    // started again at 10:56, when Discord no longer recognises the nonce.
    store
        .claim_announcement(&new, DeliveryState::Claimed, None, pdt(10, 50))
        .unwrap()
        .unwrap();
    let poster = FakePoster::default();
    let report = tick_at(&store, &poster, pdt(10, 56)).await;
    assert_eq!(
        (report.announcements.sent, report.announcements.missed),
        (0, 1)
    );
    assert!(
        poster.posted().is_empty(),
        "a second post would be a duplicate"
    );
    let row = &store.announcements(GUILD).unwrap()[0];
    assert_eq!(row.delivery.state, DeliveryState::Missed);
    assert!(row
        .delivery
        .last_error
        .as_deref()
        .unwrap()
        .contains("no longer recognises its nonce"));
}

#[tokio::test]
async fn sessions_are_routed_by_track_then_room_and_the_role_is_the_only_mention() {
    let program = bundled();
    let mut sessions = program.sessions().to_vec();
    let mut posters = sessions[0].clone();
    posters.slot.id = "posters".into();
    posters.slot.title = "@everyone Posters".into();
    posters.slot.track = Some("Posters".into());
    posters.slot.room = Some("Hall B".into());
    posters.talks.clear();
    for (i, session) in sessions.iter_mut().enumerate() {
        session.slot.room = Some(format!("Hall {}", ["A", "C"][i]));
    }
    sessions.push(posters);
    let store = store_with(&Program::new(program.conference().clone(), sessions).unwrap());
    store
        .set_route(GUILD, "posters", Some(ChannelId(20)))
        .unwrap();
    store
        .set_route(GUILD, "Hall A", Some(ChannelId(30)))
        .unwrap();
    store.set_ping_role(GUILD, Some(RoleId(77))).unwrap();
    let poster = FakePoster::default();
    tick_at(&store, &poster, pdt(10, 50)).await;
    let mut posted = poster.posted();
    posted.sort_by_key(|p| p.channel_id);
    let channels: Vec<ChannelId> = posted.iter().map(|p| p.channel_id).collect();
    assert_eq!(channels, [ChannelId(20), ChannelId(30)]);
    assert!(posted[0]
        .content
        .discord()
        .starts_with("<@&77> **@everyone Posters**"));
    assert!(posted.iter().all(|p| p.mention_role == Some(RoleId(77))));
}

#[tokio::test]
async fn a_day_across_a_dst_change_is_announced_at_the_right_instants() {
    let json = r#"{"conference": {"name": "Spring", "time_zone": "Europe/Berlin"}, "sessions": [
        {"id": "early", "title": "Early", "start": "2021-03-28 01:30", "end": "2021-03-28 01:50"},
        {"id": "late", "title": "Late", "start": "2021-03-28 03:30", "end": "2021-03-28 04:00"}]}"#;
    let store = store_with(
        &import_str("dst", json, &ImportOptions::default())
            .unwrap()
            .program,
    );
    let poster = FakePoster::default();
    // 03:20 CEST is 01:20 UTC: one real hour after 01:20 CET (00:20 UTC), not two.
    let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    assert_eq!(
        tick_at(&store, &poster, at("2021-03-28T00:20:00Z"))
            .await
            .announcements
            .sent,
        1
    );
    assert_eq!(
        tick_at(&store, &poster, at("2021-03-28T01:19:59Z"))
            .await
            .announcements
            .sent,
        0
    );
    assert_eq!(
        tick_at(&store, &poster, at("2021-03-28T01:20:00Z"))
            .await
            .announcements
            .sent,
        1
    );
    let posted = poster.posted();
    assert!(
        posted[0].content.discord().contains("(01:30 CET)"),
        "{}",
        posted[0].content.discord()
    );
    assert!(
        posted[1].content.discord().contains("(03:30 CEST)"),
        "{}",
        posted[1].content.discord()
    );
}

#[tokio::test]
async fn a_guild_without_announcement_settings_gets_nothing() {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&bundled()).unwrap();
    let poster = FakePoster::default();
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50)).await,
        AnnouncementReport::default()
    );
}

#[test]
fn nonces_are_stable_short_and_distinct_per_key() {
    let at = pdt(11, 0);
    let a = nonce(GuildId(1), "s", at, TimeDelta::minutes(10));
    assert_eq!(a, nonce(GuildId(1), "s", at, TimeDelta::minutes(10)));
    assert!(a.as_str().len() <= 25);
    assert_ne!(a, nonce(GuildId(1), "s", at, TimeDelta::zero()));
    assert_ne!(a, nonce(GuildId(2), "s", at, TimeDelta::minutes(10)));
    assert_ne!(
        a,
        nonce(GuildId(1), "s", pdt(11, 5), TimeDelta::minutes(10)),
        "a moved session is new"
    );
    // FNV-1a of "1\x1fs\x1f1620151200\x1f0", checked by hand: restarts depend on it.
    assert_eq!(
        nonce(GuildId(1), "s", at, TimeDelta::zero()).as_str(),
        "cb37c3d4b829df6ce0"
    );
}

#[test]
fn the_plan_lists_each_session_and_lead_in_order() {
    let store = store();
    let settings = store.guild_settings(GUILD).unwrap();
    let planned = plan(
        &store,
        &Rules::default(),
        Some(&settings),
        pdt(10, 0),
        pdt(12, 0),
    )
    .unwrap();
    let due: Vec<_> = planned.iter().map(|p| (p.due_at, p.channel_id)).collect();
    assert_eq!(
        due,
        [
            (pdt(10, 50), Some(DEFAULT_CHANNEL)),
            (pdt(11, 0), Some(DEFAULT_CHANNEL))
        ]
    );
}

#[tokio::test]
async fn automatic_qa_opens_one_thread_on_the_first_announcement_and_the_next_links_it() {
    let (store, poster) = (store(), FakePoster::default());
    store.set_qa_auto_open(GUILD, true).unwrap();
    tick_at(&store, &poster, pdt(10, 50)).await;
    tick_at(&store, &poster, pdt(11, 0)).await;
    let threads = poster.threads.lock().unwrap().clone();
    assert_eq!(
        threads.len(),
        1,
        "one thread for the session, not one per announcement"
    );
    assert_eq!(
        threads[0].message_id,
        Some(MessageId(1001)),
        "started from the first announcement"
    );
    assert_eq!(threads[0].channel_id, DEFAULT_CHANNEL);
    let posted = poster.posted();
    assert!(!posted[0].content.discord().contains("Q&A"));
    assert!(
        posted[1].content.discord().ends_with("\nQ&A: <#2001>"),
        "{}",
        posted[1].content.discord()
    );
}

#[tokio::test]
async fn automatic_qa_skips_a_session_a_moderator_is_opening_and_removes_a_thread_it_cannot_record()
{
    let (store, poster) = (store(), FakePoster::default());
    store.set_qa_auto_open(GUILD, true).unwrap();
    let session = &SessionId::from("2021-05-04-1100-session");
    // A moderator's /qa open holds the session: the announcement does not open a second one.
    assert!(store
        .reserve_qa_opening(GUILD, session, None, pdt(10, 49))
        .unwrap());
    tick_at(&store, &poster, pdt(10, 50)).await;
    assert!(poster.threads.lock().unwrap().is_empty());

    // Released, and Discord hands back a thread id the database already has (so recording
    // it fails): the thread is removed rather than left behind.
    store.release_qa_opening(GUILD, session, None).unwrap();
    store
        .qa_thread_opened(
            &crate::store::OpenedThread {
                guild: GUILD,
                session_id: &"elsewhere".into(),
                talk_id: None,
                title: "Elsewhere",
                channel: DEFAULT_CHANNEL,
                thread: ChannelId(2001),
            },
            pdt(10, 0),
        )
        .unwrap();
    tick_at(&store, &poster, pdt(11, 0)).await;
    assert_eq!(poster.threads.lock().unwrap().len(), 1);
    assert_eq!(*poster.removed.lock().unwrap(), [ChannelId(2001)]);
    assert!(store.qa_thread_for(GUILD, session, None).unwrap().is_none());
    assert!(
        store
            .reserve_qa_opening(GUILD, session, None, pdt(11, 1))
            .unwrap(),
        "and the session is free to open again"
    );
}

#[tokio::test]
async fn without_automatic_qa_no_thread_is_opened() {
    let (store, poster) = (store(), FakePoster::default());
    tick_at(&store, &poster, pdt(10, 50)).await;
    assert_eq!(poster.posted().len(), 1);
    assert!(poster.threads.lock().unwrap().is_empty());
}

/// The bundled program with its session (and talks) shifted by `minutes`.
fn shifted(minutes: i64) -> Program {
    let program = bundled();
    let mut sessions = program.sessions().to_vec();
    let shift = TimeDelta::minutes(minutes);
    sessions[0].slot.start += shift;
    sessions[0].slot.end += shift;
    for talk in &mut sessions[0].talks {
        talk.start += shift;
        talk.end += shift;
    }
    Program::new(program.conference().clone(), sessions).unwrap()
}

#[tokio::test]
async fn a_session_moved_by_less_than_the_lead_is_not_announced_again() {
    let (store, poster) = (store(), FakePoster::default());
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50))
            .await
            .announcements
            .sent,
        1
    );
    store.replace_program(&shifted(5)).unwrap();
    let report = tick_at(&store, &poster, pdt(10, 56)).await;
    assert_eq!(
        (report.announcements.sent, report.notices.sent),
        (0, 1),
        "only the notice that it moved"
    );
    assert!(poster.posted()[1]
        .content
        .discord()
        .starts_with("**Moved:** Orals & Spotlights"));
    assert!(poster.posted()[1]
        .content
        .discord()
        .ends_with("now starts at 11:05 PDT"));
    assert_eq!(
        tick_at(&store, &poster, pdt(11, 5))
            .await
            .announcements
            .sent,
        1,
        "starting now, at the new time"
    );
}

#[tokio::test]
async fn a_session_moved_by_more_than_the_lead_is_announced_again_at_its_new_time() {
    let (store, poster) = (store(), FakePoster::default());
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 50))
            .await
            .announcements
            .sent,
        1
    );
    store.replace_program(&shifted(60)).unwrap();
    assert_eq!(
        tick_at(&store, &poster, pdt(11, 0)).await,
        AnnouncementReport {
            notices: Report {
                sent: 1,
                ..Report::default()
            },
            ..AnnouncementReport::default()
        }
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(11, 50))
            .await
            .announcements
            .sent,
        1
    );
    let posted = poster.posted();
    assert!(
        posted[2].content.discord().contains("(12:00 PDT)"),
        "{}",
        posted[2].content.discord()
    );
    assert_eq!(
        tick_at(&store, &poster, pdt(11, 50)).await,
        AnnouncementReport::default(),
        "once"
    );
}

#[tokio::test]
async fn a_cancelled_session_is_told_once_and_never_announced() {
    let (store, poster) = (store(), FakePoster::default());
    let mut sessions = bundled().sessions().to_vec();
    let mut other = sessions[0].clone();
    other.slot.id = "other".into();
    other.slot.title = "Other".into();
    other.talks.clear();
    sessions.push(other);
    store
        .replace_program(&Program::new(bundled().conference().clone(), sessions).unwrap())
        .unwrap();
    store.replace_program(&bundled()).unwrap();
    let report = tick_at(&store, &poster, pdt(10, 50)).await;
    assert_eq!((report.announcements.sent, report.notices.sent), (1, 1));
    assert_eq!(poster.posted()[0].content.discord(), "**Cancelled:** Other");
    assert_eq!(
        tick_at(&store, &poster, pdt(10, 51)).await,
        AnnouncementReport::default()
    );
}
