//! The C3VOC schedule v2 importer, on a fixture cut from the 38C3 hub export and on edited
//! copies of it.

use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use confbot::program::{
    import_file, import_str, Format, ImportOptions, Imported, Person, TalkKind,
};
use serde_json::{json, Value};

use crate::kit::{stored, utc};

const FILE: &str = "tests/fixtures/eventfahrplan-v2-minor.json";

fn congress() -> Imported {
    import_file(Path::new(FILE), &ImportOptions::default()).unwrap()
}

/// The fixture with `edit` applied to its JSON.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(FILE).unwrap()).unwrap();
    edit(&mut value);
    serde_json::to_string_pretty(&value).unwrap()
}

fn import_edited(edit: impl FnOnce(&mut Value)) -> Result<Imported, String> {
    import_str(FILE, &edited(edit), &ImportOptions::default()).map_err(|e| e.to_string())
}

#[test]
fn the_38c3_fixture_has_one_talk_and_one_break_in_saal_1() {
    let imported = congress();
    assert_eq!(imported.format, Format::ScheduleV2);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let program = &imported.program;
    assert_eq!(program.conference().name, "38C3");
    assert_eq!(program.conference().time_zone, Tz::Europe__Berlin);
    assert_eq!(
        program.conference().url.as_deref(),
        Some("https://events.ccc.de/congress/2024/")
    );
    assert_eq!(program.sessions().len(), 2);
    assert_eq!(program.talks().count(), 1);
    assert_eq!(
        program.days(),
        [NaiveDate::from_ymd_opt(2024, 12, 27).unwrap()]
    );
    let rooms: Vec<_> = program
        .sessions()
        .iter()
        .map(|s| s.slot.room.clone())
        .collect();
    assert_eq!(rooms, [Some("Saal 1".into()), Some("Saal 1".into())]);
    assert_eq!(
        program.rooms()["Saal 1"].capacity,
        Some(3025),
        "the hall's seats"
    );
}

#[test]
fn a_rooms_capacity_is_read_leniently_and_a_meaningless_one_is_a_warning() {
    let capacity = |value: Value| {
        let imported = import_edited(|v| {
            v["schedule"]["conference"]["rooms"][0]["capacity"] = value;
        })
        .unwrap();
        let seats = imported
            .program
            .rooms()
            .get("Saal 1")
            .and_then(|r| r.capacity);
        let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
        (seats, warnings)
    };
    assert_eq!(capacity(json!(3025.0)), (Some(3025), vec![]));
    assert_eq!(capacity(json!(" 800 ")), (Some(800), vec![]));
    assert_eq!(capacity(json!(null)), (None, vec![]));
    assert_eq!(
        capacity(json!(0)),
        (None, vec![]),
        "exports write 0 for not set"
    );
    let expected = |value: &str| {
        format!(
            "at `schedule.conference.rooms[0].capacity`: a room's capacity is a whole number of \
             seats, not {value}: left out"
        )
    };
    for bad in [json!(-5), json!(12.5), json!("many"), json!(true)] {
        let shown = bad.to_string();
        assert_eq!(capacity(bad), (None, vec![expected(&shown)]));
    }
}

#[test]
fn the_opening_has_its_local_time_speaker_track_and_localized_texts() {
    let program = congress().program;
    let opening = program.talks().next().unwrap();
    assert_eq!(opening.id, "270fa44c-821a-577f-8ca3-33e8d4a8c2a7");
    assert_eq!(opening.title, "38C3: Opening Ceremony");
    assert_eq!(opening.start, utc("2024-12-27T10:30:00+01:00"));
    assert_eq!(
        opening
            .start
            .with_timezone(&Tz::Europe__Berlin)
            .format("%a %-d %b %H:%M")
            .to_string(),
        "Fri 27 Dec 10:30"
    );
    assert_eq!(opening.end - opening.start, chrono::TimeDelta::minutes(30));
    assert_eq!(opening.kind, TalkKind::Other("Other".into()));
    assert_eq!(
        opening.speakers,
        [Person::new("Gabriela Bogk")],
        "a participant without a role is a speaker"
    );
    assert_eq!(
        opening.abstract_text,
        "Glad you could make it!\n\nThis ceremony will prepare you."
    );
    let session = &program.sessions()[0];
    assert_eq!(
        session.slot.track.as_deref(),
        Some("CCC"),
        "the track's slug, named"
    );
}

