//! The iCalendar importer, on pretalx's real export and on small calendars written here
//! (UTC, floating times, folded lines, escaped text, DURATION, repeated UIDs).

use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use confbot::program::{import_file, import_str, Format, ImportOptions, Imported, Person};

use crate::kit::{options, stored, utc, warnings_about};

const DEMOCON: &str = "tests/fixtures/pretalx-democon-2022.ics";

fn democon() -> Imported {
    import_file(Path::new(DEMOCON), &options(None, Some("DemoCon"))).unwrap()
}

/// A hand-written calendar: CRLF, a folded DESCRIPTION, escaped text, UTC and floating times,
/// DURATION instead of DTEND, and two events sharing a UID.
const SMALL: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Example//Conference site//EN\r\n\
X-WR-CALNAME:RustFest\\, Zürich\r\n\
X-WR-TIMEZONE:Europe/Zurich\r\n\
BEGIN:VEVENT\r\n\
UID:keynote@rustfest.example\r\n\
DTSTART:20240612T070000Z\r\n\
DTEND:20240612T080000Z\r\n\
SUMMARY:Rust - the next ten years\r\n\
DESCRIPTION:Where we go\\, and why.\\nSecond line\\; with a semicolon. This \r\n line is folded.\r\n\
LOCATION:Main Hall\r\n\
URL:https://rustfest.example/keynote\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:slot@rustfest.example\r\n\
DTSTART:20240612T103000\r\n\
DURATION:PT45M\r\n\
SUMMARY:Async in practice\r\n\
LOCATION:Room 2\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:slot@rustfest.example\r\n\
DTSTART:20240612T113000\r\n\
DURATION:PT30M\r\n\
SUMMARY:Embedded Rust\r\n\
LOCATION:Room 2\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

#[test]
fn democon_has_all_36_events_in_berlin_including_the_one_outside_the_conference() {
    let imported = democon();
    assert_eq!(imported.format, Format::Ical);
    let program = &imported.program;
    assert_eq!(program.conference().name, "DemoCon");
    assert_eq!(program.conference().time_zone, Tz::Europe__Berlin);
    assert_eq!(program.talks().count(), 36);
    assert_eq!(program.sessions().len(), 36, "one session per event");
    assert_eq!(
        program.days(),
        [6, 7, 8, 24].map(|d| NaiveDate::from_ymd_opt(2022, 9, d).unwrap())
    );
    assert_eq!(
        program.talks().next().unwrap().start,
        utc("2022-09-06T01:50:00+02:00")
    );
    let mut rooms: Vec<_> = program
        .sessions()
        .iter()
        .filter_map(|s| s.slot.room.clone())
        .collect();
    rooms.sort();
    rooms.dedup();
    assert_eq!(rooms, ["Dark Red Room", "Pale Golden Rod Room"]);
    let outliers = warnings_about(&imported, "days from every other event");
    assert_eq!(
        outliers,
        [
            "line 371: `Enhanced stable model` (2022-09-24) is more than 7 days from every other \
          event: is it part of this conference?"
        ]
    );
}

#[test]
fn an_event_without_a_summary_is_left_out_with_a_warning_naming_its_line() {
    let text = std::fs::read_to_string(DEMOCON)
        .unwrap()
        .replace(
            "SUMMARY:Optional bifurcated attitude - Martin Baker\r\n",
            "",
        )
        .replace(
            "SUMMARY:Ergonomic object-oriented hub - Kimberly Smith\r\n",
            "SUMMARY: \r\n",
        );
    let imported = import_str("democon.ics", &text, &options(None, Some("DemoCon"))).unwrap();
    assert_eq!(
        imported.program.talks().count(),
        34,
        "the other events stay"
    );
    assert!(!imported
        .program
        .talks()
        .any(|t| t.id == "pretalx-democon-CAXE7R@localhost"));
    let warnings = warnings_about(&imported, "SUMMARY");
    assert_eq!(
        warnings,
        [
            "line 31: the event has no SUMMARY (its title), so it is left out",
            "line 40: the event has no SUMMARY (its title), so it is left out"
        ]
    );
}

#[test]
fn pretalx_summaries_are_split_into_title_and_speakers() {
    let program = democon().program;
    let talk = program
        .talks()
        .find(|t| t.id == "pretalx-democon-LNNGAM@localhost")
        .unwrap();
    assert_eq!(talk.title, "Up-sized optimal hardware");
    assert_eq!(
        talk.speakers,
        [
            Person::new("Brandy Mcclain"),
            Person::new("Christine Green")
        ]
    );
    assert_eq!(
        talk.start
            .with_timezone(&Tz::Europe__Berlin)
            .format("%a %-d %b %H:%M")
            .to_string(),
        "Tue 6 Sep 12:30"
    );
    assert_eq!(talk.abstract_text, "Productize compelling deliverables!");
    assert_eq!(
        talk.url.as_deref(),
        Some("http://localhost/democon/talk/LNNGAM/")
    );
    assert_eq!(
        program
            .sessions()
            .iter()
            .find(|s| s.talks[0].id == talk.id)
            .unwrap()
            .slot
            .room
            .as_deref(),
        Some("Pale Golden Rod Room")
    );
}

