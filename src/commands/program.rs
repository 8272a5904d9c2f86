//! The core of `/program reload`: validate an uploaded program file and, only if it is valid,
//! replace the program and say what changed. A bad file changes nothing and says why. Without
//! a file, the live source is polled now (`source::reload_now`) and its outcome shown the same
//! way; `/program status` shows how polling the source has gone.

use std::time::Duration;

use super::{conference, CommandResult};
use crate::domain::format::stamp;
use crate::program::{import_str, ImportOptions, Imported, ProgramDiff};
use crate::reply::{Reply, Style, Text};
use crate::source::{self, shown_url, Outcome, Polled};
use crate::store::{PollResult, Store};
use crate::{text, user_error};

/// Changes listed in the reply, at most; the counts say how many in all.
const SHOWN_CHANGES: usize = 20;

/// Replaces the program with the file `name` holding `text`. The current conference's zone and
/// name stand in for formats that lack them (Sessionize), as the CLI's flags would.
pub fn reload(store: &Store, name: &str, text: &str) -> CommandResult {
    let current = conference(store)?;
    let options = ImportOptions {
        time_zone: Some(current.time_zone),
        conference_name: Some(current.name.clone()),
        ..ImportOptions::default()
    };
    let imported = match import_str(name, text, &options) {
        Ok(imported) => imported,
        Err(error) => {
            user_error!("Nothing changed: the file has an error.\n{error}")
        }
    };
    let diff = store.replace_program(&imported.program)?;
    Ok(reloaded(name, &imported, &diff))
}

/// What a reload of `name` imported and changed.
fn reloaded(name: &str, imported: &Imported, diff: &ProgramDiff) -> Reply {
    let tz = imported.program.conference().time_zone;
    let lines: Vec<String> = diff
        .changes
        .iter()
        .take(SHOWN_CHANGES)
        .map(|c| format!("• {}", c.describe(tz)))
        .collect();
    let mut reply = Reply::new("Program reloaded").description(format!(
        "{name} ({}): {} sessions, {} talks.\n{diff}",
        imported.format.name(),
        imported.program.sessions().len(),
        imported.program.talks().count()
    ));
    if !lines.is_empty() {
        let more = diff.changes.len().saturating_sub(SHOWN_CHANGES);
        let tail = if more > 0 {
            format!("\n…and {more} more")
        } else {
            String::new()
        };
        reply = reply.field("Changes", format!("{}{tail}", lines.join("\n")), false);
    }
    if !imported.warnings.is_empty() {
        let warnings: Vec<String> = imported
            .warnings
            .iter()
            .take(10)
            .map(|w| format!("• {w}"))
            .collect();
        reply = reply.field("Warnings", warnings.join("\n"), false);
    }
    if diff.changes.iter().any(|c| c.is_material()) {
        reply = reply.footer(
            "Moves and cancellations within a day are announced in the announcements channel.",
        );
    }
    reply
}

/// `/program reload` without a file, or `/program status`, when `CONFBOT_PROGRAM_URL` is unset.
pub const NO_SOURCE: &str = "No live program source is configured (`CONFBOT_PROGRAM_URL`). \
     Attach a program file to `/program reload` to change the program.";

/// What polling the source at an admin's request did: the diff, or why nothing changed.
pub fn reload_from_source(config: &source::Settings, outcome: &Outcome) -> CommandResult {
    let url = shown_url(&config.url);
    match &outcome.polled {
        Polled::Imported(imported, diff) => Ok(reloaded(&url, imported, diff)),
        Polled::NotModified | Polled::Unchanged => Ok(Reply::new("Program reloaded")
            .description(format!("{url} has not changed. Nothing changed."))),
        // A user error is one plain string, written for Discord.
        Polled::Failed(error) => user_error!(
            "Nothing changed: {error}\nThe next try is {}.",
            stamp(outcome.next_poll_at, Style::Relative).discord()
        ),
    }
}

