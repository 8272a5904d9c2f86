//! The loopback Discord on its own, for checks outside `cargo test` (`deploy/smoke.sh`):
//! starts on `127.0.0.1`, prints the environment a bot needs (`DISCORD_TOKEN`,
//! `DISCORD_API_URL`, `DISCORD_GUILD_ID`) one `KEY=value` a line, waits for a bot to connect,
//! runs `/next` as an attendee in `#general`, prints `ANSWERED` and what came back, and
//! serves on until SIGTERM or Ctrl-C. Exits 1 if no bot connects or answers in time.

use std::io::Write as _;
use std::time::Duration;

use fake_discord::{Config, FakeDiscord, Ids};

/// How long a bot (a container starting, say) may take to connect.
const CONNECT_WITHIN: Duration = Duration::from_secs(300);
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let fake = FakeDiscord::start_with(Config {
        patience: ANSWER_WITHIN,
        ..Config::default()
    })
    .await;
    let mut out = std::io::stdout();
    for (key, value) in fake.bot_env() {
        let _ = writeln!(out, "{key}={value}");
    }
    let _ = out.flush();
    if let Err(timeout) = fake.wait_until_ready(CONNECT_WITHIN).await {
        eprintln!("fake-discord: no bot connected: {timeout}");
        return std::process::ExitCode::FAILURE;
    }
    let ids = Ids::FIXED;
    let handle = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await;
    match handle.response_within(ANSWER_WITHIN).await {
        Ok(response) => {
            let title = response
                .embeds
                .first()
                .and_then(|embed| embed["title"].as_str())
                .unwrap_or_default()
                .to_string();
            let _ = writeln!(
                out,
                "ANSWERED /next: type {}, {} embed(s), first titled {title:?}",
                response.kind,
                response.embeds.len()
            );
            let _ = out.flush();
        }
        Err(timeout) => {
            eprintln!("fake-discord: /next went unanswered: {timeout}");
            return std::process::ExitCode::FAILURE;
        }
    }
    let violations = fake.violations();
    if !violations.is_empty() {
        eprintln!("fake-discord: requests Discord would refuse: {violations:#?}");
        return std::process::ExitCode::FAILURE;
    }
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("listening for SIGTERM");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    std::process::ExitCode::SUCCESS
}
