//! Running the `confbot` binary as an organiser would, for the command-line tests.

use std::path::Path;
use std::process::{Command, Output};

/// `confbot ARGS` on the database `db`.
pub fn confbot(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confbot"))
        .args(args)
        .env("CONFBOT_DB", db)
        .output()
        .expect("the confbot binary runs")
}

/// What a successful run printed; a failed one fails the test with its stderr.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
