//! The Events tab mirror's decisions: what each session's scheduled event says ([`draft`]),
//! what one sync must do to bring a guild's events in line with the program ([`plan`]), and
//! what a listing of Discord's events says about confbot's records ([`reconcile`]), and
//! whether an event of confbot's was edited by hand ([`note_hand_edit`]). Plain
//! functions of the store, the program and `now`; the tick in `jobs/mirror.rs` carries
//! them out through [`crate::domain::ports::EventPublisher`].
//!
//! The window: sessions running now or starting within `hours`, soonest first, at most
//! `max_events` of them and never more than the room Discord's cap of 100 open events leaves
//! beside the organisers' own events (which confbot never touches). A session whose event an
//! organiser deleted by hand (seen on the gateway or, while confbot was away, at the next
//! listing) keeps its place out of the mirror until `/setup events` is run again; one edited by
//! hand is put back, since the program is the source of truth for confbot's events.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::ports::{EventChannel, EventDraft, ListedEvent};
use crate::domain::rooms::Rooms;
use crate::ids::{ChannelId, EventId, GuildId};
use crate::program::{Link, SessionSlot};
use crate::reply::{escaped, limits, truncate};
use crate::store::{EventMirror, EventStatus, MirroredEvent, Store};

/// The event of a session: its title; its talks and speakers; the voice or stage channel an
/// admin gave its room, else its stream when it fits an event's location, else its room (or
/// track).
pub fn draft(store: &Store, session: &SessionSlot, rooms: &Rooms) -> anyhow::Result<EventDraft> {
    let talks = store.talks_of_session(&session.id)?;
    let lines: Vec<String> = talks
        .iter()
        .map(|t| {
            let speakers: Vec<&str> = t.talk.speakers.iter().map(|p| p.name.as_str()).collect();
            if speakers.is_empty() {
                format!("• {}", escaped(&t.talk.title))
            } else {
                format!(
                    "• {} — {}",
                    escaped(&t.talk.title),
                    escaped(&speakers.join(", "))
                )
            }
        })
        .collect();
    let description = if lines.is_empty() {
        escaped(&session.title)
    } else {
        lines.join("\n")
    };
    let room = session.place().unwrap_or("See the program");
    let channel = rooms
        .places()
        .voices
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(room))
        .map(|r| EventChannel {
            id: r.channel_id,
            stage: r.stage,
        });
    let stream = rooms.way_in(session, None, session.start).stream;
    let place = stream
        .as_ref()
        .filter(|link| link.len() <= limits::EVENT_LOCATION)
        .map_or(room, Link::as_str);
    Ok(EventDraft {
        name: truncate(&session.title, limits::EVENT_NAME),
        description: truncate(&description, limits::EVENT_DESCRIPTION),
        location: truncate(place, limits::EVENT_LOCATION),
        channel,
        start: session.start,
        end: session.end,
    })
}

/// One step of a sync, in the order [`plan`] gives them: deletions first (they make room),
/// then edits and status changes, then new events soonest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The session is gone, out of the window or over the limit: delete its event.
    Delete { session_id: String, event: EventId },
    /// The session's event was deleted by hand and the session is over or gone: drop the
    /// record.
    Forget { session_id: String },
    /// The session ended: the event goes to completed (through active, if it never started).
    Complete {
        session_id: String,
        event: EventId,
        started: bool,
    },
    /// The program changed the session: rewrite its event.
    Edit {
        session_id: String,
        event: EventId,
        draft: EventDraft,
        started: bool,
    },
    /// The session started: the event goes active.
    Start { session_id: String, event: EventId },
    /// The session entered the window.
    Create {
        session_id: String,
        draft: EventDraft,
    },
}

/// What one sync of a guild does, and what did not fit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Sessions in the window left without an event.
    pub left_out: u32,
    /// Discord's cap (beside the organisers' events), not `max_events`, left them out.
    pub left_out_by_cap: bool,
}

/// The room Discord's cap leaves confbot beside `foreign` events of the organisers.
pub fn cap_room(foreign: u32) -> u32 {
    limits::GUILD_EVENTS.saturating_sub(foreign)
}

