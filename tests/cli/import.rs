//! `confbot import` on each newer format, as an organiser runs it: a first import, an edited
//! copy shown by `--dry-run` (a move, a retitle, a deletion), and a broken copy refused
//! naming where, leaving the database as it was.

use std::path::{Path, PathBuf};

use confbot::store::Store;

use super::binary::{confbot, stdout};

/// `text` without the block from the last `open` before `marker` to the first `close` after it.
fn without_block(text: &str, marker: &str, open: &str, close: &str) -> String {
    let at = text.find(marker).expect("the marker is in the file");
    let start = text[..at].rfind(open).unwrap();
    let end = at + text[at..].find(close).unwrap() + close.len();
    format!("{}{}", &text[..start], &text[end..])
}

type Edit = fn(&str) -> String;

/// One format: the fixture (a file or a folder), the file in it that is edited, the edit that
/// moves, retitles and deletes, the lines `--dry-run` must show, the breaking edit and where
/// the error must say it is.
struct Case {
    fixture: &'static str,
    edited: &'static str,
    change: Edit,
    shows: &'static [&'static str],
    break_it: Edit,
    names: &'static str,
}

const CASES: &[Case] = &[
    Case {
        fixture: "tests/fixtures/pretalx-democon-2022.xml",
        edited: "",
        change: |t| {
            let t = t
                .replace(
                    "<date>2022-09-06T10:00:00+02:00</date>",
                    "<date>2022-09-06T10:15:00+02:00</date>",
                )
                .replace(
                    "<title>Managed reciprocal moratorium</title>",
                    "<title>Managed moratorium</title>",
                );
            without_block(&t, "Enhanced next generation methodology", "<event ", "</event>")
        },
        shows: &[
            "Moved session “Ergonomic object-oriented hub”: now Tue 6 Sep 10:15 CEST (was Tue 6 Sep 10:00 CEST)",
            "Changed session “Managed moratorium”: retitled from “Managed reciprocal moratorium”",
            "Cancelled session “Enhanced next generation methodology” (was Tue 6 Sep 15:00 CEST)",
        ],
        break_it: |t| t.replacen("<duration>01:30</duration>", "<duration>x</duration>", 1),
        names: "pretalx-democon-2022.xml:21: expected a duration",
    },
    Case {
        fixture: "tests/fixtures/pretalx-democon-2022.ics",
        edited: "",
        change: |t| {
            let t = t
                .replace(
                    "DTSTART;TZID=Europe/Berlin:20220906T100000",
                    "DTSTART;TZID=Europe/Berlin:20220906T101500",
                )
                .replace(
                    "SUMMARY:Managed reciprocal moratorium - ",
                    "SUMMARY:Managed moratorium - ",
                );
            without_block(&t, "Enhanced next generation methodology", "BEGIN:VEVENT", "END:VEVENT\r\n")
        },
        shows: &[
            "Moved session “Ergonomic object-oriented hub”: now Tue 6 Sep 10:15 CEST (was Tue 6 Sep 10:00 CEST)",
            "Changed session “Managed moratorium”: retitled from “Managed reciprocal moratorium”",
            "Cancelled session “Enhanced next generation methodology” (was Tue 6 Sep 15:00 CEST)",
        ],
        break_it: |t| {
            t.replace(
                "DTEND;TZID=Europe/Berlin:20220906T032000",
                "DTEND;TZID=Europe/Berlin:soon",
            )
        },
        names: "pretalx-democon-2022.ics:24: DTEND: expected a date-time",
    },
    Case {
        fixture: "tests/fixtures/eventfahrplan-v2-minor.json",
        edited: "",
        change: |t| {
            let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
            let events = v["schedule"]["events"].as_array_mut().unwrap();
            events[0]["start"] = "2024-12-27T10:45:00+01:00".into();
            events[0]["title"] = "38C3: Opening".into();
            events.remove(1);
            serde_json::to_string_pretty(&v).unwrap()
        },
        shows: &[
            "Moved session “38C3: Opening”: now Fri 27 Dec 10:45 CET (was Fri 27 Dec 10:30 CET), retitled from “38C3: Opening Ceremony”",
            "Cancelled session “Lunch” (was Fri 27 Dec 12:00 CET)",
        ],
        break_it: |t| t.replace("2024-12-27T10:30:00+01:00", "tomorrow"),
        names: "at `schedule.events[0].start`: expected a date and time with an offset",
    },
    Case {
        fixture: "tests/fixtures/miniconf-sigdial-inlg-2023",
        edited: "main_calendar.json",
        change: |t| {
            t.replace(
                r#""start": "2023-09-13T09:15:00+02:00""#,
                r#""start": "2023-09-13T09:20:00+02:00""#,
            )
            .replace(r#""title": "Keynote Lowe""#, r#""title": "Keynote: Ryan Lowe""#)
            .replace(r#""UID": "panel""#, r#""UID": "panel-discussion""#)
        },
        shows: &[
            "Moved session “Keynote Dupoux”: now Wed 13 Sep 09:20 CEST (was Wed 13 Sep 09:15 CEST)",
            "Changed session “Keynote: Ryan Lowe”: retitled from “Keynote Lowe”",
            "Cancelled session “Panel” (was Wed 13 Sep 18:10 CEST)",
        ],
        break_it: |t| t.replacen("2023-09-11T09:00:00+02:00", "Monday", 1),
        names: "main_calendar.json at `[0].start`: expected a date and time",
    },
];

/// A copy of the fixture in `dir`; returns the path to import and the file to edit.
fn copy(case: &Case, dir: &Path) -> (PathBuf, PathBuf) {
    let fixture = Path::new(case.fixture);
    let target = dir.join(fixture.file_name().unwrap());
    if fixture.is_dir() {
        std::fs::create_dir(&target).unwrap();
        for entry in std::fs::read_dir(fixture).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
        }
        let edited = target.join(case.edited);
        (target, edited)
    } else {
        std::fs::copy(fixture, &target).unwrap();
        (target.clone(), target)
    }
}

fn edit(file: &Path, change: Edit) {
    let text = std::fs::read_to_string(file).unwrap();
    let changed = change(&text);
    assert_ne!(changed, text, "{} was edited", file.display());
    std::fs::write(file, changed).unwrap();
}

/// `confbot import` of a copied fixture. A zone for every format, so none warns about guessing
/// one; a name, since MiniConf names none.
fn import_args(path: &str) -> [&str; 6] {
    [
        "import",
        path,
        "--timezone",
        "Europe/Berlin",
        "--name",
        "Conf",
    ]
}

#[test]
fn dry_run_reports_moved_retitled_and_deleted_items_in_each_format() {
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let (path, file) = copy(case, dir.path());
        let path = path.to_str().unwrap();
        let args = import_args(path);
        let first = stdout(&confbot(&db, &args));
        assert!(first.contains("added"), "{first}");
        let again = stdout(&confbot(&db, &args));
        assert!(
            again.contains("Nothing changed."),
            "{}: {again}",
            case.fixture
        );

        edit(&file, case.change);
        let dry = stdout(&confbot(&db, &[&args[..], &["--dry-run"]].concat()));
        assert!(dry.starts_with("Would import"), "{dry}");
        for line in case.shows {
            assert!(
                dry.lines().any(|l| l.trim() == *line),
                "{}: no `{line}` in\n{dry}",
                case.fixture
            );
        }
        let after = stdout(&confbot(&db, &args));
        assert!(
            after.contains("Imported"),
            "the dry run changed nothing: {after}"
        );
    }
}

