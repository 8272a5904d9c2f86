//! The `confbot` command: see `confbot --help` and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(error) = dotenvy::dotenv() {
        if !error.not_found() {
            eprintln!("error: reading .env: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = confbot::ops::logs::init() {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    match confbot::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
