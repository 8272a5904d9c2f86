//! `--format auto` on every bundled file, `confbot check` naming the format and listing
//! warnings apart from errors, and no panic on broken input.

use std::path::Path;
use std::process::Command;

use confbot::program::{import_file, import_str, Format, ImportOptions};

#[test]
fn auto_detects_the_format_of_each_bundled_file() {
    for (path, format) in [
        ("data/iclr2021-tue-4-may.txt", Format::Page),
        ("data/iclr2021-tue-4-may.json", Format::Json),
        ("tests/fixtures/pretalx-democon.json", Format::Frab),
        ("tests/fixtures/frab-edge-cases.json", Format::Frab),
        ("tests/fixtures/sessionize-all.json", Format::Sessionize),
        (
            "tests/fixtures/eventfahrplan-v2-minor.json",
            Format::ScheduleV2,
        ),
        ("tests/fixtures/pretalx-democon-2022.xml", Format::Pentabarf),
        ("tests/fixtures/pretalx-democon-2022.ics", Format::Ical),
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(Format::detect(&text), Ok(format), "{path}");
    }
}

#[test]
fn schedule_v2_is_told_from_v1_by_its_flat_event_list_or_its_schema() {
    let v2 = std::fs::read_to_string("tests/fixtures/eventfahrplan-v2-minor.json").unwrap();
    let without_schema = v2.replace("https://c3voc.de/schema/schedule2", "");
    assert_eq!(Format::detect(&without_schema), Ok(Format::ScheduleV2));
    let cut = &v2[..v2.find("\"events\"").unwrap()];
    assert_eq!(
        Format::detect(cut),
        Ok(Format::ScheduleV2),
        "cut off before its events, the schema still says v2"
    );
    let v1 = std::fs::read_to_string("tests/fixtures/frab-edge-cases.json").unwrap();
    assert_eq!(Format::detect(&v1), Ok(Format::Frab));
}

