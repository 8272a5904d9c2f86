//! The live program source against a loopback HTTP server: what one poll does with a new, an
//! unchanged, a redirected, a compressed, a slow, an endless, a broken and a bad document, and
//! what it remembers (validators, errors, backoff) across polls and restarts.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use confbot::program::{import_str, Format, ImportOptions, Program};
use confbot::source::Settings as SourceSettings;
use confbot::source::{
    poll_once, reload_now, FetchError, Limits, Outcome, Polled, Source, SourceError,
};
use confbot::store::{PollResult, Store};

use crate::program_server::{Answer, ProgramServer, PATH};

const POLL: Duration = Duration::from_secs(300);

/// Small enough for an endless body to hit quickly, large enough for the test programs.
const CAP: u64 = 64 << 10;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 5, 4, 17, minute, 0).unwrap()
}

/// Two sessions in confbot JSON; the first starts at `start` (conference time).
fn program_json(start: &str) -> String {
    format!(
        r#"{{"conference": {{"name": "Live Conf", "time_zone": "America/Los_Angeles"}}, "sessions": [
            {{"id": "orals-1", "title": "Orals 1", "room": "Hall A",
             "start": "2021-05-04 {start}", "end": "2021-05-04 12:30"}},
            {{"id": "posters", "title": "Posters", "room": "Hall B",
             "start": "2021-05-04 13:00", "end": "2021-05-04 14:00"}}]}}"#
    )
}

fn program(start: &str) -> Program {
    import_str("test", &program_json(start), &ImportOptions::default())
        .unwrap()
        .program
}

fn limits() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        max_bytes: CAP,
        max_redirects: 5,
    }
}

fn source(url: reqwest::Url) -> Source {
    let config = SourceSettings {
        url,
        poll: POLL,
        format: Format::Auto,
        time_zone: None,
    };
    Source::new(config, limits()).unwrap()
}