#[test]
fn the_break_is_a_session_without_talks_found_by_its_room_guid() {
    let program = congress().program;
    let lunch = &program.sessions()[1];
    assert_eq!(lunch.slot.title, "Lunch");
    assert!(lunch.talks.is_empty());
    assert_eq!(lunch.slot.room.as_deref(), Some("Saal 1"));
    assert_eq!(lunch.slot.id, "break-20241227T1100Z-lunch-session");
    assert_eq!(lunch.slot.start, utc("2024-12-27T12:00:00+01:00"));
}

#[test]
fn reimporting_changes_nothing() {
    let store = stored(&congress().program);
    assert!(store
        .replace_program(&congress().program)
        .unwrap()
        .is_empty());
}

#[test]
fn roles_durations_names_from_persons_and_cancelled_events() {
    let imported = import_edited(|v| {
        let event = &mut v["schedule"]["events"][0];
        event.as_object_mut().unwrap().remove("end");
        event["duration"] = json!("PT1H15M");
        event["title"] = json!({"de": "Eröffnung", "en": "Opening"});
        event["participants"] = json!([
            {"guid": "0c16ffaa-709d-599f-959f-9a38b911361a"},
            {"guid": "x", "name": "Ada", "role": "MODERATOR"},
            {"guid": "y"}
        ]);
        let mut cancelled = event.clone();
        cancelled["guid"] = json!("cancelled-1");
        cancelled["state"] = json!("CANCELED");
        v["schedule"]["events"]
            .as_array_mut()
            .unwrap()
            .push(cancelled);
    })
    .unwrap();
    let program = &imported.program;
    let opening = program.talks().next().unwrap();
    assert_eq!(opening.title, "Opening");
    assert_eq!(opening.end - opening.start, chrono::TimeDelta::minutes(75));
    assert_eq!(
        opening.speakers,
        [Person::new("Gabriela Bogk")],
        "named from schedule.persons"
    );
    assert_eq!(program.sessions()[0].moderators, [Person::new("Ada")]);
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "at `schedule.events[0].participants[2]`: a participant without a `name`, and whose \
             `guid` is not in `schedule.persons`, is left out",
            "at `schedule.events[2]`: `Opening` is CANCELED, so it is left out"
        ]
    );
}

#[test]
fn an_unknown_room_guid_without_a_name_is_a_warning_not_a_failure() {
    let imported = import_edited(|v| {
        v["schedule"]["events"][1]["room"] = json!({"guid": "nowhere"});
    })
    .unwrap();
    assert_eq!(imported.program.sessions()[1].slot.room, None);
    assert_eq!(
        imported.warnings[0].to_string(),
        "at `schedule.events[1].room`: the room `nowhere` is not in `conference.rooms` and has \
         no name, so the event has no room"
    );
}

#[test]
fn broken_copies_are_refused_naming_the_path() {
    let error = import_edited(|v| v["schedule"]["events"][0]["start"] = json!("27 Dec 10:30"));
    assert_eq!(
        error.unwrap_err(),
        "tests/fixtures/eventfahrplan-v2-minor.json at `schedule.events[0].start`: expected a \
         date and time with an offset such as `2020-12-14T09:00:00+01:00`, found `27 Dec 10:30`"
    );
    let error = import_edited(|v| {
        let event = v["schedule"]["events"][0].as_object_mut().unwrap();
        event.remove("end");
        event.insert("duration".into(), json!("half an hour"));
    });
    assert!(error.unwrap_err().ends_with(
        "at `schedule.events[0].duration`: expected an `end`, or a `duration` such as \
             `PT30M` or `00:30`, found `half an hour`"
    ));
    let error = import_edited(|v| v["schedule"]["events"][0]["participants"] = json!("Gabriela"));
    assert!(error
        .unwrap_err()
        .contains("at `schedule.events[0].participants`: invalid type: string \"Gabriela\""),);
}
