//! The MiniConf importer, on SIGdial & INLG 2023's real `sitedata/` and on edited copies of it.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use confbot::program::{
    import_file, Format, ImportOptions, Imported, Location, Person, ProgramDiff, TalkKind,
};
use serde_json::{Map, Value};

use crate::kit::{import, stored, utc};

const SITEDATA: &str = "tests/fixtures/miniconf-sigdial-inlg-2023";

fn sigdial() -> Imported {
    import(Path::new(SITEDATA), Some(Tz::Europe__Prague)).unwrap()
}

/// A copy of the fixture folder with `file` edited.
fn edited(file: &str, edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("sitedata");
    std::fs::create_dir(&copy).unwrap();
    for name in ["main_calendar.json", "papers.csv", "config.yml"] {
        std::fs::copy(Path::new(SITEDATA).join(name), copy.join(name)).unwrap();
    }
    let text = std::fs::read_to_string(copy.join(file)).unwrap();
    std::fs::write(copy.join(file), edit(text)).unwrap();
    (dir, copy)
}

/// A copy of the fixture folder with the calendar's entries changed by `edit`.
fn calendar_edited(edit: impl FnOnce(&mut [Value])) -> (tempfile::TempDir, PathBuf) {
    edited("main_calendar.json", |text| {
        let mut entries: Vec<Value> = serde_json::from_str(&text).unwrap();
        edit(&mut entries);
        serde_json::to_string_pretty(&entries).unwrap()
    })
}

/// The calendar entry whose `field` is `value`.
fn entry<'a>(entries: &'a mut [Value], field: &str, value: &str) -> &'a mut Map<String, Value> {
    entries
        .iter_mut()
        .map(|e| e.as_object_mut().unwrap())
        .find(|e| e.get(field).and_then(Value::as_str) == Some(value))
        .unwrap()
}

#[test]
fn sigdial_has_52_sessions_16_with_117_papers_and_15_breaks() {
    let imported = sigdial();
    assert_eq!(imported.format, Format::MiniConf);
    assert!(imported.warnings.is_empty(), "{:#?}", imported.warnings);
    let program = &imported.program;
    assert_eq!(program.conference().name, "Program of SIGdial & INLG");
    assert_eq!(program.sessions().len(), 52);
    let with = |n: &dyn Fn(usize) -> bool| {
        program
            .sessions()
            .iter()
            .filter(|s| n(s.talks.len()))
            .count()
    };
    assert_eq!(with(&|n| n == 0), 15, "breaks have no talks");
    assert_eq!(with(&|n| n > 1), 16, "the sessions papers name");
    assert_eq!(
        with(&|n| n == 1),
        21,
        "keynotes, workshops... are a talk of their own"
    );
    assert_eq!(program.talks().count(), 117 + 21);
    assert_eq!(
        program.days(),
        [11, 12, 13, 14, 15].map(|d| NaiveDate::from_ymd_opt(2023, 9, d).unwrap())
    );
    assert_eq!(
        program.sessions()[0].slot.start,
        utc("2023-09-11T09:00:00+02:00")
    );
    let mut rooms: Vec<_> = program
        .sessions()
        .iter()
        .filter_map(|s| s.slot.room.as_deref())
        .collect();
    rooms.sort_unstable();
    rooms.dedup();
    assert_eq!(rooms.len(), 12);
}

