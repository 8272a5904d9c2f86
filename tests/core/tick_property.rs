//! The announcement tick under generated interleavings (proptest), in-process with a test
//! Discord: ticks at generated instants, downtime, crashes mid-post (a tick dropped while its
//! post hangs, before or after Discord got it), answers lost after delivery, transient,
//! permanent and refused errors, and reloads that move or cancel sessions. The test Discord
//! creates a message per post, except that it answers a post with the nonce of a message it
//! created in the same channel within five minutes with that message, as Discord does with
//! `enforce_nonce`. Then:
//!
//! - no (guild, session, lead) is announced twice, unless a move by more than the lead made
//!   the first announcement stale (the store's rule: it is announced again at its new time);
//! - every announcement that fell due while the bot ran (or at its restart) early enough in
//!   its grace period to outlast the generated crashes and retries is posted, unless its
//!   channel broke, Discord refused that message, a later lead superseded it, its session was
//!   cancelled or moved before it got out, or the bot went down before it got out;
//! - every announcement the store records as sent is a message Discord has;
//! - no change notice ("Moved: …") is posted twice.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use confbot::domain::ports::{NewThread, Outgoing, PostError, Poster};
use confbot::ids::{ChannelId, GuildId, MessageId, Nonce};
use confbot::jobs::announcements::{nonce, tick};
use confbot::jobs::delivery::Rules;
use confbot::program::{Conference, Program, Session, SessionSlot};
use confbot::store::outbox::DeliveryState;
use confbot::store::Store;
use futures_util::FutureExt;
use proptest::prelude::*;

/// Guild 1 routes tracks A and B to channels of their own (C goes to its default channel);
/// guild 2 has only its default channel.
const GUILDS: [(GuildId, ChannelId); 2] =
    [(GuildId(1), ChannelId(10)), (GuildId(2), ChannelId(20))];
const ROUTES: [(&str, ChannelId); 2] = [("A", ChannelId(11)), ("B", ChannelId(12))];
const TRACKS: [&str; 3] = ["A", "B", "C"];
/// How long Discord answers a repeated nonce with the message it already made.
const NONCE_WINDOW: TimeDelta = TimeDelta::minutes(5);
/// Faults injected per case at most: few enough that their retries (backoff, the claim's
/// lease) fit in [`MARGIN`].
const MAX_FAULTS: usize = 5;
/// An announcement must be posted if it fell due at least this long before its grace ended:
/// five crashes (a 30 s lease and a tick of up to 10 s each) fit in it, as do five transient
/// errors (backoff 2 + 4 + … + 32 s, a tick after each).
const MARGIN: TimeDelta = TimeDelta::seconds(210);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// 503: nothing was posted.
    Transient,
    /// Posted, but the answer was lost (a reset connection): the bot sees a transient error.
    LostAnswer,
    /// The process dies while the request is on its way, before Discord got it.
    CrashBefore,
    /// The process dies after Discord posted it, before the answer arrived.
    CrashAfter,
    /// Missing access: the channel is broken.
    Permanent,
    /// Discord refuses this one message.
    Rejected,
}

#[derive(Debug, Clone)]
enum Step {
    /// The bot ticks `gap` seconds after the last instant.
    Tick { gap: i64 },
    /// The bot is down for `minutes`, then starts again.
    Down { minutes: i64 },
    /// The next post meets this fault.
    Fault(Fault),
    /// A reload: each session kept, moved by minutes, or cancelled.
    Reload(Vec<Change>),
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Keep,
    Shift(i64),
    Cancel,
}

/// A message the test Discord created.
#[derive(Debug, Clone)]
struct Created {
    id: MessageId,
    channel: ChannelId,
    nonce: Nonce,
    at: DateTime<Utc>,
}

/// What happened, in order: messages created and reloads (the sessions they changed).
#[derive(Debug, Clone)]
enum Event {
    Created(Created),
    Reload(Vec<(usize, Option<DateTime<Utc>>)>),
}

/// A Discord that deduplicates by nonce and meets scripted faults.
#[derive(Default)]
struct Discord {
    now: Mutex<Option<DateTime<Utc>>>,
    faults: Mutex<VecDeque<Fault>>,
    created: Mutex<Vec<Created>>,
    log: Mutex<Vec<Event>>,
    refused: Mutex<HashSet<Nonce>>,
}