#[test]
fn a_directory_is_read_as_a_miniconf_sitedata_folder() {
    let imported = import_file(
        Path::new("tests/fixtures/miniconf-sigdial-inlg-2023"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(imported.format, Format::MiniConf);
}

#[test]
fn other_content_is_not_a_format_and_says_what_it_looks_like() {
    let looks_like = |text: &str| Format::detect(text).unwrap_err().looks_like;
    let papers =
        std::fs::read_to_string("tests/fixtures/miniconf-sigdial-inlg-2023/papers.csv").unwrap();
    assert_eq!(looks_like(&papers), "CSV");
    let config =
        std::fs::read_to_string("tests/fixtures/miniconf-sigdial-inlg-2023/config.yml").unwrap();
    assert_eq!(looks_like(&config), "YAML or a `key: value` file");
    let calendar =
        std::fs::read_to_string("tests/fixtures/miniconf-sigdial-inlg-2023/main_calendar.json")
            .unwrap();
    assert_eq!(
        looks_like(&calendar),
        "a JSON list, such as a MiniConf calendar: give the sitedata/ folder"
    );
    assert_eq!(
        looks_like("<!DOCTYPE html>\n<html><body>Program</body></html>"),
        "an HTML page"
    );
    assert_eq!(
        looks_like("<?xml version=\"1.0\"?>\n<rss><channel/></rss>"),
        "XML without a <schedule> root"
    );
    assert_eq!(
        looks_like(r#"{"name": "x", "events": []}"#),
        "JSON without `schedule`, `conference` or `sessions`"
    );
    assert_eq!(looks_like("  \n"), "an empty file");
    assert_eq!(
        looks_like("Dear attendees,\nthe program follows soon."),
        "plain text without a program's time lines"
    );
}

#[test]
fn importing_an_unknown_format_is_refused_with_what_confbot_reads_not_another_formats_error() {
    let error = import_file(
        Path::new("tests/fixtures/miniconf-sigdial-inlg-2023/papers.csv"),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "tests/fixtures/miniconf-sigdial-inlg-2023/papers.csv: not a format confbot reads (it \
         looks like CSV); confbot reads confbot JSON, conference-page text, pretalx/frab \
         schedule.json, C3VOC schedule v2 JSON, Pentabarf/frab schedule.xml, iCalendar (.ics), \
         Sessionize JSON, and a MiniConf sitedata/ folder (give --format to choose one)"
    );
    assert!(!error.to_string().contains("year"));
}

#[test]
fn a_cut_off_file_goes_to_its_own_reader_which_names_the_line() {
    let democon = std::fs::read_to_string("tests/fixtures/pretalx-democon.json").unwrap();
    let cut = &democon[..democon.len() / 2];
    assert_eq!(Format::detect(cut), Ok(Format::Frab));
    let sessionize = std::fs::read_to_string("tests/fixtures/sessionize-all.json").unwrap();
    assert_eq!(Format::detect(&sessionize[..200]), Ok(Format::Sessionize));
    let error = import_str("x.json", "{\n\"schedule\": ", &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "x.json:2: invalid JSON at column 12: EOF while parsing a value"
    );
}

#[test]
fn a_byte_order_mark_does_not_hide_the_format() {
    let text = format!(
        "\u{feff}{}",
        std::fs::read_to_string("tests/fixtures/pretalx-democon.json").unwrap()
    );
    let imported = import_str("bom.json", &text, &ImportOptions::default()).unwrap();
    assert_eq!(imported.format, Format::Frab);
}

#[test]
fn the_bundled_program_has_no_warnings() {
    let imported = import_file(
        Path::new("data/iclr2021-tue-4-may.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
}

#[test]
fn truncated_or_garbled_files_are_errors_never_panics() {
    let options = ImportOptions {
        time_zone: Some(chrono_tz::Tz::America__Chicago),
        year: Some(2021),
        titles: Some("tests/fixtures/empty.titles.txt".into()),
        ..ImportOptions::default()
    };
    for path in [
        "tests/fixtures/pretalx-democon.json",
        "tests/fixtures/frab-edge-cases.json",
        "tests/fixtures/sessionize-all.json",
        "tests/fixtures/eventfahrplan-v2-minor.json",
        "tests/fixtures/pretalx-democon-2022.xml",
        "tests/fixtures/pretalx-democon-2022.ics",
        "data/iclr2021-tue-4-may.json",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        let cuts = (0..text.len())
            .step_by(211)
            .filter(|&i| text.is_char_boundary(i));
        for cut in cuts {
            let _ = import_str(path, &text[..cut], &options);
            // Swap a stretch for garbage that keeps the JSON shape plausible.
            let garbled = format!("{}null, 1e999, \"\u{0}\", [[{}", &text[..cut], &text[cut..]);
            let _ = import_str(path, &garbled, &options);
        }
        for (from, to) in [
            ("\"", "'"),
            (":", ""),
            ("00:30", "99:99"),
            ("+01:00", "+99:00"),
            ("T", " "),
        ] {
            let _ = import_str(path, &text.replace(from, to), &options);
        }
    }
}

fn check(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_confbot"))
        .arg("check")
        .args(args)
        .env("CONFBOT_DB", dir.path().join("db"))
        .output()
        .unwrap()
}

#[test]
fn check_names_the_detected_format_and_lists_warnings_under_their_heading() {
    let output = check(&["tests/fixtures/pretalx-democon.json"]);
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.starts_with(
            "tests/fixtures/pretalx-democon.json is valid pretalx/frab schedule.json (detected).\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("DemoCon: 36 sessions, 36 talks, 3 days"),
        "{out}"
    );
    assert!(
        out.contains("times in Etc/GMT-1.\nRooms: Gray Room, Tan Room.\n"),
        "{out}"
    );
    assert!(
        out.contains("\n1 warning:\n- at `schedule.conference.time_zone_name`: `UTC` contradicts"),
        "{out}"
    );
}

#[test]
fn check_on_sessionize_without_a_timezone_fails_and_with_one_passes() {
    let output = check(&["tests/fixtures/sessionize-all.json"]);
    assert!(!output.status.success());
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("give it with `--timezone ZONE`"), "{err}");
    let output = check(&[
        "tests/fixtures/sessionize-all.json",
        "--timezone",
        "America/Chicago",
        "--name",
        "HDD",
    ]);
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.contains("is valid Sessionize JSON (detected)."),
        "{out}"
    );
    assert!(out.contains("HDD: 7 sessions, 5 talks, 2 days"), "{out}");
    let output = check(&[
        "tests/fixtures/sessionize-all.json",
        "--timezone",
        "Chicago",
    ]);
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.contains("expected an IANA time zone such as `Europe/Berlin`, found `Chicago`"),
        "{err}"
    );
}

#[test]
fn an_end_past_the_year_9999_is_refused_in_one_wording_by_every_importer() {
    let read = |path| std::fs::read_to_string(path).unwrap();
    let frab = read("tests/fixtures/frab-edge-cases.json")
        .replacen("2024-06-12T09:00:00+03:00", "9999-12-31T09:00:00+03:00", 1)
        .replacen(r#""duration": "00:30""#, r#""duration": "9999:00""#, 1);
    let v2 = read("tests/fixtures/eventfahrplan-v2-minor.json")
        .replacen("2024-12-27T10:30:00+01:00", "9999-12-31T10:30:00+01:00", 1)
        .replacen(r#""end": "2024-12-27T11:00:00+01:00","#, "", 1)
        .replacen("PT30M", "PT100000H", 1);
    let ical = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:late\nSUMMARY:Late\n\
                DTSTART:99991231T100000Z\nDURATION:P1000W\nEND:VEVENT\nEND:VCALENDAR\n";
    for (name, text) in [
        ("frab.json", frab),
        ("v2.json", v2),
        ("late.ics", ical.to_string()),
    ] {
        let error = import_str(name, &text, &ImportOptions::default()).unwrap_err();
        assert!(
            error
                .message
                .ends_with("is not a time confbot can keep: the year must be from 1 to 9999"),
            "{error}"
        );
    }
}