#[test]
fn a_paper_is_a_talk_spanning_the_session_its_uid_names() {
    let program = sigdial().program;
    let paper = program.talks().find(|t| t.id == "inlg124").unwrap();
    assert_eq!(
        paper.title,
        "enunlg: a Python library for reproducible neural data-to-text experimentation"
    );
    assert_eq!(paper.kind, TalkKind::Poster);
    assert_eq!(
        paper.speakers,
        [
            Person::new("David M. Howcroft"),
            Person::new("Dimitra Gkatzia")
        ]
    );
    assert!(paper
        .abstract_text
        .starts_with("Over the past decade, a variety of neural architectures"));
    assert_eq!(
        paper
            .start
            .with_timezone(&Tz::Europe__Prague)
            .format("%a %-d %b %H:%M")
            .to_string(),
        "Thu 14 Sep 17:35"
    );
    let session = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "genchalpostersession+demos-session")
        .unwrap();
    assert_eq!(
        session.slot.title,
        "GenChal Poster Session + demos, Simon Mille"
    );
    assert_eq!(session.talks.len(), 7);
    assert_eq!(
        (paper.start, paper.end),
        (session.slot.start, session.slot.end)
    );
    let oral = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "sigdialoralsession1-session")
        .unwrap();
    assert_eq!(oral.talks.len(), 5);
    assert!(oral.talks.iter().all(|t| t.kind == TalkKind::Oral));
    assert_eq!(oral.moderators, [Person::new("Gabriel Skantze")]);
    let keynote = program.talks().find(|t| t.id == "keynotedupoux").unwrap();
    assert_eq!(keynote.kind, TalkKind::Keynote);
}

#[test]
fn without_a_timezone_the_offsets_decide_with_a_warning() {
    let imported = import(Path::new(SITEDATA), None).unwrap();
    assert_eq!(imported.program.conference().time_zone, Tz::Etc__GMTMinus2);
    assert_eq!(
        imported.warnings[0].to_string(),
        "a MiniConf folder names no time zone; showing times in Etc/GMT-2, the fixed offset of \
         every event date (give --timezone to choose)"
    );
}

#[test]
fn reimporting_changes_nothing() {
    let store = stored(&sigdial().program);
    assert!(store
        .replace_program(&sigdial().program)
        .unwrap()
        .is_empty());
}

#[test]
fn papers_find_sessions_by_lowercase_uid_or_title_and_the_rest_are_named_in_warnings() {
    let (_dir, copy) = edited("main_calendar.json", |t| {
        t.replace(
            r#""UID": "sigdialoralsession1""#,
            r#""uid": "sigdialoralsession1""#,
        )
    });
    std::fs::write(
        copy.join("papers.csv"),
        std::fs::read_to_string(copy.join("papers.csv"))
            .unwrap()
            .replacen(",virtualpostersession,", ",Sigdial Poster Session 1,", 1)
            .replacen(",genchalpostersession+demos,", ",nosuchsession,", 1),
    )
    .unwrap();
    let imported = import(&copy, Some(Tz::Europe__Prague)).unwrap();
    let program = &imported.program;
    let oral = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "sigdialoralsession1-session")
        .unwrap();
    assert_eq!(oral.talks.len(), 5, "linked by the lowercase `uid`");
    let by_title = program.talks().find(|t| t.id == "inlg123").unwrap();
    assert_eq!(by_title.start, utc("2023-09-13T13:30:00+02:00"));
    assert!(!program.talks().any(|t| t.id == "inlg124"));
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "line 3: paper `inlg124` (enunlg: a Python library for reproducible neural \
          data-to-text experimentation) names session `nosuchsession`, which is not in \
          main_calendar.json, so it is left out"
        ]
    );
}

#[test]
fn papers_json_is_read_with_fields_at_the_top_or_under_content() {
    let (_dir, copy) = edited("config.yml", |t| t);
    std::fs::remove_file(copy.join("papers.csv")).unwrap();
    let papers = serde_json::json!([
        {"UID": "p1", "title": "Flat paper", "authors": "Ada Lovelace|Grace Hopper",
         "abstract": "First.", "session": "keynotelowe", "contact": "ada@example.org"},
        {"id": "p2", "content": {"title": "Nested paper", "authors": ["Alan Turing"],
         "abstract": "Second.", "sessions": ["Sigdial Poster Session 1"]}}
    ]);
    std::fs::write(copy.join("papers.json"), papers.to_string()).unwrap();
    let program = import(&copy, Some(Tz::Europe__Prague)).unwrap().program;
    let flat = program.talks().find(|t| t.id == "p1").unwrap();
    assert_eq!(
        flat.speakers,
        [Person::new("Ada Lovelace"), Person::new("Grace Hopper")]
    );
    assert_eq!(flat.start, utc("2023-09-13T17:10:00+02:00"));
    let nested = program.talks().find(|t| t.id == "p2").unwrap();
    assert_eq!(nested.title, "Nested paper");
    assert_eq!(nested.kind, TalkKind::Poster);
    assert_eq!(nested.abstract_text, "Second.");
    assert_eq!(
        program.talks().count(),
        2 + 35,
        "the two papers, and a talk of its own for each other entry that is not a break"
    );
}