impl Discord {
    fn create(&self, message: &Outgoing) -> MessageId {
        let now = self.now.lock().unwrap().expect("the clock is set");
        let mut created = self.created.lock().unwrap();
        if let Some(same) = created.iter().find(|c| {
            c.channel == message.channel_id && c.nonce == message.nonce && now - c.at < NONCE_WINDOW
        }) {
            return same.id;
        }
        let new = Created {
            id: MessageId(1 + created.len() as u64),
            channel: message.channel_id,
            nonce: message.nonce.clone(),
            at: now,
        };
        created.push(new.clone());
        self.log.lock().unwrap().push(Event::Created(new.clone()));
        new.id
    }
}

impl Poster for Discord {
    async fn post(&self, message: &Outgoing) -> Result<MessageId, PostError> {
        let fault = self.faults.lock().unwrap().pop_front();
        match fault {
            Some(Fault::Transient) => return Err(PostError::Transient("HTTP 503".into())),
            Some(Fault::CrashBefore) => return std::future::pending().await,
            Some(Fault::Permanent) => {
                self.refused.lock().unwrap().insert(message.nonce.clone());
                return Err(PostError::Permanent("Missing Access".into()));
            }
            Some(Fault::Rejected) => {
                self.refused.lock().unwrap().insert(message.nonce.clone());
                return Err(PostError::Rejected("400 Bad Request".into()));
            }
            _ => {}
        }
        let id = self.create(message);
        match fault {
            Some(Fault::LostAnswer) => Err(PostError::Transient("connection reset".into())),
            Some(Fault::CrashAfter) => std::future::pending().await,
            _ => Ok(id),
        }
    }

    async fn open_thread(&self, _: &NewThread) -> Result<ChannelId, PostError> {
        panic!("automatic Q&A is off: no thread is opened")
    }

