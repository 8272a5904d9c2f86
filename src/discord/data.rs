//! What every command handler can reach (the book of recent long lists among it), and the one
//! way to the database: [`Data::run`] runs a core function on a blocking thread with the
//! clock's `now`, at most [`DB_SLOTS`] at once
//! ([`Data::run_urgent`] ahead of the others' queue). The store is private to this module, so no
//! Discord glue can call it on the async runtime.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use super::book::Book;
use super::pacer::Pacer;
use super::slots::{Priority, Slot, Slots};
use super::stage::GatewayView;
use super::Error;
use crate::clock::Clock;
use crate::error::CommandError;
use crate::ids::GuildId;
use crate::jobs::delivery::Rules;
use crate::source::SourceHandle;
use crate::store::Store;

/// What every command handler can reach.
pub struct Data {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    rules: Rules,
    /// The organisers' server (`DISCORD_GUILD_ID`): the one program is theirs to change.
    home_guild: Option<GuildId>,
    /// Bounds the commands' database work running at once (see [`DB_SLOTS`]).
    db_slots: Slots,
    /// The live program source's poller, if `CONFBOT_PROGRAM_URL` is set.
    source: Option<SourceHandle>,
    /// The bot's one pacer: every paced request, from a command or a tick, takes its slot here.
    pacer: Arc<Pacer>,
    /// The recent long lists whose page buttons work.
    book: Book,
    /// The gateway said Ready once: a second one is a reconnection.
    ready_seen: AtomicBool,
    /// What the gateway told about rooms' channels, and whether it is current (on stage now).
    gateway_view: Arc<GatewayView>,
    /// The servers where `/setup rooms create` is making channels now.
    making_rooms: Making,
}

/// How many commands do database work at once; the others wait their turn without a thread.
/// A burst of 1,000 interactions would otherwise start 500 blocking threads (tokio's limit),
/// nearly all of them waiting for one of the store's four read connections, costing memory
/// (400 MB in the load bench) and context switches. One per core (two here) was tried, to leave
/// CPU for acknowledging Discord in a burst: it answered 15% fewer interactions a second at 50
/// in flight and did no better in the burst of 10,000 (`docs/PERFORMANCE.md`).
const DB_SLOTS: usize = 4;

/// How long an answer may take before Discord must hear something: Discord wants one within
/// 3 s, and what we send needs time to get there. A command is then deferred; an autocomplete,
/// which cannot be, offers nothing.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(1500);

impl Data {
    /// What the handlers reach, without a live source (see [`Data::with_source`]).
    pub fn new(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        rules: Rules,
        home_guild: Option<GuildId>,
        pacer: Arc<Pacer>,
    ) -> Data {
        Data {
            store,
            clock,
            rules,
            home_guild,
            db_slots: Slots::new(DB_SLOTS),
            source: None,
            pacer,
            book: Book::default(),
            ready_seen: AtomicBool::new(false),
            gateway_view: Arc::default(),
            making_rooms: Making::default(),
        }
    }

    /// What the gateway told about rooms' channels, for the stage board and the events that
    /// change it.
    pub fn gateway_view(&self) -> Arc<GatewayView> {
        Arc::clone(&self.gateway_view)
    }

    /// The same, polling the live source through `source`.
    pub fn with_source(self, source: Option<SourceHandle>) -> Data {
        Data { source, ..self }
    }

    /// The bot's pacer, for a poster made by a command (`/announce test`, `/qa open`).
    pub fn pacer(&self) -> Arc<Pacer> {
        Arc::clone(&self.pacer)
    }

    /// Whether the gateway said Ready before; from now on it has.
    pub fn saw_ready(&self) -> bool {
        self.ready_seen.swap(true, Ordering::Relaxed)
    }

    /// The servers where `/setup rooms create` is making channels now.
    pub fn making_rooms(&self) -> &Making {
        &self.making_rooms
    }

    /// The recent long lists, for their page buttons.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// The live program source's poller, if one is configured.
    pub fn source(&self) -> Option<&SourceHandle> {
        self.source.as_ref()
    }

    /// When sessions are announced.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The organisers' server, if one is configured.
    pub fn home_guild(&self) -> Option<GuildId> {
        self.home_guild
    }

    /// Runs a core command on a blocking thread (SQLite is synchronous) with the clock's `now`.
    pub async fn run<T, F>(&self, command: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Store, DateTime<Utc>) -> Result<T, CommandError> + Send + 'static,
    {
        let slot = self.db_slots.take(Priority::Deferrable).await;
        self.run_in(slot, command).await
    }

    /// Runs work whose answer cannot be deferred (an autocomplete) as [`Data::run`] does, but
    /// ahead of deferrable work waiting for a slot; `None` if no slot came within
    /// [`ANSWER_WITHIN`], too late for Discord.
    pub async fn run_urgent<T, F>(&self, work: F) -> Result<Option<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Store, DateTime<Utc>) -> Result<T, CommandError> + Send + 'static,
    {
        let taking = self.db_slots.take(Priority::Urgent);
        match tokio::time::timeout(ANSWER_WITHIN, taking).await {
            Ok(slot) => self.run_in(slot, work).await.map(Some),
            Err(_) => Ok(None),
        }
    }

    async fn run_in<T, F>(&self, slot: Slot, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Store, DateTime<Utc>) -> Result<T, CommandError> + Send + 'static,
    {
        let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.clock));
        // `now` is when the work starts, after any wait for a slot. The slot goes with the
        // work, so a caller that stops waiting does not free it before the work is done.
        let result = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work(&store, clock.now())
        })
        .await
        .context("a command's database work panicked")?;
        result.map_err(shown_to_user)
    }
}

/// A core error as the Discord layer carries it: a [`crate::error::UserError`] stays one (it is
/// shown as written), anything else is internal.
pub fn shown_to_user(error: CommandError) -> Error {
    match error {
        CommandError::User(user) => Error::new(user),
        CommandError::Internal(internal) => internal,
    }
}

/// The servers where `/setup rooms create` (`rooms.rs`) is making channels now: a second run
/// at once (an admin who sees "thinking…" for a while and asks again) would plan from the same
/// server and make every channel twice.
#[derive(Debug, Default)]
pub struct Making(Mutex<HashSet<GuildId>>);

/// A server's run, until it ends.
pub(super) struct Run<'a>(&'a Making, GuildId);

impl Making {
    /// Marks `guild` as having a run; `None` if it has one already.
    pub(super) fn start(&self, guild: GuildId) -> Option<Run<'_>> {
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(guild).then(|| Run(self, guild))
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        let mut running = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&self.1);
    }
}