#[test]
fn a_contact_column_is_never_read_or_shown() {
    let (_dir, copy) = edited("papers.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        lines[0].push_str(",contact");
        lines[1].push_str(",someone@example.org");
        // A row with a field too many would be a CSV error: it must not quote the row.
        lines[2].push_str(",other@example.org,extra");
        lines.join("\n")
    });
    let error = import(&copy, Some(Tz::Europe__Prague)).unwrap_err();
    assert!(!error.contains('@'), "{error}");
    assert!(
        error.ends_with("papers.csv:3: invalid CSV: expected 13 fields as in the header, found 14"),
        "{error}"
    );
}

#[test]
fn broken_calendars_are_refused_naming_the_path_or_the_folder() {
    let (_dir, copy) = edited("main_calendar.json", |t| {
        t.replacen("2023-09-11T09:00:00+02:00", "Monday 9:00", 1)
    });
    let error = import(&copy, Some(Tz::Europe__Prague)).unwrap_err();
    assert!(
        error.ends_with(
            "main_calendar.json at `[0].start`: expected a date and time such as \
             `2023-09-13T09:00:00+02:00`, found `Monday 9:00`"
        ),
        "{error}"
    );
    let (_dir, copy) = edited("main_calendar.json", |t| t[..t.len() / 2].to_string());
    let error = import(&copy, None).unwrap_err();
    assert!(error.contains("main_calendar.json:"), "{error}");
    assert!(error.contains("invalid JSON"), "{error}");
    let empty = tempfile::tempdir().unwrap();
    let error = import_file(empty.path(), &ImportOptions::default()).unwrap_err();
    assert_eq!(error.location, Location::File);
    assert!(
        error.message.starts_with(
            "expected a MiniConf sitedata/ folder with main_calendar.json (and papers.csv or \
             papers.json), found no main_calendar.json"
        ),
        "{error}"
    );
}

#[test]
fn cut_off_or_garbled_folders_are_errors_never_panics() {
    for file in ["main_calendar.json", "papers.csv", "config.yml"] {
        let text = std::fs::read_to_string(Path::new(SITEDATA).join(file)).unwrap();
        let cuts = (1..12).map(|n| text.len() * n / 12);
        for cut in cuts.filter(|&c| text.is_char_boundary(c)) {
            let (_dir, copy) = edited(file, |t| format!("{}\",,|\"\n{{", &t[..cut]));
            let _ = import(&copy, None);
        }
    }
}

