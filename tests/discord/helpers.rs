//! Spawning confbot against a fresh loopback Discord, in-process or as the real binary.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use confbot::clock::{Clock, FixedClock};
use confbot::discord::{self, Bot};
use confbot::ids;
use confbot::program::{import_str, ImportOptions, Program};
use confbot::store::outbox::DeliveryState;
use confbot::store::Store;
use fake_discord::{FakeDiscord, Ids, InteractionResponse};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const IDS: Ids = Ids::FIXED;

/// How long a test waits for something the bot does before it fails: generous, as CI's
/// 2-core machine runs four test binaries at once. Only a failing test waits this long.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A loopback Discord that behaves as Discord does and waits up to [`PATIENCE`] for a bot to be
/// ready and for an answer.
pub async fn start_fake() -> FakeDiscord {
    FakeDiscord::start_with(fake_discord::Config {
        patience: PATIENCE,
        ..Default::default()
    })
    .await
}

/// Waits until the fake's state satisfies `holds`; panics with `what` and the fake's report
/// after [`PATIENCE`].
pub async fn until(fake: &FakeDiscord, what: &str, mut holds: impl FnMut(&FakeDiscord) -> bool) {
    if let Err(e) = fake.wait_for(|f| holds(f), PATIENCE).await {
        panic!("{what}: {e}");
    }
}