#[test]
fn a_broken_copy_is_refused_naming_where_and_the_database_is_unchanged() {
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let (path, file) = copy(case, dir.path());
        let path = path.to_str().unwrap();
        let args = import_args(path);
        stdout(&confbot(&db, &args));
        let before = Store::open(&db).unwrap().load_program().unwrap();

        edit(&file, case.break_it);
        let output = confbot(&db, &args);
        assert!(!output.status.success(), "{}", case.fixture);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(case.names), "{}: {stderr}", case.fixture);
        assert_eq!(Store::open(&db).unwrap().load_program().unwrap(), before);
    }
}

#[test]
fn check_names_each_detected_format() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, format) in [
        (
            "tests/fixtures/pretalx-democon-2022.xml",
            "Pentabarf/frab schedule.xml",
        ),
        ("tests/fixtures/pretalx-democon-2022.ics", "iCalendar"),
        (
            "tests/fixtures/eventfahrplan-v2-minor.json",
            "C3VOC schedule v2 JSON",
        ),
        (
            "tests/fixtures/miniconf-sigdial-inlg-2023",
            "MiniConf sitedata folder",
        ),
    ] {
        let out = stdout(&confbot(&dir.path().join("db"), &["check", fixture]));
        assert!(
            out.starts_with(&format!("{fixture} is valid {format} (detected).\n")),
            "{out}"
        );
    }
    let output = confbot(
        &dir.path().join("db"),
        &[
            "check",
            "tests/fixtures/miniconf-sigdial-inlg-2023/papers.csv",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not a format confbot reads (it looks like CSV)"),
        "{stderr}"
    );
}
