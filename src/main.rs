//! The `confbot` command: see `confbot --help` and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    match confbot::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