/// What a sync of `mirror`'s guild must do at `now`.
pub fn plan(store: &Store, mirror: &EventMirror, now: DateTime<Utc>) -> anyhow::Result<Plan> {
    let horizon = now + TimeDelta::hours(i64::from(mirror.hours));
    let mut sessions = store.sessions_running_at(now)?;
    sessions.extend(store.sessions_starting_between(now, horizon)?);
    let mut seen = HashSet::new();
    sessions.retain(|s| seen.insert(s.id.clone()));
    sessions.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));

    let records: HashMap<String, MirroredEvent> = store
        .mirrored_events(mirror.guild_id)?
        .into_iter()
        .map(|r| (r.session_id.clone(), r))
        .collect();
    // A session with an event keeps it; one without gets one only before it starts, since
    // Discord refuses an event that starts in the past.
    let candidates: Vec<&SessionSlot> = sessions
        .iter()
        .filter(|s| match records.get(s.id.as_str()) {
            Some(r) => r.event_id.is_some(),
            None => s.start > now,
        })
        .collect();
    let rooms = Rooms::of(store, Some(mirror.guild_id))?;
    let room = cap_room(mirror.foreign_events);
    // A mirror turned off keeps nothing: its events are deleted, or completed if over.
    let budget = match mirror.enabled {
        true => mirror.max_events.min(room) as usize,
        false => 0,
    };
    let chosen = &candidates[..budget.min(candidates.len())];
    let left_out = match mirror.enabled {
        true => (candidates.len() - chosen.len()) as u32,
        false => 0,
    };
    let mut plan = Plan {
        left_out,
        left_out_by_cap: left_out > 0 && room < mirror.max_events,
        ..Plan::default()
    };

    let chosen_ids: HashSet<&str> = chosen.iter().map(|s| s.id.as_str()).collect();
    let in_window: HashSet<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    let mut updates = Vec::new();
    // Records in start order, so the steps come soonest first.
    let mut ordered: Vec<&MirroredEvent> = records.values().collect();
    ordered.sort_by(|a, b| (a.start, &a.session_id).cmp(&(b.start, &b.session_id)));
    for record in ordered {
        let session_id = record.session_id.clone();
        let Some(event) = record.event_id else {
            if !in_window.contains(session_id.as_str()) {
                let over = store.session(&session_id)?.is_none_or(|s| s.end <= now);
                if over {
                    plan.actions.push(Action::Forget { session_id });
                }
            }
            continue;
        };
        if chosen_ids.contains(session_id.as_str()) {
            continue;
        }
        let ended = store.session(&session_id)?.filter(|s| s.end <= now);
        if ended.is_some() {
            updates.push(Action::Complete {
                session_id,
                event,
                started: record.status == EventStatus::Active,
            });
        } else {
            plan.actions.push(Action::Delete { session_id, event });
        }
    }
    plan.actions.extend(updates);
    for session in chosen {
        let Some(record) = records.get(session.id.as_str()) else {
            continue;
        };
        let event = record
            .event_id
            .expect("chosen sessions have an event or none yet");
        let draft = draft(store, session, &rooms)?;
        let started = record.status == EventStatus::Active;
        let same = record.name == draft.name
            && record.description == draft.description
            && record.location == draft.location
            && record.channel_id == draft.channel.map(|c| c.id)
            && record.start == draft.start
            && record.end == draft.end;
        // Started first: an active event's start cannot change, so a session moved to a
        // time already past is rewritten in what Discord still allows rather than refused.
        let starting = !started && session.start <= now;
        if starting {
            plan.actions.push(Action::Start {
                session_id: session.id.to_string(),
                event,
            });
        }
        if !same {
            plan.actions.push(Action::Edit {
                session_id: session.id.to_string(),
                event,
                draft,
                started: started || starting,
            });
        }
    }
    for session in chosen {
        if !records.contains_key(session.id.as_str()) {
            plan.actions.push(Action::Create {
                session_id: session.id.to_string(),
                draft: draft(store, session, &rooms)?,
            });
        }
    }
    Ok(plan)
}