/// The live source, and how polling it has gone: last fetch, change and error, next poll.
pub fn status(store: &Store, config: Option<&source::Settings>) -> CommandResult {
    let Some(config) = config else {
        user_error!("{NO_SOURCE}");
    };
    let zone = config.time_zone.map_or("the file's", |tz| tz.name());
    let reply = Reply::new("Program source").description(format!(
        "{}\nPolled every {}; format {}; time zone {zone}.",
        shown_url(&config.url),
        interval(config.poll),
        config.format.name()
    ));
    let Some(state) = source::state(store, config)? else {
        return Ok(reply.field("Last fetch", "not yet", false));
    };
    let last_fetch = match (state.last_fetch_at, state.last_result) {
        (Some(at), Some(result)) => text![
            stamp(at, Style::Relative),
            ": ",
            match result {
                PollResult::NotModified => "not modified (HTTP 304), not parsed",
                PollResult::Unchanged => "the same document as last imported, not parsed",
                PollResult::Imported => "imported",
                PollResult::Failed => "failed",
            }
        ],
        _ => "not yet".into(),
    };
    let last_change = match (state.last_change_at, &state.last_change) {
        (Some(at), Some(summary)) => text![stamp(at, Style::DateTime), "\n", summary],
        _ => "none yet".into(),
    };
    let last_error: Text = match (&state.last_error, state.last_error_at) {
        (Some(error), Some(at)) if state.failed_attempts > 0 => text![
            format!("{error}\nFailing since "),
            stamp(at, Style::Relative),
            match state.failed_attempts {
                1 => ", 1 attempt".to_string(),
                n => format!(", {n} attempts"),
            },
            " in a row; the program stays as it is."
        ],
        (Some(error), Some(at)) => text![
            format!("{error}\n(first seen "),
            stamp(at, Style::Relative),
            "; fixed since)"
        ],
        _ => "none".into(),
    };
    let next_poll = match state.next_poll_at {
        Some(at) if state.failed_attempts > 0 => stamp(at, Style::Relative) + " (a retry)",
        Some(at) => stamp(at, Style::Relative),
        None => "at start".into(),
    };
    Ok(reply
        .field("Last fetch", last_fetch, false)
        .field("Last change", last_change, false)
        .field("Last error", last_error, false)
        .field("Next poll", next_poll, false))
}

