//! End to end: the release `confbot serve` against the loopback Discord, through serenity.
//!
//! Load is a closed loop: `c` interactions are dispatched, and each time the oldest is
//! answered (with any answered behind it) as many new ones go out, so up to `c` are in flight.
//! Waiting on the oldest keeps the bench's own work small: the fake wakes its waiters on every
//! change, and a waiter per interaction would cost more CPU than the bot. Latencies are the
//! fake's: from the dispatch leaving it to the user seeing the answer (the response, or for a
//! deferred one its first edit), so deferring never shortens them; the bursts also report
//! acknowledgement (the first response, which Discord wants within 3 s).
//!
//! [`burst`] is the keynote's end at its worst: [`BIG_BURST`] interactions dispatched at once
//! (`--only-burst` runs just it), counting those acknowledged within Discord's 3 s, those
//! answered (a deferred one once its answer replaced the "thinking" placeholder) within 60 s,
//! and those never answered.

use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::Context;
use confbot::store::Store;
use fake_discord::{Config, FakeDiscord, Ids, InteractionHandle};
use serde_json::json;

use synthetic::typed_prefixes;

use crate::inproc::searches;
use crate::stats::{cpu_of, ms, own_cpu, rss_mb, Summary};

/// Closed-loop phases: (in flight, interactions).
const PHASES: [(usize, usize); 3] = [(1, 300), (50, 3_000), (500, 5_000)];
/// The keynote ends: this many at once.
const BURST: usize = 1_000;

/// The burst benchmark's size.
pub const BIG_BURST: usize = 10_000;

pub fn run(bin: &Path, db: &Path, program: &Path) -> anyhow::Result<()> {
    against_the_bot(bin, db, program, |fake, pid, searches, prefixes| {
        Box::pin(load(fake, pid, searches, prefixes))
    })
}

/// [`BIG_BURST`] interactions at once; see the module doc.
pub fn burst(bin: &Path, db: &Path, program: &Path) -> anyhow::Result<()> {
    against_the_bot(bin, db, program, |fake, pid, searches, prefixes| {
        Box::pin(big_burst(fake, pid, searches, prefixes))
    })?;
    let log = std::fs::read_to_string(db.with_file_name("bot.log"))?;
    let gave_up = log.matches(AUTOCOMPLETE_GAVE_UP).count();
    println!("The bot gave up on {gave_up} autocompletes (offered nothing: the database was not theirs in time).");
    Ok(())
}

/// What the bot logs (at debug, which [`spawn`] turns on for it) for an autocomplete it answers
/// with nothing because the database was busy past the autocomplete's deadline.
const AUTOCOMPLETE_GAVE_UP: &str = "an autocomplete found the database busy past its deadline";

type Load<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + 'a>>;

/// Runs `load` against the release bot on `db`, then stops the bot.
fn against_the_bot(
    bin: &Path,
    db: &Path,
    program: &Path,
    load: impl for<'a> FnOnce(&'a FakeDiscord, u32, &'a [String], &'a [String]) -> Load<'a>,
) -> anyhow::Result<()> {
    let searches = searches(&Store::open(db)?)?;
    let prefixes: Vec<String> = typed_prefixes().into_iter().map(String::from).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let fake = FakeDiscord::start_with(Config {
            patience: Duration::from_secs(60),
            ..Config::default()
        })
        .await;
        let mut bot = spawn(bin, db, program, &fake)?;
        let result = load(&fake, bot.id(), &searches, &prefixes).await;
        // SIGTERM, so the bot shuts down as in production; SIGKILL if it hangs.
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(bot.id() as i32, libc::SIGTERM) };
        let stopped = Instant::now();
        while bot.try_wait()?.is_none() && stopped.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = bot.kill();
        let _ = bot.wait();
        result
    })
}

fn spawn(bin: &Path, db: &Path, program: &Path, fake: &FakeDiscord) -> anyhow::Result<Child> {
    let dir = db.parent().context("the database's directory")?;
    let log = File::create(dir.join("bot.log"))?;
    Command::new(bin)
        .arg("serve")
        // No `.env` of the source tree.
        .current_dir(dir)
        .envs(fake.bot_env())
        .env("CONFBOT_DB", db)
        .env("CONFBOT_PROGRAM", program)
        .env("RUST_LOG", "warn,confbot::discord::autocomplete=debug")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting confbot serve")
}

