//! The binary's logs: `CONFBOT_LOG_FORMAT=json` gives one JSON object per line, and the token
//! appears in none of them, even at trace level, where dependencies log their requests.

use crate::helpers::{start_fake, BinaryBot, IDS};

#[tokio::test]
async fn json_logs_at_trace_level_are_one_object_a_line_and_never_hold_the_token() {
    let fake = start_fake().await;
    let mut bot = BinaryBot::spawn(
        &fake,
        fake.token(),
        &[("CONFBOT_LOG_FORMAT", "json"), ("RUST_LOG", "trace")],
    );
    // Read as it comes: trace level fills a pipe's buffer long before the bot exits.
    let mut pipe = bot.child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut stderr).unwrap();
        stderr
    });
    fake.send_command(IDS.attendee, IDS.general, "next", [])
        .await
        .response()
        .await;
    let pid = bot.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let stderr = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let status = bot.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() > 100,
        "trace level logs plenty: {}",
        lines.len()
    );
    for line in &lines {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert!(
            object["level"].is_string() && object["fields"].is_object(),
            "{line}"
        );
    }
    eprintln!(
        "{} lines, the token redacted in {}",
        lines.len(),
        stderr.matches(confbot::ops::logs::REDACTED).count()
    );
    assert!(
        !stderr.contains(fake.token()),
        "the token is in the logs: {}",
        lines.iter().find(|l| l.contains(fake.token())).unwrap()
    );
}