fn error(outcome: &Outcome) -> String {
    match &outcome.polled {
        Polled::Failed(error) => error.to_string(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The stored program, compared by the first session's start.
fn orals_start(store: &Store) -> String {
    let program = store.load_program().unwrap().unwrap();
    let tz = program.conference().time_zone;
    program.sessions()[0]
        .slot
        .start
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

#[tokio::test]
async fn a_changed_document_is_imported_and_an_unchanged_one_costs_a_304_and_no_parse() {
    let server = ProgramServer::start(program_json("11:00")).await;
    let source = source(server.url());
    let store = Store::open_in_memory().unwrap();

    let first = poll_once(&store, &source, at(0)).await.unwrap();
    let Polled::Imported(imported, diff) = &first.polled else {
        panic!("{first:?}")
    };
    assert_eq!(imported.format, Format::Json);
    assert_eq!(
        diff.to_string(),
        "Sessions: 2 added, 0 changed, 0 removed. Talks: 0 added, 0 changed, 0 removed."
    );
    assert_eq!((first.next_poll_in, first.next_poll_at), (POLL, at(5)));

    // Someone imports another program meanwhile: were the 304 parsed and imported, the
    // source's program would come back.
    store.replace_program(&program("10:00")).unwrap();
    let second = poll_once(&store, &source, at(5)).await.unwrap();
    assert!(matches!(second.polled, Polled::NotModified), "{second:?}");
    assert_eq!(orals_start(&store), "10:00");
    let seen = server.seen();
    assert_eq!(seen[0].if_none_match, None, "nothing to validate at first");
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        seen[1].if_modified_since.as_deref(),
        Some("Tue, 04 May 2021 17:01:00 GMT")
    );
    assert_eq!(seen[1].status, 304);

    server.set_document(program_json("11:30"));
    let third = poll_once(&store, &source, at(10)).await.unwrap();
    let Polled::Imported(_, diff) = &third.polled else {
        panic!("{third:?}")
    };
    assert_eq!(
        diff.changes[0].describe(chrono_tz::America::Los_Angeles),
        "Moved session “Orals 1”: now Tue 4 May 11:30 PDT (was Tue 4 May 10:00 PDT)"
    );
    assert_eq!(orals_start(&store), "11:30");
    let state = store.source_state().unwrap().unwrap();
    assert_eq!(state.last_change_at, Some(at(10)));
    assert!(
        state.last_change.as_deref().unwrap().starts_with(
            "Sessions: 0 added, 1 changed, 0 removed. Talks: 0 added, 0 changed, 0 removed.\n• Moved session “Orals 1”"
        ),
        "{state:?}"
    );
    assert_eq!(
        (state.etag.as_deref(), state.last_result, state.next_poll_at),
        (Some("\"v2\""), Some(PollResult::Imported), Some(at(15)))
    );
}

#[tokio::test]
async fn the_same_bytes_without_validators_are_not_parsed_again() {
    let server = ProgramServer::start(program_json("11:00")).await;
    server.validators(false, false);
    let source = source(server.url());
    let store = Store::open_in_memory().unwrap();
    poll_once(&store, &source, at(0)).await.unwrap();
    store.replace_program(&program("10:00")).unwrap();

    let again = poll_once(&store, &source, at(5)).await.unwrap();
    assert!(matches!(again.polled, Polled::Unchanged), "{again:?}");
    assert_eq!(orals_start(&store), "10:00", "not imported again");
    assert!(server
        .seen()
        .iter()
        .all(|s| s.status == 200 && s.if_none_match.is_none() && s.if_modified_since.is_none()));
    assert_eq!(
        store.source_state().unwrap().unwrap().last_result,
        Some(PollResult::Unchanged)
    );
}

#[tokio::test]
async fn last_modified_alone_makes_the_request_conditional_and_survives_a_restart() {
    let server = ProgramServer::start(program_json("11:00")).await;
    server.validators(false, true);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    let source = source(server.url());
    poll_once(&Store::open(&db).unwrap(), &source, at(0))
        .await
        .unwrap();

    let reopened = Store::open(&db).unwrap();
    let outcome = poll_once(&reopened, &source, at(5)).await.unwrap();
    assert!(matches!(outcome.polled, Polled::NotModified), "{outcome:?}");
    let seen = server.seen();
    assert_eq!(seen[1].if_none_match, None);
    assert_eq!(
        seen[1].if_modified_since.as_deref(),
        Some("Tue, 04 May 2021 17:01:00 GMT")
    );
}

#[tokio::test]
async fn a_reload_fetches_unconditionally_and_imports_even_the_same_bytes() {
    let server = ProgramServer::start(program_json("11:00")).await;
    let source = source(server.url());
    let store = Store::open_in_memory().unwrap();
    poll_once(&store, &source, at(0)).await.unwrap();
    store.replace_program(&program("10:00")).unwrap();

    let outcome = reload_now(&store, &source, at(1)).await.unwrap();
    let Polled::Imported(_, diff) = &outcome.polled else {
        panic!("{outcome:?}")
    };
    assert_eq!(diff.changes.len(), 1, "{diff:?}");
    assert_eq!(orals_start(&store), "11:00", "the source's program is back");
    assert_eq!(server.seen()[1].if_none_match, None);
    assert_eq!(outcome.next_poll_at, at(6), "the schedule starts again");
}

#[tokio::test]
async fn redirects_are_followed_up_to_five() {
    let server = ProgramServer::start(program_json("11:00")).await;
    let store = Store::open_in_memory().unwrap();
    let five = poll_once(&store, &source(server.url_at("/hop/4")), at(0))
        .await
        .unwrap();
    assert!(matches!(five.polled, Polled::Imported(..)), "{five:?}");
    assert_eq!(server.seen().last().unwrap().path, PATH);

    let url = server.url_at("/hop/5");
    let six = poll_once(&store, &source(url.clone()), at(1))
        .await
        .unwrap();
    assert_eq!(error(&six), format!("{url} redirected more than 5 times"));
}

#[tokio::test]
async fn a_gzipped_document_is_accepted() {
    let server = ProgramServer::start(program_json("11:00")).await;
    server.gzip(true);
    let store = Store::open_in_memory().unwrap();
    let outcome = poll_once(&store, &source(server.url()), at(0))
        .await
        .unwrap();
    assert!(
        matches!(outcome.polled, Polled::Imported(..)),
        "{outcome:?}"
    );
    assert!(server.seen()[0]
        .accept_encoding
        .as_deref()
        .is_some_and(|a| a.contains("gzip")));
    assert_eq!(orals_start(&store), "11:00");
}

/// Imports the 11:00 program, then makes the server answer `answer` with `document`, polls
/// once and checks the program stayed: the failure's message.
async fn failure(answer: Answer, document: Option<Vec<u8>>) -> (reqwest::Url, String, Store) {
    let server = ProgramServer::start(program_json("11:00")).await;
    let source = source(server.url());
    let store = Store::open_in_memory().unwrap();
    poll_once(&store, &source, at(0)).await.unwrap();
    if let Some(document) = document {
        server.set_document(document);
    }
    server.answer(answer);
    let outcome = poll_once(&store, &source, at(5)).await.unwrap();
    assert_eq!(orals_start(&store), "11:00", "the program stays as it is");
    let state = store.source_state().unwrap().unwrap();
    assert_eq!(
        (
            state.last_result,
            state.failed_attempts,
            state.etag.as_deref()
        ),
        (Some(PollResult::Failed), 1, Some("\"v1\"")),
        "the failure is recorded, the validators of the good document kept"
    );
    assert_eq!(state.last_error.as_deref(), Some(error(&outcome).as_str()));
    (server.url(), error(&outcome), store)
}

#[tokio::test]
async fn a_server_error_or_a_missing_document_keeps_the_program() {
    let (url, message, _) = failure(Answer::Status(500), None).await;
    assert_eq!(
        message,
        format!("{url} answered HTTP 500 Internal Server Error")
    );
    let (url, message, _) = failure(Answer::Status(404), None).await;
    assert_eq!(message, format!("{url} answered HTTP 404 Not Found"));
}

#[tokio::test]
async fn an_invalid_document_keeps_the_program_and_says_where() {
    let broken = program_json("11:30").replace("12:30", "half past twelve");
    let (url, message, _) = failure(Answer::Document, Some(broken.into_bytes())).await;
    assert!(
        message.starts_with(url.as_str()) && message.contains(" at `sessions[0].end`: "),
        "{message}"
    );
    let (url, message, _) =
        failure(Answer::Document, Some(b"<html>Bad gateway</html>".to_vec())).await;
    assert!(message.starts_with(url.as_str()), "{message}");
    let (url, message, _) = failure(Answer::Document, Some(vec![b'{', 0xff, 0xfe])).await;
    assert_eq!(
        message,
        format!("{url} is not UTF-8 text (invalid byte at offset 1)")
    );
}

#[tokio::test]
async fn a_slow_body_times_out_and_an_endless_one_stops_at_the_cap() {
    let (url, message, _) = failure(Answer::Stall, None).await;
    assert_eq!(message, format!("{url} did not answer in full within 2s"));
    let (url, message, _) = failure(Answer::Endless, None).await;
    assert_eq!(
        message,
        format!("{url} is larger than the limit of 65536 bytes")
    );
    // A declared length over the cap is refused before the body is read.
    let large = format!("{}{}", program_json("11:30"), " ".repeat(CAP as usize));
    let (url, message, _) = failure(Answer::Document, Some(large.into_bytes())).await;
    assert_eq!(
        message,
        format!("{url} is larger than the limit of 65536 bytes")
    );
}

#[tokio::test]
async fn a_broken_connection_or_no_server_keeps_the_program() {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&program("11:00")).unwrap();
    let url = crate::program_server::cut_off(program_json("11:30").into_bytes()).await;
    let outcome = poll_once(&store, &source(url.clone()), at(0))
        .await
        .unwrap();
    assert!(
        error(&outcome).starts_with(&format!("the answer from {url} broke off: ")),
        "{outcome:?}"
    );
    assert_eq!(orals_start(&store), "11:00");

    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url: reqwest::Url = format!("http://127.0.0.1:{port}{PATH}").parse().unwrap();
    let outcome = poll_once(&store, &source(url.clone()), at(0))
        .await
        .unwrap();
    assert!(
        error(&outcome).starts_with(&format!("could not reach {url}: ")),
        "{outcome:?}"
    );
    assert!(matches!(
        outcome.polled,
        Polled::Failed(SourceError::Fetch(FetchError::Unreachable { .. }))
    ));
    assert_eq!(orals_start(&store), "11:00");
}

#[tokio::test]
async fn a_repeated_error_is_new_once_and_retries_back_off_to_the_poll_interval() {
    let server = ProgramServer::start(program_json("11:00")).await;
    let source = source(server.url());
    let store = Store::open_in_memory().unwrap();
    poll_once(&store, &source, at(0)).await.unwrap();

    server.answer(Answer::Status(503));
    let mut outcomes = Vec::new();
    for minute in [5, 6, 8] {
        outcomes.push(poll_once(&store, &source, at(minute)).await.unwrap());
    }
    server.answer(Answer::Status(500));
    outcomes.push(poll_once(&store, &source, at(12)).await.unwrap());
    let summary: Vec<(bool, u32, u64)> = outcomes
        .iter()
        .map(|o| {
            (
                o.new_error,
                o.failed_attempts,
                o.next_poll_in.as_secs() / 60,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(true, 1, 1), (false, 2, 2), (false, 3, 4), (true, 4, 5)],
        "logged when it first fails and when the error changes; 1, 2, 4 min, then the interval"
    );
    let state = store.source_state().unwrap().unwrap();
    assert_eq!(state.last_error_at, Some(at(12)));
    assert_eq!(state.next_poll_at, Some(at(17)));

    server.answer(Answer::Document);
    let back = poll_once(&store, &source, at(17)).await.unwrap();
    assert!(back.recovered && !back.new_error, "{back:?}");
    assert!(matches!(back.polled, Polled::NotModified));
    assert_eq!(back.next_poll_in, POLL);
    let state = store.source_state().unwrap().unwrap();
    assert_eq!(state.failed_attempts, 0);
    assert!(
        state
            .last_error
            .unwrap()
            .ends_with("answered HTTP 500 Internal Server Error"),
        "the last error stays on record"
    );
}