    async fn remove_thread(&self, _: ChannelId) -> Result<(), PostError> {
        panic!("automatic Q&A is off: no thread is removed")
    }
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

/// The program with these sessions (`None`: cancelled).
fn program(starts: &[Option<DateTime<Utc>>]) -> Program {
    let sessions = starts
        .iter()
        .enumerate()
        .filter_map(|(i, start)| {
            start.map(|start| Session {
                slot: SessionSlot {
                    id: format!("s{i}").into(),
                    title: format!("Session {i}"),
                    track: Some(TRACKS[i % TRACKS.len()].into()),
                    room: Some(format!("Room {i}")),
                    start,
                    end: start + TimeDelta::minutes(30),
                    stream: None,
                },
                moderators: Vec::new(),
                talks: Vec::new(),
            })
        })
        .collect();
    let conference = Conference {
        name: "Generated".into(),
        time_zone: chrono_tz::Europe::Berlin,
        url: None,
    };
    Program::new(conference, sessions).unwrap()
}

/// An announcement that had to be posted: it fell due at `at` for the session starting `start`.
#[derive(Debug)]
struct Obligation {
    guild: usize,
    session: usize,
    start: DateTime<Utc>,
    at: DateTime<Utc>,
    channel: ChannelId,
    nonce: Nonce,
}

/// The run: the store and Discord, the program as it is now, and what the model expects.
struct Run {
    store: Store,
    discord: Discord,
    rules: Rules,
    now: DateTime<Utc>,
    starts: Vec<Option<DateTime<Utc>>>,
    /// Every start each session had, to read nonces back.
    ever: HashSet<(usize, DateTime<Utc>)>,
    /// Per (guild, session, lead): the start it was claimed for, as the store's rows are.
    claimed: HashMap<(usize, usize, TimeDelta), DateTime<Utc>>,
    obligations: Vec<Obligation>,
    /// When each session was last changed by a reload.
    changed: HashMap<usize, DateTime<Utc>>,
    downs: Vec<DateTime<Utc>>,
    faults: usize,
}

impl Run {
    fn new(starts: Vec<DateTime<Utc>>) -> Run {
        let store = Store::open_in_memory().unwrap();
        let starts: Vec<_> = starts.into_iter().map(Some).collect();
        store.replace_program(&program(&starts)).unwrap();
        for (guild, channel) in GUILDS {
            store.set_announce_channel(guild, channel).unwrap();
        }
        for (track, channel) in ROUTES {
            store.set_route(GUILDS[0].0, track, Some(channel)).unwrap();
        }
        let ever = starts
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.unwrap()))
            .collect();
        Run {
            store,
            discord: Discord::default(),
            rules: Rules::default(),
            now: base() - TimeDelta::minutes(11),
            starts,
            ever,
            claimed: HashMap::new(),
            obligations: Vec::new(),
            changed: HashMap::new(),
            downs: Vec::new(),
            faults: 0,
        }
    }

    fn channel(&self, guild: usize, session: usize) -> ChannelId {
        let track = TRACKS[session % TRACKS.len()];
        match ROUTES.iter().find(|(name, _)| guild == 0 && *name == track) {
            Some((_, channel)) => *channel,
            None => GUILDS[guild].1,
        }
    }

    /// Ticks at `now`; a tick whose post hangs is dropped there (the process died) and the
    /// next process ticks a second later, until one completes.
    fn tick(&mut self) {
        loop {
            *self.discord.now.lock().unwrap() = Some(self.now);
            let done = tick(&self.store, &self.discord, self.now, &self.rules).now_or_never();
            match done {
                Some(result) => {
                    result.unwrap();
                    break;
                }
                None => self.now += TimeDelta::seconds(1),
            }
        }
        self.fell_due();
    }

    /// What the tick at `now` claimed, by the tick's rules: per guild and session, the latest
    /// of the due leads not yet claimed, the others superseded.
    fn fell_due(&mut self) {
        let leads = self.rules.leads.clone();
        for (guild, (guild_id, _)) in GUILDS.iter().enumerate() {
            for session in 0..self.starts.len() {
                let Some(start) = self.starts[session] else {
                    continue;
                };
                let mut due: Vec<TimeDelta> = leads
                    .iter()
                    .copied()
                    .filter(|&lead| {
                        start - lead <= self.now
                            && !self.claimed.contains_key(&(guild, session, lead))
                    })
                    .collect();
                due.sort_unstable();
                for &lead in &due {
                    self.claimed.insert((guild, session, lead), start);
                }
                if let Some(&latest) = due.first() {
                    if self.now <= start + self.rules.grace - MARGIN {
                        self.obligations.push(Obligation {
                            guild,
                            session,
                            start,
                            at: self.now,
                            channel: self.channel(guild, session),
                            nonce: nonce(*guild_id, &format!("s{session}"), start, latest),
                        });
                    }
                }
            }
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Tick { gap } => {
                self.now += TimeDelta::seconds(*gap);
                self.tick();
            }
            Step::Down { minutes } => {
                self.downs.push(self.now);
                self.now += TimeDelta::minutes(*minutes);
                self.tick();
            }
            Step::Fault(fault) => {
                if self.faults < MAX_FAULTS {
                    self.faults += 1;
                    self.discord.faults.lock().unwrap().push_back(*fault);
                }
            }
            Step::Reload(changes) => self.reload(changes),
        }
    }

    fn reload(&mut self, changes: &[Change]) {
        let mut changed = Vec::new();
        for (session, change) in changes.iter().enumerate().take(self.starts.len()) {
            let Some(start) = self.starts[session] else {
                continue;
            };
            let after = match change {
                Change::Keep => continue,
                Change::Shift(minutes) => Some(start + TimeDelta::minutes(*minutes)),
                // Session 0 stays, so a program always has a session.
                Change::Cancel if session == 0 => continue,
                Change::Cancel => None,
            };
            self.starts[session] = after;
            self.changed.insert(session, self.now);
            if let Some(after) = after {
                self.ever.insert((session, after));
                // The store forgets claims the move made stale.
                self.claimed.retain(|&(_, s, lead), claimed_for| {
                    s != session || (after - *claimed_for).abs() <= lead
                });
            }
            changed.push((session, after));
        }
        self.store.replace_program(&program(&self.starts)).unwrap();
        self.discord
            .log
            .lock()
            .unwrap()
            .push(Event::Reload(changed));
    }

    /// Runs on with every post answered until every session is past its grace.
    fn finish(&mut self) {
        let last = self.starts.iter().flatten().max().copied().unwrap();
        while self.now <= last + self.rules.grace + TimeDelta::minutes(3) {
            self.now += TimeDelta::seconds(10);
            self.tick();
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let leads = &self.rules.leads;
        let mut announcement_of = HashMap::new();
        for &(session, start) in &self.ever {
            for (guild, (guild_id, _)) in GUILDS.iter().enumerate() {
                for &lead in leads {
                    let nonce = nonce(*guild_id, &format!("s{session}"), start, lead);
                    announcement_of.insert(nonce, (guild, session, lead, start));
                }
            }
        }

        // Nothing twice: replay what Discord created against reloads, with the store's rule
        // for when an announcement becomes stale.
        let mut announced: HashMap<(usize, usize, TimeDelta), DateTime<Utc>> = HashMap::new();
        let mut notices = HashSet::new();
        for event in self.discord.log.lock().unwrap().iter() {
            match event {
                Event::Created(created) => match announcement_of.get(&created.nonce) {
                    Some(&(guild, session, lead, start)) => {
                        let previous = announced.insert((guild, session, lead), start);
                        prop_assert!(
                            previous.is_none(),
                            "guild {guild}, session s{session}, lead {lead} announced twice: for a start at {previous:?}, then at {start} ({created:?})"
                        );
                    }
                    None => prop_assert!(
                        notices.insert((created.channel, created.nonce.clone())),
                        "a change notice posted twice: {created:?}"
                    ),
                },
                Event::Reload(changed) => {
                    for &(session, after) in changed {
                        if let Some(after) = after {
                            announced.retain(|&(_, s, lead), start| {
                                s != session || (after - *start).abs() <= lead
                            });
                        }
                    }
                }
            }
        }

        // Nothing missed.
        let created = self.discord.created.lock().unwrap();
        let refused = self.discord.refused.lock().unwrap();
        for due in &self.obligations {
            let posted = created
                .iter()
                .any(|c| c.channel == due.channel && c.nonce == due.nonce);
            if posted {
                continue;
            }
            let grace_end = due.start + self.rules.grace;
            let excused = self.starts[due.session].is_none()
                || self
                    .changed
                    .get(&due.session)
                    .is_some_and(|&at| at >= due.at)
                || self
                    .store
                    .channel_broken(GUILDS[due.guild].0, due.channel)
                    .unwrap()
                || refused.contains(&due.nonce)
                || self
                    .downs
                    .iter()
                    .any(|&down| down >= due.at && down <= grace_end);
            prop_assert!(excused, "never posted: {due:?}");
        }

        // Every announcement recorded as sent is on Discord.
        for (guild_id, _) in GUILDS {
            for row in self.store.announcements(guild_id).unwrap() {
                if row.delivery.state == DeliveryState::Sent {
                    prop_assert!(
                        created.iter().any(|c| Some(c.id) == row.delivery.message_id
                            && c.nonce == row.nonce
                            && c.channel == row.channel_id),
                        "recorded as sent but not on Discord: {row:?}"
                    );
                }
            }
        }
        Ok(())
    }
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::Transient),
        4 => Just(Fault::LostAnswer),
        3 => Just(Fault::CrashBefore),
        3 => Just(Fault::CrashAfter),
        1 => Just(Fault::Permanent),
        1 => Just(Fault::Rejected),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => Just(Change::Keep),
        3 => (1i64..=20, any::<bool>()).prop_map(|(m, later)| Change::Shift(if later { m } else { -m })),
        1 => Just(Change::Cancel),
    ]
}

fn step(sessions: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        30 => (1i64..=10).prop_map(|gap| Step::Tick { gap }),
        1 => (1i64..=10).prop_map(|minutes| Step::Down { minutes }),
        4 => fault().prop_map(Step::Fault),
        2 => prop::collection::vec(change(), sessions).prop_map(Step::Reload),
    ]
}

/// Sessions starting within 20 minutes of the run's start (to the second), and the steps.
fn scenario() -> impl Strategy<Value = (Vec<i64>, Vec<Step>)> {
    (2usize..=6).prop_flat_map(|sessions| {
        (
            prop::collection::vec(0i64..20 * 60, sessions),
            prop::collection::vec(step(sessions), 20..150),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn announcements_are_posted_once_and_none_that_fell_due_is_missed(
        (offsets, steps) in scenario()
    ) {
        let starts = offsets.iter().map(|&s| base() + TimeDelta::seconds(s)).collect();
        let mut run = Run::new(starts);
        for step in &steps {
            run.step(step);
        }
        run.finish();
        run.check()?;
    }
}