/// `5 min`, `90 s` (tests poll in milliseconds: `200 ms`).
fn interval(every: Duration) -> String {
    match (every.as_secs(), every.subsec_millis()) {
        (s, 0) if s >= 60 && s / 60 * 60 == s => format!("{} min", s / 60),
        (s, 0) => format!("{s} s"),
        _ => format!("{} ms", every.as_millis()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CommandError;
    use crate::testing::store;

    #[test]
    fn a_broken_file_changes_nothing_and_says_why() {
        let store = store();
        let before = store.load_program().unwrap();
        let broken = crate::DEFAULT_PROGRAM.replace("\"2021-05-04 11:15\"", "\"soon\"");
        let Err(CommandError::User(error)) = reload(&store, "new.json", &broken) else {
            panic!("a user error")
        };
        let error = error.0.discord();
        assert!(
            error.starts_with(
                "Nothing changed: the file has an error.\nnew.json at `sessions[0].talks[0].end`"
            ),
            "{error}"
        );
        assert_eq!(store.load_program().unwrap(), before);
    }

    #[test]
    fn a_valid_file_replaces_the_program_and_lists_the_changes() {
        let store = store();
        let moved = crate::DEFAULT_PROGRAM.replace(
            "Iterated learning for emergent systematicity in VQA",
            "Iterated learning, retitled",
        );
        let reply = reload(&store, "new.json", &moved).unwrap();
        let description = reply.description.discord();
        assert!(
            description.contains("Talks: 0 added, 1 changed, 0 removed."),
            "{description}"
        );
        assert!(reply.fields[0]
            .value
            .discord()
            .contains("retitled from “Iterated learning for emergent systematicity in VQA”"));
        assert_eq!(
            reload(&store, "new.json", &moved).unwrap().fields.len(),
            0,
            "the same file again changes nothing"
        );
    }

    fn source_config() -> source::Settings {
        source::Settings {
            url: "https://user:pw@pretalx.example/conf/schedule.json"
                .parse()
                .unwrap(),
            poll: Duration::from_secs(300),
            format: crate::program::Format::Auto,
            time_zone: None,
        }
    }

    #[test]
    fn without_a_source_status_and_reload_say_how_to_get_one() {
        let Err(CommandError::User(error)) = status(&store(), None) else {
            panic!("a user error")
        };
        let error = error.0.discord();
        assert!(error.contains("CONFBOT_PROGRAM_URL"), "{error}");
    }

    #[test]
    fn status_shows_the_source_before_its_first_poll() {
        let reply = status(&store(), Some(&source_config())).unwrap();
        assert_eq!(
            reply.description.discord(),
            "https://pretalx.example/conf/schedule.json\nPolled every 5 min; format auto; \
             time zone the file's."
        );
        assert_eq!(reply.fields[0].value.discord(), "not yet");
    }

    #[test]
    fn status_shows_the_last_fetch_change_and_a_failing_error() {
        let store = store();
        let config = source_config();
        let at = |unix: i64| chrono::DateTime::from_timestamp(unix, 0).unwrap();
        // What three polls leave behind (`source::poll_once` writes it).
        let outcome_state = crate::store::SourceState {
            url: config.url.to_string(),
            options: "format=Auto; timezone=-".into(),
            last_fetch_at: Some(at(1000)),
            last_result: Some(PollResult::Failed),
            last_change_at: Some(at(500)),
            last_change: Some("Sessions: 0 added, 1 changed, 0 removed.".into()),
            last_error: Some(
                "https://pretalx.example/conf/schedule.json answered HTTP 502 Bad Gateway".into(),
            ),
            last_error_at: Some(at(900)),
            failed_attempts: 2,
            next_poll_at: Some(at(1120)),
            ..Default::default()
        };
        store.save_source_state(&outcome_state).unwrap();
        let reply = status(&store, Some(&config)).unwrap();
        let fields: Vec<(String, String)> = reply
            .fields
            .iter()
            .map(|f| (f.name.discord(), f.value.discord()))
            .collect();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        assert_eq!(
            fields,
            [
                ("Last fetch", "<t:1000:R>: failed"),
                (
                    "Last change",
                    "<t:500:f>\nSessions: 0 added, 1 changed, 0 removed."
                ),
                (
                    "Last error",
                    "https://pretalx.example/conf/schedule.json answered HTTP 502 Bad Gateway\n\
                     Failing since <t:900:R>, 2 attempts in a row; the program stays as it is."
                ),
                ("Next poll", "<t:1120:R> (a retry)"),
            ]
        );
    }

    #[test]
    fn a_failed_reload_from_the_source_says_why_and_when_it_is_tried_again() {
        let outcome = Outcome {
            polled: Polled::Failed(source::SourceError::Fetch(source::FetchError::Status {
                url: "https://pretalx.example/conf/schedule.json".into(),
                status: "404 Not Found".into(),
            })),
            new_error: true,
            recovered: false,
            failed_attempts: 1,
            next_poll_at: chrono::DateTime::from_timestamp(2000, 0).unwrap(),
            next_poll_in: Duration::from_secs(60),
        };
        let Err(CommandError::User(error)) = reload_from_source(&source_config(), &outcome) else {
            panic!("a user error")
        };
        assert_eq!(
            error.0.discord(),
            "Nothing changed: https://pretalx.example/conf/schedule.json answered HTTP 404 Not \
             Found\nThe next try is <t:2000:R>."
        );
    }
}