/// Reads `probe` every 100 ms until `holds` accepts what it read, and returns that: for state
/// the fake does not see change (the bot's database, a command's answer), which the bot often
/// writes a moment after what the test last waited for. Panics with `what` and the last reading
/// after [`PATIENCE`].
pub async fn eventually<T: std::fmt::Debug, F: std::future::Future<Output = T>>(
    what: &str,
    mut probe: impl FnMut() -> F,
    holds: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let read = probe().await;
        if holds(&read) {
            return read;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: still {read:?} after {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads outbox rows until there are some and none is still pending or being sent, and returns
/// them: the bot settles a delivery a moment after the fake has seen its message (or refused it).
pub async fn settled<T: std::fmt::Debug>(
    what: &str,
    read: impl Fn() -> Vec<T>,
    state: impl Fn(&T) -> DeliveryState,
) -> Vec<T> {
    let open = |row: &T| matches!(state(row), DeliveryState::Pending | DeliveryState::Claimed);
    let settled = |rows: &Vec<T>| !rows.is_empty() && !rows.iter().any(open);
    eventually(what, || async { read() }, settled).await
}

/// A wall-clock time on Tuesday 4 May 2021 in Los Angeles (PDT).
pub fn pdt(hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2021, 5, 4, hour, minute, 0)
        .unwrap()
        .to_utc()
}

pub fn bundled_program() -> Program {
    confbot::bundled_program().unwrap().program
}

/// A clock the test moves by hand; the bot's announcement ticks read it.
pub struct SteppedClock(std::sync::Mutex<DateTime<Utc>>);

impl SteppedClock {
    pub fn new(at: DateTime<Utc>) -> Arc<SteppedClock> {
        Arc::new(SteppedClock(std::sync::Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Three sessions in two tracks on 4 May 2021 (Los Angeles): Orals at 11:00 and 12:00,
/// Posters at 11:30, the latter titled to tempt a ping.
pub fn three_sessions() -> Program {
    import_str("three", &three_sessions_json(), &ImportOptions::default())
        .unwrap()
        .program
}

/// [`three_sessions`] as confbot JSON.
pub fn three_sessions_json() -> String {
    r#"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"}, "sessions": [
        {"id": "orals-1", "title": "Orals 1", "track": "Orals", "room": "Hall A",
         "start": "2021-05-04 11:00", "end": "2021-05-04 11:30", "moderators": ["Ada Lovelace"],
         "talks": [{"id": "t1", "title": "First talk", "start": "2021-05-04 11:00", "end": "2021-05-04 11:15",
                    "speakers": ["Grace Hopper"]}]},
        {"id": "posters", "title": "@everyone Posters @here", "track": "Posters", "room": "Hall B",
         "start": "2021-05-04 11:30", "end": "2021-05-04 12:00"},
        {"id": "orals-2", "title": "Orals 2", "track": "Orals", "room": "Hall A",
         "start": "2021-05-04 12:00", "end": "2021-05-04 12:30"}]}"#
        .to_string()
}

/// Who uses the machine: the tests with a bot running (by name, with how many), and the test
/// that runs [`alone`], if one does.
#[derive(Default)]
struct Machine {
    bots: std::collections::HashMap<String, usize>,
    alone: Option<String>,
}

static MACHINE: std::sync::Mutex<Option<Machine>> = std::sync::Mutex::new(None);
static MACHINE_CHANGED: std::sync::Condvar = std::sync::Condvar::new();

/// The running test's name (libtest names each test's thread after it).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned()
}

/// Waits (blocking the test's thread, which has nothing else to do meanwhile) until `ready`
/// holds for the machine, then changes it with `then`.
fn with_machine<R>(ready: impl Fn(&Machine) -> bool, then: impl FnOnce(&mut Machine) -> R) -> R {
    let lock = MACHINE.lock().unwrap_or_else(|p| p.into_inner());
    let mut machine = MACHINE_CHANGED
        .wait_while(lock, |m| !ready(m.get_or_insert_with(Machine::default)))
        .unwrap_or_else(|p| p.into_inner());
    let result = then(machine.get_or_insert_with(Machine::default));
    MACHINE_CHANGED.notify_all();
    result
}

/// A bot's claim on the machine, shared with the other tests' bots: it waits while a test runs
/// [`alone`] (unless its own test already has a bot running, or is that test).
struct BotShare(String);

impl BotShare {
    fn take() -> BotShare {
        let name = test_name();
        let free = |m: &Machine| {
            m.alone.as_ref().is_none_or(|alone| *alone == name) || m.bots.contains_key(&name)
        };
        with_machine(free, |m| *m.bots.entry(name.clone()).or_default() += 1);
        BotShare(name)
    }
}

impl Drop for BotShare {
    fn drop(&mut self) {
        with_machine(
            |_| true,
            |m| {
                if let Some(count) = m.bots.get_mut(&self.0) {
                    *count -= 1;
                    if *count == 0 {
                        m.bots.remove(&self.0);
                    }
                }
            },
        );
    }
}

/// The machine to one test, while this lives.
pub struct Alone;

/// Waits until no other test has a bot running and keeps the others from starting one, for a
/// test that holds the bot to Discord's wall-clock limits (answers within 3 s, 50 requests a
/// second, a clean exit within 10 s): on CI's two cores, it then measures the bot and not the
/// other tests' bots.
pub fn alone() -> Alone {
    let name = test_name();
    with_machine(|m| m.alone.is_none(), |m| m.alone = Some(name.clone()));
    with_machine(|m| m.bots.keys().all(|test| *test == name), |_| ());
    Alone
}

impl Drop for Alone {
    fn drop(&mut self) {
        with_machine(|_| true, |m| m.alone = None);
    }
}

/// How the bot reaches the fake.
pub enum Mode {
    /// `DISCORD_API_URL`: serenity's proxy mode, its ratelimiter off.
    Proxy,
    /// serenity talks to https://discord.com, resolved to the fake; its ratelimiter on.
    Tls,
}

/// confbot running in-process against a fake Discord, on a runtime of its own so that a
/// crash can be simulated faithfully: every task of the bot (gateway, ticker) dies at once.
pub struct TestBot {
    pub fake: FakeDiscord,
    pub store: Arc<Store>,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    _share: BotShare,
}

impl TestBot {
    /// The bundled program, the clock fixed at `now`, proxy mode.
    pub async fn start(now: DateTime<Utc>) -> TestBot {
        Self::start_with(bundled_program(), Arc::new(FixedClock(now)), Mode::Proxy).await
    }

    pub async fn start_with(program: Program, clock: Arc<dyn Clock>, mode: Mode) -> TestBot {
        let store = Arc::new(Store::open_in_memory().unwrap());
        store.replace_program(&program).unwrap();
        Self::start_on(start_fake().await, store, clock, mode).await
    }

    /// The bot on an existing fake and database (e.g. after a crash), with announcements set
    /// up as the store says.
    pub async fn start_on(
        fake: FakeDiscord,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        mode: Mode,
    ) -> TestBot {
        Self::start_polling(fake, store, clock, mode, None).await
    }

    /// [`Self::start_on`], polling a live program `source` if there is one.
    pub async fn start_polling(
        fake: FakeDiscord,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        mode: Mode,
        source: Option<confbot::source::Source>,
    ) -> TestBot {
        let settings = confbot::jobs::Settings {
            tick_seconds: 1,
            ..Default::default()
        };
        Self::start_full(fake, store, clock, (mode, settings), source).await
    }

    /// [`Self::start_on`] with the jobs' `settings` (`CONFBOT_FEEDBACK`, ...) in proxy mode.
    pub async fn start_configured(
        fake: FakeDiscord,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        settings: confbot::jobs::Settings,
    ) -> TestBot {
        Self::start_full(fake, store, clock, (Mode::Proxy, settings), None).await
    }

    async fn start_full(
        fake: FakeDiscord,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        (mode, announce): (Mode, confbot::jobs::Settings),
        source: Option<confbot::source::Source>,
    ) -> TestBot {
        let (api_url, http_client) = match mode {
            Mode::Proxy => (Some(fake.api_url()), None),
            Mode::Tls => (None, Some(fake.tls_client())),
        };
        let bot = Bot {
            token: fake.token().to_string(),
            guild_id: Some(ids::GuildId(IDS.guild.get())),
            api_url,
            http_client,
            store: Arc::clone(&store),
            clock,
            announce,
            source,
        };
        let share = BotShare::take();
        let (shutdown, stop) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let task = runtime.spawn(discord::run(bot, async {
            let _ = stop.await;
        }));
        fake.wait_until_ready(PATIENCE).await.unwrap();
        TestBot {
            fake,
            store,
            runtime: Some(runtime),
            shutdown: Some(shutdown),
            task,
            _share: share,
        }
    }

    /// Kills the bot without shutting it down, as a crash would: all its tasks just end.
    /// An attendee runs `command` in #general: Discord's answer to it.
    pub async fn attendee_runs<'a>(
        &self,
        command: &str,
        options: impl IntoIterator<Item = (&'a str, serde_json::Value)>,
    ) -> InteractionResponse {
        self.fake
            .send_command(IDS.attendee, IDS.general, command, options)
            .await
            .response()
            .await
    }

    pub fn crash(mut self) -> (FakeDiscord, Arc<Store>) {
        kill(self.runtime.take());
        (self.fake.clone(), Arc::clone(&self.store))
    }

    /// Stops the bot as SIGTERM would and checks it stopped cleanly.
    pub async fn stop(mut self) {
        self.shutdown.take().unwrap().send(()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
        result
            .expect("the bot stops")
            .expect("the bot task did not panic")
            .expect("the bot stopped cleanly");
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        kill(self.runtime.take());
    }
}

/// Ends every task of a runtime at once. Tokio refuses to do that from inside another
/// runtime's task, so it happens on a plain thread.
fn kill(runtime: Option<tokio::runtime::Runtime>) {
    if let Some(runtime) = runtime {
        std::thread::spawn(move || runtime.shutdown_background())
            .join()
            .unwrap();
    }
}

/// The real `confbot serve` binary, configured through its environment (`extra_env` wins).
/// Dropping it kills the process (SIGKILL), as a crash would.
pub struct BinaryBot {
    pub child: Child,
    /// Holds the bot's working directory and database until the bot is dropped.
    _dir: tempfile::TempDir,
    _share: BotShare,
}

impl BinaryBot {
    pub fn spawn(fake: &FakeDiscord, token: &str, extra_env: &[(&str, &str)]) -> BinaryBot {
        let share = BotShare::take();
        let db = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_confbot"));
        command
            .arg("serve")
            .current_dir(db.path())
            .env_clear()
            .env("DISCORD_TOKEN", token)
            .env("DISCORD_API_URL", fake.api_url())
            .env("DISCORD_GUILD_ID", IDS.guild.get().to_string())
            .env("CONFBOT_DB", db.path().join("confbot.sqlite3"))
            .env("CONFBOT_TICK", "1s")
            .env("RUST_LOG", "confbot=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        BinaryBot {
            child: command.spawn().expect("confbot starts"),
            _dir: db,
            _share: share,
        }
    }

    /// Waits up to `timeout` for the process to exit; its status and stderr.
    pub fn wait(mut self, timeout: Duration) -> (std::process::ExitStatus, String) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                let pipe = self.child.stderr.as_mut().expect("stderr is piped");
                std::io::Read::read_to_string(pipe, &mut stderr).unwrap();
                return (status, stderr);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "confbot did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for BinaryBot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fields of the first embed of a response, as (name, value).
pub fn fields(embed: &serde_json::Value) -> Vec<(String, String)> {
    embed["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap().to_string(),
                        f["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A rating of `stars` (1 to 5).
pub fn rating(stars: u8) -> confbot::store::Rating {
    confbot::store::Rating::new(stars).expect("1 to 5 stars")
}