#[test]
fn entries_sharing_a_uid_get_numbered_ids_the_same_on_every_import_with_a_warning() {
    let (_dir, copy) = calendar_edited(|entries| {
        for (uid, shared) in [
            ("coffeebreak1", "break"),
            ("coffeebreak2", "break"),
            ("dstc11", "workshop"),
            ("cs4oa", "workshop"),
        ] {
            entry(entries, "UID", uid).insert("UID".into(), shared.into());
        }
    });
    let imported = import(&copy, Some(Tz::Europe__Prague)).unwrap();
    let program = &imported.program;
    assert_eq!(program.sessions().len(), 52);
    let titled = |id: &str| {
        let session = program.sessions().iter().find(|s| s.slot.id == id);
        session.map(|s| (s.slot.title.as_str(), s.slot.start))
    };
    assert_eq!(
        titled("break-session"),
        Some(("Coffee break", utc("2023-09-11T10:00:00+02:00")))
    );
    assert_eq!(
        titled("break-2-session"),
        Some(("Coffee break", utc("2023-09-11T15:00:00+02:00")))
    );
    assert_eq!(titled("workshop-session").unwrap().0, "DSTC11");
    assert_eq!(titled("workshop-2-session").unwrap().0, "CS4OA");
    let talk = |id: &str| {
        program
            .talks()
            .find(|t| t.id == id)
            .map(|t| t.title.as_str())
    };
    assert_eq!(
        (talk("workshop"), talk("workshop-2")),
        (Some("DSTC11"), Some("CS4OA"))
    );
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "at `[1].UID`: UID `workshop` is also that of entry [0] of main_calendar.json; \
             `CS4OA` is imported as `workshop-2`",
            "at `[6].UID`: UID `break` is also that of entry [4] of main_calendar.json; \
             `Coffee break` is imported as `break-2`",
        ]
    );
    let again = import(&copy, Some(Tz::Europe__Prague)).unwrap().program;
    assert!(ProgramDiff::between(Some(program), &again).is_empty());
}

#[test]
fn an_entry_without_a_uid_that_moves_is_moved_and_its_talks_keep_their_ids() {
    let oral = "Sigdial Oral Session 1: Analysis of discourse and dialogue";
    let (_dir, copy) = calendar_edited(|entries| {
        for uid in ["keynotedupoux", "sigdialoralsession1", "coffeebreak5"] {
            entry(entries, "UID", uid).remove("UID");
        }
    });
    // Sites without UIDs link papers to sessions by title.
    let papers = std::fs::read_to_string(copy.join("papers.csv")).unwrap();
    let papers = papers.replace(",sigdialoralsession1,", &format!(",{oral},"));
    std::fs::write(copy.join("papers.csv"), papers).unwrap();
    let before = import(&copy, Some(Tz::Europe__Prague)).unwrap().program;
    assert_eq!(
        before
            .sessions()
            .iter()
            .filter(|s| s.slot.title == oral)
            .map(|s| s.talks.len())
            .sum::<usize>(),
        5
    );

    let calendar = copy.join("main_calendar.json");
    let mut entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&calendar).unwrap()).unwrap();
    for (title, start, end) in [
        (
            oral,
            "2023-09-13T14:00:00+02:00",
            "2023-09-13T15:45:00+02:00",
        ),
        (
            "Keynote Dupoux",
            "2023-09-14T09:15:00+02:00",
            "2023-09-14T10:15:00+02:00",
        ),
    ] {
        let moved = entry(&mut entries, "title", title);
        moved.insert("start".into(), start.into());
        moved.insert("end".into(), end.into());
    }
    std::fs::write(&calendar, serde_json::to_string(&entries).unwrap()).unwrap();
    let after = import(&copy, Some(Tz::Europe__Prague)).unwrap().program;

    let diff = ProgramDiff::between(Some(&before), &after);
    assert!(
        diff.changes.iter().all(|c| c.is_moved()),
        "{:#?}",
        diff.changes
    );
    let sessions: Vec<String> = diff
        .changes
        .iter()
        .filter(|c| c.is_material())
        .map(|c| c.describe(Tz::Europe__Prague))
        .collect();
    assert_eq!(
        sessions,
        [
            format!(
                "Moved session “{oral}”: now Wed 13 Sep 14:00 CEST (was Wed 13 Sep 10:45 CEST)"
            ),
            "Moved session “Keynote Dupoux”: now Thu 14 Sep 09:15 CEST (was Wed 13 Sep 09:15 CEST)"
                .to_string(),
        ]
    );
    assert_eq!(
        diff.changes.len(),
        2 + 5 + 1,
        "the sessions, the papers, the keynote talk"
    );
    let reloaded = stored(&before).replace_program(&after).unwrap();
    assert_eq!(reloaded, diff, "a reload records the same moves");
}
