//! What the unit tests share: the bundled program, a store holding it, times on its day, and
//! fake ports that record what the jobs send. (The integration tests in `tests/` have their own
//! kit: they reach Discord through the loopback fake, not through these.)

use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::budget::Priority;
use crate::domain::ports::{
    DirectMessage, DirectMessenger, DmError, NewThread, Outgoing, PostError, Poster,
};
use crate::ids::{ChannelId, MessageId, UserId};
use crate::program::{Program, Session};
use crate::store::Store;

/// The bundled program (ICLR 2021, Tuesday 4 May).
pub fn bundled() -> Program {
    crate::bundled_program().unwrap().program
}

/// The bundled program with its sessions changed by `change` (added, retitled, moved...).
pub fn bundled_with(change: impl FnOnce(&mut Vec<Session>)) -> Program {
    let program = bundled();
    let mut sessions = program.sessions().to_vec();
    change(&mut sessions);
    Program::new(program.conference().clone(), sessions).unwrap()
}

/// An in-memory store holding `program`.
pub fn store_of(program: &Program) -> Store {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(program).unwrap();
    store
}

/// A title that would ping, link and format if it were not escaped.
pub const HOSTILE_TITLE: &str = "**Bold** @everyone [click](https://evil.example) `code`";

/// An in-memory store holding the bundled program.
pub fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&bundled()).unwrap();
    store
}

/// The two ways a store answers searches, each holding the bundled program: with FTS5 alone
/// (as `confbot import`), and from the search index the bot keeps.
pub fn search_stores() -> [Store; 2] {
    let indexed = store();
    indexed.keep_search_index().unwrap();
    assert!(indexed.search_index_is_current().unwrap());
    [store(), indexed]
}

/// A wall-clock time on Tuesday 4 May 2021 in Los Angeles (PDT, UTC-7), the bundled day.
pub fn pdt(hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2021, 5, 4, hour, minute, 0)
        .unwrap()
        .to_utc()
}

/// A poster that records what it posts, answering with scripted errors first.
#[derive(Default)]
pub struct FakePoster {
    pub posted: Mutex<Vec<Outgoing>>,
    errors: Mutex<Vec<PostError>>,
    pub threads: Mutex<Vec<NewThread>>,
    pub removed: Mutex<Vec<ChannelId>>,
}

impl FakePoster {
    pub fn failing(errors: Vec<PostError>) -> FakePoster {
        FakePoster {
            errors: Mutex::new(errors),
            ..FakePoster::default()
        }
    }

    pub fn posted(&self) -> Vec<Outgoing> {
        self.posted.lock().unwrap().clone()
    }
}

impl Poster for FakePoster {
    async fn post(&self, message: &Outgoing) -> Result<MessageId, PostError> {
        let mut errors = self.errors.lock().unwrap();
        if !errors.is_empty() {
            return Err(errors.remove(0));
        }
        let mut posted = self.posted.lock().unwrap();
        posted.push(message.clone());
        Ok(MessageId(1000 + posted.len() as u64))
    }

    async fn open_thread(&self, thread: &NewThread) -> Result<ChannelId, PostError> {
        let mut threads = self.threads.lock().unwrap();
        threads.push(thread.clone());
        Ok(ChannelId(2000 + threads.len() as u64))
    }

    async fn remove_thread(&self, thread: ChannelId) -> Result<(), PostError> {
        self.removed.lock().unwrap().push(thread);
        Ok(())
    }
}

/// A messenger that records what it sends, answering with scripted errors first.
#[derive(Default)]
pub struct FakeMessenger {
    pub opened: Mutex<Vec<UserId>>,
    pub sent: Mutex<Vec<DirectMessage>>,
    errors: Mutex<Vec<DmError>>,
    open_errors: Mutex<Vec<DmError>>,
}

impl FakeMessenger {
    pub fn failing(errors: Vec<DmError>) -> FakeMessenger {
        FakeMessenger {
            errors: Mutex::new(errors),
            ..FakeMessenger::default()
        }
    }

    /// Answers the next opens of a DM channel with `errors`.
    pub fn failing_to_open(errors: Vec<DmError>) -> FakeMessenger {
        FakeMessenger {
            open_errors: Mutex::new(errors),
            ..FakeMessenger::default()
        }
    }

    pub fn sent(&self) -> Vec<DirectMessage> {
        self.sent.lock().unwrap().clone()
    }
}

impl DirectMessenger for FakeMessenger {
    async fn open_dm(&self, user: UserId, _: Priority) -> Result<ChannelId, DmError> {
        let mut errors = self.open_errors.lock().unwrap();
        if !errors.is_empty() {
            return Err(errors.remove(0));
        }
        self.opened.lock().unwrap().push(user);
        Ok(ChannelId(5000 + user.get()))
    }

    async fn send_dm(&self, message: &DirectMessage) -> Result<MessageId, DmError> {
        let mut errors = self.errors.lock().unwrap();
        if !errors.is_empty() {
            return Err(errors.remove(0));
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push(message.clone());
        Ok(MessageId(9000 + sent.len() as u64))
    }
}

/// A rating of `stars` (1 to 5).
pub fn rating(stars: u8) -> crate::store::Rating {
    crate::store::Rating::new(stars).expect("1 to 5 stars")
}