/// What a listing of the guild's events says about confbot's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Sessions whose event is gone though confbot never deleted it: someone did, so it stays
    /// deleted until `/setup events`, as a deletion seen on the gateway does.
    pub deleted: Vec<String>,
    /// Sessions whose unanswered create did make their event: (session, event), adopted.
    pub adopted: Vec<(String, EventId)>,
    /// Sessions whose unanswered create made nothing: the next sync may create them again.
    pub unmade: Vec<String>,
    /// Events confbot made that no session claims (one it deleted without the answer, an
    /// attempt from before records of attempts): deleted, so no session has two.
    pub orphans: Vec<EventId>,
    /// Sessions whose event someone started: (session, status as listed).
    pub statuses: Vec<(String, EventStatus)>,
    /// The organisers' open events.
    pub foreign: u32,
}

/// A place as an event shows it: the channel it is held in, or its location.
#[derive(Debug, PartialEq, Eq)]
enum Place<'a> {
    Channel(ChannelId),
    Location(&'a str),
}

/// What an event says, as far as confbot sets it; the start only while it is scheduled (an
/// active event's start cannot change).
#[derive(Debug, PartialEq, Eq)]
struct Says<'a> {
    name: &'a str,
    description: &'a str,
    place: Place<'a>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl<'a> Says<'a> {
    fn record(r: &'a MirroredEvent, started: bool) -> Says<'a> {
        Says {
            name: &r.name,
            description: &r.description,
            place: r
                .channel_id
                .map_or(Place::Location(&r.location), Place::Channel),
            start: (!started).then_some(r.start),
            end: Some(r.end),
        }
    }

    fn draft(d: &'a EventDraft, started: bool) -> Says<'a> {
        Says {
            name: &d.name,
            description: &d.description,
            place: d
                .channel
                .map_or(Place::Location(&d.location), |c| Place::Channel(c.id)),
            start: (!started).then_some(d.start),
            end: Some(d.end),
        }
    }

    fn listed(l: &'a ListedEvent) -> Says<'a> {
        Says {
            name: &l.name,
            description: &l.description,
            place: l
                .channel_id
                .map_or(Place::Location(&l.location), Place::Channel),
            start: (l.status != EventStatus::Active).then_some(l.start),
            end: l.end,
        }
    }
}

/// Compares confbot's records with Discord's list.
pub fn reconcile(records: &[MirroredEvent], listed: &[ListedEvent]) -> Reconciled {
    let by_id: HashMap<EventId, &ListedEvent> = listed.iter().map(|l| (l.event_id, l)).collect();
    let mut claimed: HashSet<EventId> = records.iter().filter_map(|r| r.event_id).collect();
    let mut out = Reconciled {
        foreign: listed.iter().filter(|l| !l.mine).count() as u32,
        ..Reconciled::default()
    };
    for record in records {
        if record.creating {
            // Its own unclaimed event that says exactly what the attempt sent.
            let made = listed.iter().find(|l| {
                l.mine
                    && !claimed.contains(&l.event_id)
                    && Says::listed(l) == Says::record(record, l.status == EventStatus::Active)
            });
            match made {
                Some(l) => {
                    claimed.insert(l.event_id);
                    out.adopted.push((record.session_id.clone(), l.event_id));
                }
                None => out.unmade.push(record.session_id.clone()),
            }
            continue;
        }
        let Some(event) = record.event_id else {
            continue;
        };
        match by_id.get(&event) {
            None => out.deleted.push(record.session_id.clone()),
            Some(l) if l.status != record.status => {
                out.statuses.push((record.session_id.clone(), l.status))
            }
            Some(_) => {}
        }
    }
    out.orphans = listed
        .iter()
        .filter(|l| l.mine && !claimed.contains(&l.event_id))
        .map(|l| l.event_id)
        .collect();
    out
}

/// `listed` is one of confbot's events as Discord shows it now (listed, or dispatched as
/// changed). If it says neither what confbot last wrote nor what the program wants, someone
/// edited it by hand: its record takes what it says, so the next sync's plan puts it back, and
/// the repair is counted for `/setup show`. Whether it was edited by hand.
pub fn note_hand_edit(store: &Store, guild: GuildId, listed: &ListedEvent) -> anyhow::Result<bool> {
    let Some(mut record) = store
        .mirrored_events(guild)?
        .into_iter()
        .find(|r| r.event_id == Some(listed.event_id))
    else {
        return Ok(false);
    };
    let started = listed.status == EventStatus::Active;
    if Says::listed(listed) == Says::record(&record, started) {
        return Ok(false);
    }
    // What confbot is writing right now (its own edit's dispatch may come before the record).
    if let Some(session) = store.session(&record.session_id)? {
        let wanted = draft(store, &session, &Rooms::of(store, Some(guild))?)?;
        if Says::listed(listed) == Says::draft(&wanted, started) {
            return Ok(false);
        }
    }
    record.name.clone_from(&listed.name);
    record.description.clone_from(&listed.description);
    record.location.clone_from(&listed.location);
    record.channel_id = listed.channel_id;
    record.start = listed.start;
    record.end = listed.end.unwrap_or(record.end);
    store.save_mirrored_event(guild, &record)?;
    store.count_event_repairs(guild, 1)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GuildId;
    use crate::program::{import_str, ImportOptions};
    use crate::testing::pdt;

    const GUILD: GuildId = GuildId(7);

    /// Five sessions on the hour from 9:00, 45 minutes each.
    fn store() -> Store {
        let sessions: Vec<String> = (9..14)
            .map(|h| {
                format!(
                    r#"{{"id": "s{h}", "title": "At {h}", "room": "Hall",
                        "start": "2021-05-04 {h:02}:00", "end": "2021-05-04 {h:02}:45"}}"#
                )
            })
            .collect();
        let doc = format!(
            r#"{{"conference": {{"name": "C", "time_zone": "America/Los_Angeles"}},
                "sessions": [{}]}}"#,
            sessions.join(",")
        );
        let program = import_str("five", &doc, &ImportOptions::default())
            .unwrap()
            .program;
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&program).unwrap();
        store
    }

    fn mirror(store: &Store, max: u32, foreign: u32) -> EventMirror {
        store.set_event_mirror(GUILD, true, 24, max).unwrap();
        store.record_event_listing(GUILD, foreign).unwrap();
        store.event_mirror(GUILD).unwrap().unwrap()
    }

    fn creates(plan: &Plan) -> Vec<&str> {
        plan.actions
            .iter()
            .filter_map(|a| match a {
                Action::Create { session_id, .. } => Some(session_id.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_window_is_cut_to_the_room_the_cap_leaves_soonest_first() {
        let store = store();
        let now = pdt(6, 0);
        let all = store
            .sessions_starting_between(now, now + TimeDelta::hours(24))
            .unwrap();
        assert_eq!(all.len(), 5);
        let plan = plan(&store, &mirror(&store, 50, 97), now).unwrap();
        let soonest: Vec<&str> = all.iter().take(3).map(|s| s.id.as_str()).collect();
        assert_eq!(creates(&plan), soonest);
        assert_eq!(plan.left_out as usize, all.len() - 3);
        assert!(plan.left_out_by_cap);

        let plan = super::plan(&store, &mirror(&store, 2, 0), now).unwrap();
        assert_eq!(creates(&plan), soonest[..2]);
        assert!(!plan.left_out_by_cap, "max, not the cap, limits it");
    }

    #[test]
    fn an_external_events_location_is_the_stream_when_it_fits_and_a_voice_room_wins() {
        let store = store();
        let session = store.first_session_from(pdt(6, 0)).unwrap().unwrap();
        let place = session.place().unwrap().to_string();
        let set = |stream: &str| {
            let change = crate::store::RoomChange {
                stream: Some(Link::parse(stream).unwrap()),
                ..Default::default()
            };
            store.change_room(GUILD, &place, &change).unwrap();
            draft(&store, &session, &Rooms::of(&store, Some(GUILD)).unwrap()).unwrap()
        };
        assert_eq!(
            set("https://youtu.be/live").location,
            "https://youtu.be/live"
        );
        let long = format!("https://example.org/{}", "a".repeat(100));
        assert_eq!(set(&long).location, place, "too long for a location");
        let voice = crate::store::RoomChange {
            voice: Some((crate::ids::ChannelId(3), false)),
            ..Default::default()
        };
        store.change_room(GUILD, &place, &voice).unwrap();
        let held = set("https://youtu.be/live");
        assert_eq!(held.channel.map(|c| c.id), Some(crate::ids::ChannelId(3)));
    }

    #[test]
    fn a_recorded_event_is_started_then_completed_and_a_changed_one_edited() {
        let store = store();
        let now = pdt(6, 0);
        let session = store.first_session_from(now).unwrap().unwrap();
        let mut draft = draft(&store, &session, &Rooms::default()).unwrap();
        draft.name = "An old title".into();
        let record = MirroredEvent {
            session_id: session.id.to_string(),
            event_id: Some(EventId(1)),
            creating: false,
            name: draft.name.clone(),
            description: draft.description.clone(),
            location: draft.location.clone(),
            channel_id: None,
            start: draft.start,
            end: draft.end,
            status: EventStatus::Scheduled,
        };
        store.save_mirrored_event(GUILD, &record).unwrap();
        let m = mirror(&store, 1, 0);
        let at_start = plan(&store, &m, session.start).unwrap();
        assert!(
            matches!(
                &at_start.actions[..],
                [Action::Start { .. }, Action::Edit { started: true, .. }]
            ),
            "{at_start:?}"
        );
        let after = plan(&store, &m, session.end).unwrap();
        assert!(
            after.actions.contains(&Action::Complete {
                session_id: session.id.to_string(),
                event: EventId(1),
                started: false,
            }),
            "{after:?}"
        );
    }

    #[test]
    fn a_listing_finds_missing_events_orphans_and_the_organisers_count() {
        let record = |session: &str, event: u64| MirroredEvent {
            session_id: session.into(),
            event_id: Some(EventId(event)),
            creating: false,
            name: String::new(),
            description: String::new(),
            location: String::new(),
            channel_id: None,
            start: pdt(9, 0),
            end: pdt(10, 0),
            status: EventStatus::Scheduled,
        };
        let listed = |event: u64, mine: bool, status: EventStatus| ListedEvent {
            event_id: EventId(event),
            mine,
            status,
            name: String::new(),
            description: String::new(),
            location: String::new(),
            channel_id: None,
            start: pdt(9, 0),
            end: Some(pdt(10, 0)),
        };
        let found = reconcile(
            &[record("a", 1), record("b", 2), record("c", 3)],
            &[
                listed(1, true, EventStatus::Scheduled),
                listed(3, true, EventStatus::Active),
                listed(4, true, EventStatus::Scheduled),
                listed(5, false, EventStatus::Scheduled),
            ],
        );
        assert_eq!(found.deleted, ["b"]);
        assert_eq!(found.orphans, [EventId(4)]);
        assert_eq!(found.statuses, [("c".to_string(), EventStatus::Active)]);
        assert_eq!(found.foreign, 1);
    }

    #[test]
    fn an_unanswered_create_adopts_its_own_unclaimed_event_that_says_the_same_and_only_that() {
        let attempt = |session: &str, name: &str| MirroredEvent {
            session_id: session.into(),
            event_id: None,
            creating: true,
            name: name.into(),
            description: "Talks".into(),
            location: "Hall".into(),
            channel_id: None,
            start: pdt(9, 0),
            end: pdt(10, 0),
            status: EventStatus::Scheduled,
        };
        let listed = |event: u64, mine: bool, name: &str| ListedEvent {
            event_id: EventId(event),
            mine,
            status: EventStatus::Scheduled,
            name: name.into(),
            description: "Talks".into(),
            location: "Hall".into(),
            channel_id: None,
            start: pdt(9, 0),
            end: Some(pdt(10, 0)),
        };
        let found = reconcile(
            &[attempt("a", "Keynote"), attempt("b", "Posters")],
            &[
                listed(1, false, "Posters"),
                listed(2, true, "Keynote"),
                listed(3, true, "Something else"),
            ],
        );
        assert_eq!(found.adopted, [("a".to_string(), EventId(2))]);
        assert_eq!(found.unmade, ["b"], "an organiser's event is never adopted");
        assert_eq!(found.orphans, [EventId(3)]);
        assert!(found.deleted.is_empty());
    }
}