/// Waits for the bot, warms it up (commands registered, caches filled) and lets it settle;
/// its RSS then.
async fn warm_up<F, Fut>(fake: &FakeDiscord, pid: u32, dispatch: &F) -> anyhow::Result<(f64, f64)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = InteractionHandle>,
{
    fake.wait_until_ready(Duration::from_secs(60))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    closed_loop(dispatch, 4, 200).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(rss_mb(pid))
}

async fn load(
    fake: &FakeDiscord,
    pid: u32,
    searches: &[String],
    prefixes: &[String],
) -> anyhow::Result<()> {
    let dispatch = |i: usize| interaction(fake, i, searches, prefixes);
    let idle = warm_up(fake, pid, &dispatch).await?;

    println!(
        "\nEnd to end through serenity (mix: 40% /next, 30% /search, 30% /talk autocomplete):\n"
    );
    println!(
        "| in flight | interactions | p50 ms | p99 ms | max ms | per second | unanswered \
         | bot CPU ms each | fake + bench CPU ms each |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (in_flight, total) in PHASES {
        let started = Instant::now();
        let (bot_cpu, own) = (cpu_of(pid), own_cpu());
        let (mut latencies, unanswered) = closed_loop(&dispatch, in_flight, total).await;
        let rate = total as f64 / started.elapsed().as_secs_f64();
        let each = |cpu: Duration| format!("{:.2}", cpu.as_secs_f64() * 1000.0 / total as f64);
        let (bot_cpu, own) = (each(cpu_of(pid) - bot_cpu), each(own_cpu() - own));
        let s = Summary::of(&mut latencies);
        println!(
            "| {in_flight} | {total} | {} | {} | {} | {rate:.0} | {unanswered} | {bot_cpu} | {own} |",
            ms(s.p50),
            ms(s.p99),
            ms(s.max)
        );
    }

    // The keynote ends: everything dispatched before any answer is awaited.
    let mut handles = Vec::with_capacity(BURST);
    let started = Instant::now();
    for i in 0..BURST {
        handles.push(dispatch(i).await);
    }
    let dispatched = started.elapsed();
    let mut latencies = Vec::with_capacity(BURST);
    for handle in &handles {
        let left = Duration::from_secs(10).saturating_sub(started.elapsed());
        if let Ok(answered) = handle.answered_within(left).await {
            latencies.push(answered);
        }
    }
    let acknowledged: Vec<Duration> = handles
        .iter()
        .filter_map(|h| Some(h.responses().first()?.latency))
        .collect();
    let within = |limit: Duration| acknowledged.iter().filter(|l| **l <= limit).count();
    let (one, three) = (
        within(Duration::from_secs(1)),
        within(Duration::from_secs(3)),
    );
    let answered = latencies.len();
    let s = Summary::of(&mut latencies);
    println!(
        "\nBurst of {BURST} (dispatched in {} ms): {one} acknowledged within 1 s, {three} within \
         3 s; {answered} answered within 10 s, p50 {} ms, p99 {} ms, slowest {} ms.",
        dispatched.as_millis(),
        ms(s.p50),
        ms(s.p99),
        ms(s.max)
    );
    let loaded = rss_mb(pid);
    println!(
        "\nBot RSS: idle {:.0} MB (peak so far {:.0} MB); after the load {:.0} MB, peak {:.0} MB.",
        idle.0, idle.1, loaded.0, loaded.1
    );
    let violations = fake.violations();
    anyhow::ensure!(
        violations.is_empty(),
        "the fake saw violations: {violations:#?}"
    );
    Ok(())
}