#[test]
fn without_a_calendar_name_the_conference_is_named_after_the_file() {
    let imported = import_file(Path::new(DEMOCON), &options(None, None)).unwrap();
    assert_eq!(imported.program.conference().name, "pretalx-democon-2022");
    assert!(imported.warnings.iter().any(|w| w.message
        == "the calendar has no X-WR-CALNAME; calling the conference `pretalx-democon-2022` \
            (give --name to choose)"));
}

#[test]
fn reimporting_democon_changes_nothing() {
    let store = stored(&democon().program);
    assert!(store
        .replace_program(&democon().program)
        .unwrap()
        .is_empty());
}

#[test]
fn utc_floating_folded_escaped_and_duration_events_all_read() {
    let imported = import_str("rustfest.ics", SMALL, &ImportOptions::default()).unwrap();
    let program = &imported.program;
    assert_eq!(program.conference().name, "RustFest, Zürich");
    assert_eq!(program.conference().time_zone, Tz::Europe__Zurich);
    let talks: Vec<_> = program.talks().collect();
    assert_eq!(talks.len(), 3);
    assert_eq!(
        talks[0].title, "Rust - the next ten years",
        "not pretalx: the SUMMARY is the title"
    );
    assert!(talks[0].speakers.is_empty());
    assert_eq!(talks[0].start, utc("2024-06-12T09:00:00+02:00"));
    assert_eq!(
        talks[0].abstract_text,
        "Where we go, and why.\nSecond line; with a semicolon. This line is folded."
    );
    assert_eq!(
        talks[1].start,
        utc("2024-06-12T10:30:00+02:00"),
        "floating: X-WR-TIMEZONE"
    );
    assert_eq!(
        talks[1].end - talks[1].start,
        chrono::TimeDelta::minutes(45)
    );
    assert_eq!(talks[1].id, "slot@rustfest.example");
    assert_eq!(talks[2].id, "slot@rustfest.example-2");
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "line 23: UID `slot@rustfest.example` was already used by the event at line 16; \
          `Embedded Rust` is imported as `slot@rustfest.example-2`"
        ]
    );
}

#[test]
fn a_repeating_event_is_imported_once_with_a_warning() {
    let text = SMALL.replace(
        "DTEND:20240612T080000Z\r\n",
        "DTEND:20240612T080000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n",
    );
    let imported = import_str("rustfest.ics", &text, &ImportOptions::default()).unwrap();
    assert_eq!(imported.program.talks().count(), 3);
    assert_eq!(
        imported.warnings[0].to_string(),
        "line 10: `Rust - the next ten years` repeats (RRULE); only its first time, 2024-06-12 \
         07:00 UTC, is imported"
    );
}

#[test]
fn floating_times_with_no_zone_anywhere_are_refused_naming_the_line() {
    let text = SMALL.replace("X-WR-TIMEZONE:Europe/Zurich\r\n", "");
    let error = import_str("rustfest.ics", &text, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "rustfest.ics:17: DTSTART: a local time without a zone (no `Z`, no TZID) in a calendar \
         without X-WR-TIMEZONE: give the conference's zone with --timezone ZONE; confbot does \
         not guess UTC"
    );
    let imported = import_str(
        "rustfest.ics",
        &text,
        &options(Some(Tz::Europe__Zurich), None),
    )
    .unwrap();
    assert_eq!(
        imported.program.talks().nth(1).unwrap().start,
        utc("2024-06-12T10:30:00+02:00")
    );
}

#[test]
fn a_tzid_that_is_no_iana_zone_needs_timezone() {
    let text = SMALL.replace(
        "DTSTART:20240612T103000",
        "DTSTART;TZID=W. Europe Standard Time:20240612T103000",
    );
    let error = import_str("rustfest.ics", &text, &ImportOptions::default()).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "rustfest.ics:18: DTSTART: TZID `W. Europe Standard Time` is not an IANA time zone"
        ),
        "{error}"
    );
    let imported = import_str(
        "rustfest.ics",
        &text,
        &options(Some(Tz::Europe__Zurich), None),
    )
    .unwrap();
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.contains(
            &"line 18: TZID `W. Europe Standard Time` is not an IANA time zone; its times are \
              read in Europe/Zurich as given"
                .to_string()
        ),
        "{warnings:?}"
    );
}

#[test]
fn broken_calendars_are_refused_naming_the_line() {
    let error = |text: &str| {
        import_str("rustfest.ics", text, &ImportOptions::default())
            .unwrap_err()
            .to_string()
    };
    let cut = &SMALL[..SMALL.find("SUMMARY:Embedded").unwrap()];
    assert_eq!(
        error(cut),
        "rustfest.ics:23: BEGIN:VEVENT is never closed (is the file cut off?)"
    );
    assert_eq!(
        error(&SMALL.replace("DTEND:20240612T080000Z", "DTEND:tomorrow")),
        "rustfest.ics:9: DTEND: expected a date-time such as `20220906T113000` (or with `Z`), \
         found `tomorrow`"
    );
    assert_eq!(
        error(&SMALL.replace("DURATION:PT45M", "DURATION:45 minutes")),
        "rustfest.ics:19: expected DURATION such as `PT45M` or `PT1H30M`, found `45 minutes`"
    );
    let democon = std::fs::read_to_string(DEMOCON).unwrap();
    assert_eq!(
        error(&democon.replacen("END:VEVENT", "END:VTODO", 1)),
        "rustfest.ics:30: END:VTODO does not close BEGIN:VEVENT of line 21"
    );
}
