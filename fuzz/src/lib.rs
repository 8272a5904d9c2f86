//! What the importer targets share: options chosen by the input's first byte, and the
//! properties every successful import must have.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Utc};
use confbot::program::{Format, ImportOptions, Imported, Program, MAX_ID_LEN};

/// Splits off the first byte, which picks the options, and returns the rest as text (the
/// importers read UTF-8 files, so other bytes never reach them).
pub fn options_and_text(format: Format, data: &[u8]) -> Option<(ImportOptions, &str)> {
    let (&choice, rest) = data.split_first()?;
    let text = std::str::from_utf8(rest).ok()?;
    Some((options(format, choice), text))
}

/// Import options varied by `choice`: no zone, one without DST, two with DST on opposite
/// sides of the year; page text with and without a year, and a leap year.
pub fn options(format: Format, choice: u8) -> ImportOptions {
    let time_zone = match choice % 4 {
        0 => None,
        1 => Some(chrono_tz::UTC),
        2 => Some(chrono_tz::Europe::Berlin),
        _ => Some(chrono_tz::Australia::Sydney),
    };
    let year = match (choice / 4) % 3 {
        0 => Some(2021),
        1 => Some(2024),
        _ => None,
    };
    let conference_name = ((choice / 12) % 2 == 0).then(|| "Fuzzconf".to_string());
    ImportOptions {
        format,
        year,
        titles: None,
        time_zone,
        conference_name,
    }
}

/// A successful import holds a program every rule of `Program::new` holds for, times within
/// years 1..=9999 (so a week of lead or a day's arithmetic cannot overflow), and the format
/// asked for.
pub fn check(imported: &Imported, format: Format) {
    assert!(
        format == Format::Auto || imported.format == format,
        "asked for {format:?}, read as {:?}",
        imported.format
    );
    check_program(&imported.program);
    for warning in &imported.warnings {
        let _ = warning.to_string();
    }
}

fn check_program(program: &Program) {
    assert!(!program.conference().name.trim().is_empty());
    assert!(!program.sessions().is_empty());
    let mut ids = HashSet::new();
    let mut item = |id: &str, title: &str, start: DateTime<Utc>, end: DateTime<Utc>| {
        assert!(!id.trim().is_empty(), "empty id");
        assert!(id.chars().count() <= MAX_ID_LEN, "id too long: {id}");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(!title.trim().is_empty(), "empty title for {id}");
        assert!(start < end, "{id} ends at {end}, starts at {start}");
        for time in [start, end] {
            assert!((1..=9999).contains(&time.year()), "{id} at {time}");
        }
    };
    for session in program.sessions() {
        let (talks, session) = (&session.talks, &session.slot);
        item(&session.id, &session.title, session.start, session.end);
        for talk in talks {
            item(&talk.id, &talk.title, talk.start, talk.end);
            let inside = talk.start >= session.start && talk.end <= session.end;
            let adjacent = talk.start == session.end || talk.end == session.start;
            assert!(
                inside || adjacent,
                "talk {} outside {}",
                talk.id,
                session.id
            );
        }
    }
    // The days shown by /program: local dates of the conference zone.
    let _ = program.days();
}