async fn big_burst(
    fake: &FakeDiscord,
    pid: u32,
    searches: &[String],
    prefixes: &[String],
) -> anyhow::Result<()> {
    let dispatch = |i: usize| interaction(fake, i, searches, prefixes);
    let idle = warm_up(fake, pid, &dispatch).await?;
    let bot_cpu = cpu_of(pid);

    let started = Instant::now();
    let mut handles = Vec::with_capacity(BIG_BURST);
    for i in 0..BIG_BURST {
        handles.push(dispatch(i).await);
    }
    let dispatched = started.elapsed();
    // Checked only at 60 s and at 120 s: each check searches the fake's records, and a bench
    // polling 10,000 interactions would take the CPU the bot and the fake need.
    let mut pending: Vec<usize> = (0..BIG_BURST).collect();
    tokio::time::sleep(Duration::from_secs(60).saturating_sub(started.elapsed())).await;
    pending.retain(|&i| handles[i].answered().is_none());
    let answered_within_60 = BIG_BURST - pending.len();
    tokio::time::sleep(Duration::from_secs(120).saturating_sub(started.elapsed())).await;
    pending.retain(|&i| handles[i].answered().is_none());
    let lost = pending.len();
    let mut acknowledged = Vec::with_capacity(BIG_BURST);
    for handle in &handles {
        if let Some(first) = handle.responses().first() {
            acknowledged.push(first.latency);
        }
    }
    let within_3 = acknowledged
        .iter()
        .filter(|l| **l <= Duration::from_secs(3))
        .count();
    let deferred = handles
        .iter()
        .filter(|h| h.responses().first().is_some_and(|r| r.kind == 5))
        .count();
    let s = Summary::of(&mut acknowledged);
    let mut answers: Vec<Duration> = handles.iter().filter_map(|h| h.answered()).collect();
    let answer = Summary::of(&mut answers);
    let bot_cpu = cpu_of(pid) - bot_cpu;
    let loaded = rss_mb(pid);
    println!(
        "\nBurst of {BIG_BURST} at once (dispatched in {:.1} s): {within_3} acknowledged within \
         3 s ({deferred} of them deferred), {answered_within_60} answered within 60 s, {lost} \
         not answered after 120 s; acknowledgement p50 {} ms, p99 {} ms, slowest {} ms; answer \
         p50 {} ms, p99 {} ms, slowest {} ms; bot CPU {:.1} s; bot RSS idle {:.0} MB, peak \
         {:.0} MB.",
        dispatched.as_secs_f64(),
        ms(s.p50),
        ms(s.p99),
        ms(s.max),
        ms(answer.p50),
        ms(answer.p99),
        ms(answer.max),
        bot_cpu.as_secs_f64(),
        idle.0,
        loaded.1,
    );
    let violations = fake.violations();
    println!("The fake saw {} violations.", violations.len());
    Ok(())
}

/// Interaction `i` of the mix: its kind from `i % 10`, its query or prefix from `i / 10`, so
/// every search and prefix of the mixes comes up.
async fn interaction(
    fake: &FakeDiscord,
    i: usize,
    searches: &[String],
    prefixes: &[String],
) -> InteractionHandle {
    let ids = Ids::FIXED;
    let (user, channel) = (ids.attendee, ids.general);
    match i % 10 {
        0..=3 => {
            fake.send_command(user, channel, "next", [("count", json!(5))])
                .await
        }
        4..=6 => {
            let query = &searches[(i / 10) % searches.len()];
            fake.send_command(user, channel, "search", [("query", json!(query))])
                .await
        }
        _ => {
            let prefix = &prefixes[(i / 10) % prefixes.len()];
            fake.send_autocomplete(user, channel, "talk", [("talk", json!(prefix))], "talk")
                .await
        }
    }
}

/// Keeps up to `in_flight` interactions going until `total` were dispatched and answered (or
/// given up on after 10 s); their latencies, and how many got no answer.
async fn closed_loop<F, Fut>(dispatch: &F, in_flight: usize, total: usize) -> (Vec<Duration>, usize)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = InteractionHandle>,
{
    let mut outstanding = VecDeque::with_capacity(in_flight);
    let mut latencies = Vec::with_capacity(total);
    let mut unanswered = 0;
    let mut sent = 0;
    while sent < in_flight.min(total) {
        outstanding.push_back(dispatch(sent).await);
        sent += 1;
    }
    while let Some(oldest) = outstanding.pop_front() {
        match oldest.answered_within(Duration::from_secs(10)).await {
            Ok(answered) => latencies.push(answered),
            Err(_) => unanswered += 1,
        }
        let mut done = 1;
        while let Some(next) = outstanding.front() {
            let Some(answered) = next.answered() else {
                break;
            };
            latencies.push(answered);
            outstanding.pop_front();
            done += 1;
        }
        for _ in 0..done {
            if sent < total {
                outstanding.push_back(dispatch(sent).await);
                sent += 1;
            }
        }
    }
    (latencies, unanswered)
}
