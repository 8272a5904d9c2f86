//! What every command handler can reach, and the one way to the database: [`Data::run`] runs a
//! core function on a blocking thread with the clock's `now`, at most [`DB_SLOTS`] at once. The
//! store is private to this module, so no Discord glue can call it on the async runtime.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use super::pacer::Pacer;
use super::Error;
use crate::clock::Clock;
use crate::error::CommandError;
use crate::ids::GuildId;
use crate::reminders::Rules;
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
    db_slots: Arc<tokio::sync::Semaphore>,
    /// The live program source's poller, if `CONFBOT_PROGRAM_URL` is set.
    source: Option<SourceHandle>,
    /// The bot's one pacer: every paced request, from a command or a tick, takes its slot here.
    pacer: Arc<Pacer>,
}

/// How many commands do database work at once; the others wait their turn without a thread.
/// A burst of 1,000 interactions would otherwise start 500 blocking threads (tokio's limit),
/// nearly all of them waiting for one of the store's few connections, costing memory (400 MB
/// in the load bench) and context switches rather than buying parallelism on a small machine.
const DB_SLOTS: usize = 4;

impl Data {
    pub fn new(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        rules: Rules,
        home_guild: Option<GuildId>,
        source: Option<SourceHandle>,
        pacer: Arc<Pacer>,
    ) -> Data {
        Data {
            store,
            clock,
            rules,
            home_guild,
            db_slots: Arc::new(tokio::sync::Semaphore::new(DB_SLOTS)),
            source,
            pacer,
        }
    }

    /// The bot's pacer, for a poster made by a command (`/announce test`, `/qa open`).
    pub fn pacer(&self) -> Arc<Pacer> {
        Arc::clone(&self.pacer)
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
        let _slot = self
            .db_slots
            .acquire()
            .await
            .context("the database slots are closed")?;
        let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.clock));
        // `now` is when the work starts, after any wait for a slot.
        let result = tokio::task::spawn_blocking(move || command(&store, clock.now()))
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
