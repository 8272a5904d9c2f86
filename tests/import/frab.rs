//! The pretalx/frab `schedule.json` importer, on a real pretalx export and on our edge cases.

use chrono_tz::Tz;
use confbot::program::{import_str, Format, ImportOptions, Imported, Location, Person, TalkKind};

use crate::kit::{self, utc};

const DEMOCON: &str = "tests/fixtures/pretalx-democon.json";
const EDGES: &str = "tests/fixtures/frab-edge-cases.json";

fn import(path: &str, time_zone: Option<Tz>) -> Imported {
    kit::import(path, time_zone).unwrap()
}

fn error_for(edited: &str) -> String {
    import_str(EDGES, edited, &ImportOptions::default())
        .unwrap_err()
        .to_string()
}

fn edges() -> String {
    std::fs::read_to_string(EDGES).unwrap()
}

#[test]
fn democon_has_36_talks_at_their_plus_one_instants_in_its_two_rooms() {
    let imported = import(DEMOCON, None);
    assert_eq!(imported.format, Format::Frab);
    let program = &imported.program;
    assert_eq!(program.conference().name, "DemoCon");
    assert_eq!(program.talks().count(), 36);
    assert_eq!(program.sessions().len(), 36, "one session per event");
    let first = program.talks().next().unwrap();
    assert_eq!(first.start, utc("2020-12-14T09:00:00+01:00"));
    assert_eq!(first.start.to_rfc3339(), "2020-12-14T08:00:00+00:00");
    let last = program.talks().last().unwrap();
    assert_eq!(last.end, utc("2020-12-16T15:30:00+01:00"));
    let mut rooms: Vec<_> = program
        .sessions()
        .iter()
        .map(|s| s.slot.room.clone().unwrap())
        .collect();
    rooms.sort();
    rooms.dedup();
    assert_eq!(rooms, ["Gray Room", "Tan Room"]);
    assert!(
        program.rooms().is_empty(),
        "pretalx writes no capacity as null"
    );
}

#[test]
fn a_rooms_capacity_in_conference_rooms_is_kept() {
    let text = std::fs::read_to_string(DEMOCON).unwrap().replacen(
        r#""capacity": null"#,
        r#""capacity": 120"#,
        1,
    );
    let imported = import_str(DEMOCON, &text, &ImportOptions::default()).unwrap();
    assert_eq!(
        kit::warnings_about(&imported, "capacity"),
        Vec::<String>::new()
    );
    let rooms = imported.program.rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms["Gray Room"].capacity, Some(120));
}

#[test]
fn a_democon_event_keeps_guid_track_speakers_texts_and_url() {
    let program = import(DEMOCON, None).program;
    let session = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "8079583e-8321-506c-95af-fd2903a5f075-session")
        .unwrap();
    assert_eq!(session.slot.track.as_deref(), Some("Phased"));
    assert_eq!(session.slot.room.as_deref(), Some("Gray Room"));
    let talk = &session.talks[0];
    assert_eq!(talk.id, "8079583e-8321-506c-95af-fd2903a5f075");
    assert_eq!(talk.title, "Focused 5thgeneration hardware");
    assert_eq!(talk.kind, TalkKind::Talk);
    assert_eq!(talk.speakers, [Person::new("Brian Robinson")]);
    assert_eq!(
        talk.url.as_deref(),
        Some("http://localhost/democon/talk/G9JGWY/")
    );
    assert!(talk
        .abstract_text
        .starts_with("Brand back-end models!\n\nStation provide"));
    assert_eq!(talk.end - talk.start, chrono::TimeDelta::minutes(30));
    let workshops = program
        .talks()
        .filter(|t| t.kind == TalkKind::Other("Workshop".into()))
        .count();
    assert_eq!(workshops, 9);
    assert!(program.talks().any(|t| t.speakers.len() == 3));
}

#[test]
fn democon_says_utc_but_its_dates_are_plus_one_so_the_zone_is_derived_and_said() {
    let imported = import(DEMOCON, None);
    assert_eq!(imported.program.conference().time_zone, Tz::Etc__GMTMinus1);
    assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    assert_eq!(
        imported.warnings[0].to_string(),
        "at `schedule.conference.time_zone_name`: `UTC` contradicts the event dates, e.g. \
         `2020-12-14T09:00:00+01:00` (UTC+01:00); showing times in Etc/GMT-1, the fixed offset \
         of every event date (give --timezone to choose)"
    );
}

#[test]
fn a_given_zone_replaces_time_zone_name_and_is_checked_against_the_dates() {
    let berlin = import(DEMOCON, Some(Tz::Europe__Berlin));
    assert_eq!(berlin.program.conference().time_zone, Tz::Europe__Berlin);
    assert!(berlin.warnings.is_empty(), "{:?}", berlin.warnings);
    let tokyo = import(DEMOCON, Some(Tz::Asia__Tokyo));
    assert_eq!(tokyo.program.conference().time_zone, Tz::Asia__Tokyo);
    assert!(
        tokyo.warnings[0]
            .message
            .starts_with("the given zone Asia/Tokyo does not match"),
        "{:?}",
        tokyo.warnings
    );
    assert_eq!(
        tokyo.program.talks().next().unwrap().start,
        utc("2020-12-14T09:00:00+01:00"),
        "the zone changes how times are shown, never when talks are"
    );
}

#[test]
fn a_consistent_time_zone_name_is_used_as_it_is() {
    let text = std::fs::read_to_string(DEMOCON).unwrap().replace(
        r#""time_zone_name": "UTC""#,
        r#""time_zone_name": "Europe/Amsterdam""#,
    );
    let imported = import_str(DEMOCON, &text, &ImportOptions::default()).unwrap();
    assert_eq!(
        imported.program.conference().time_zone,
        Tz::Europe__Amsterdam
    );
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
}

#[test]
fn without_time_zone_name_the_zone_comes_from_the_offsets() {
    let imported = import(EDGES, None);
    assert_eq!(imported.program.conference().time_zone, Tz::Etc__GMTMinus3);
    assert!(imported.warnings.iter().any(|w| w.to_string()
        == "at `schedule.conference.time_zone_name`: missing; showing times in Etc/GMT-3, the \
            fixed offset of every event date (give --timezone to choose)"));
}

#[test]
fn null_persons_and_texts_make_a_talk_without_speakers_or_abstract() {
    let program = import(EDGES, None).program;
    let opening = program.talks().find(|t| t.title == "Opening").unwrap();
    assert!(opening.speakers.is_empty());
    assert_eq!(opening.abstract_text, "");
    assert_eq!(opening.kind, TalkKind::Talk, "frab's `lecture` is a talk");
    let session = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Opening")
        .unwrap();
    assert_eq!(session.slot.track, None);
}

#[test]
fn a_break_is_a_session_without_talks_in_its_room() {
    let program = import(EDGES, None).program;
    let coffee = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Coffee break")
        .unwrap();
    assert!(coffee.talks.is_empty());
    assert_eq!(coffee.slot.room.as_deref(), Some("Main Hall"));
    assert_eq!(coffee.slot.start, utc("2024-06-12T10:15:00+03:00"));
    assert!(!program.talks().any(|t| t.title == "Coffee break"));
}

#[test]
fn empty_rooms_add_nothing_and_an_unnamed_room_is_no_room() {
    let program = import(EDGES, None).program;
    assert!(!program
        .sessions()
        .iter()
        .any(|s| s.slot.room.as_deref() == Some("Side Room")));
    let walk = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Group walk")
        .unwrap();
    assert_eq!(walk.slot.room, None);
    assert_eq!(walk.talks.len(), 1);
}

#[test]
fn durations_and_end_fields_set_the_end_and_an_id_stands_in_for_a_missing_guid() {
    let program = import(EDGES, None).program;
    let talk = |title: &str| program.talks().find(|t| t.title == title).unwrap().clone();
    assert_eq!(
        talk("Packets at the edge").end,
        utc("2024-06-12T10:15:00+03:00")
    );
    assert_eq!(
        talk("Mesh networks in practice").end,
        utc("2024-06-12T12:00:00+03:00")
    );
    let soldering = talk("Soldering for beginners");
    assert_eq!(soldering.id, "201");
    assert_eq!(soldering.end, utc("2024-06-13T10:00:00+03:00"));
    assert!(program
        .sessions()
        .iter()
        .any(|s| s.slot.id == "201-session"));
}

#[test]
fn nameless_people_and_repeated_descriptions_are_dropped() {
    let imported = import(EDGES, None);
    let packets = imported
        .program
        .talks()
        .find(|t| t.title == "Packets at the edge")
        .unwrap();
    assert_eq!(
        packets.speakers,
        [Person::new("Aino Virtanen"), Person::new("Mateo Rossi")]
    );
    assert_eq!(packets.abstract_text, "Why the last mile is the hardest.");
    assert!(imported.warnings.iter().any(|w| w.location
        == Location::Json {
            path: "schedule.conference.days[0].rooms.Main Hall[1].persons[2]".into(),
            line: None
        }));
}

#[test]
fn events_outside_their_day_overlapping_or_taking_no_time_are_warnings() {
    let imported = import(EDGES, None);
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.contains(
            &"at `schedule.conference.days[0].rooms.Main Hall[4]`: it runs from \
        2024-06-12T21:00:00+03:00 to 2024-06-12T22:00:00+03:00, outside its day 2024-06-12 \
        (2024-06-12T08:00:00+03:00 to 2024-06-12T20:00:00+03:00)"
                .to_string()
        ),
        "{warnings:#?}"
    );
    assert!(
        warnings.contains(
            &"in Lab, `Antennas` (Thu 13 Jun 09:30–10:00) overlaps \
        `Soldering for beginners` (Thu 13 Jun 09:00–10:00)"
                .to_string()
        ),
        "{warnings:#?}"
    );
    assert!(
        warnings.contains(
            &"at `schedule.conference.days[1].rooms.Lab[2]`: `Doors open` \
        takes no time, so it is left out"
                .to_string()
        ),
        "{warnings:#?}"
    );
    assert!(!imported.program.talks().any(|t| t.title == "Doors open"));
    assert!(
        imported.program.talks().any(|t| t.title == "Evening party"),
        "warnings keep the event"
    );
}

#[test]
fn an_unparsable_duration_is_an_error_naming_its_json_path() {
    let message =
        error_for(&edges().replace(r#""duration": "01:15:00""#, r#""duration": "an hour""#));
    assert_eq!(
        message,
        "tests/fixtures/frab-edge-cases.json at `schedule.conference.days[0].rooms.Main Hall[3].duration`: \
         expected a duration as hours:minutes such as `00:30` or `01:15:00`, found `an hour`"
    );
}

#[test]
fn a_date_without_offset_or_an_event_without_identity_is_an_error_naming_its_path() {
    let message = error_for(&edges().replace("2024-06-12T09:00:00+03:00", "2024-06-12 09:00"));
    assert_eq!(
        message,
        "tests/fixtures/frab-edge-cases.json at `schedule.conference.days[0].rooms.Main Hall[0].date`: \
         expected a date and time with an offset such as `2020-12-14T09:00:00+01:00`, found `2024-06-12 09:00`"
    );
    let message = error_for(&edges().replace(r#""id": 201,"#, ""));
    assert!(
        message.contains(
            "at `schedule.conference.days[1].rooms.Lab[0].guid`: expected a `guid` (or an `id`)"
        ),
        "{message}"
    );
}

#[test]
fn a_wrong_type_names_its_path_and_line() {
    let message = error_for(&edges().replace(r#""persons": null"#, r#""persons": "Ada""#));
    assert!(
        message.starts_with("tests/fixtures/frab-edge-cases.json:39 at `schedule.conference.days[0].rooms.Main Hall[0].persons`: invalid type: string \"Ada\""),
        "{message}"
    );
}

#[test]
fn an_end_before_the_start_is_an_error_not_a_negative_talk() {
    let message = error_for(&edges().replace(
        r#""end": "2024-06-13T10:00:00+03:00""#,
        r#""end": "2024-06-13T08:00:00+03:00""#,
    ));
    assert!(
        message.ends_with(
            "at `schedule.conference.days[1].rooms.Lab[0].end`: expected `Soldering for \
             beginners` to end after it starts (2024-06-13T09:00:00+03:00), but it ends at \
             2024-06-13T08:00:00+03:00"
        ),
        "{message}"
    );
}

#[test]
fn an_html_abstract_becomes_discord_markdown() {
    let text = edges().replace(
        r#""abstract": "Why the last mile is the hardest.""#,
        r#""abstract": "<p>Why the <b>last</b> mile &amp; <a href=\"https://edge.example.org/m\">more</a>.</p><p>Two.</p>""#,
    );
    let program = import_str(EDGES, &text, &ImportOptions::default())
        .unwrap()
        .program;
    let packets = program
        .talks()
        .find(|t| t.title == "Packets at the edge")
        .unwrap();
    assert_eq!(
        packets.abstract_text,
        "Why the **last** mile & [more](https://edge.example.org/m).\n\nTwo.\n\n\
         Why the last mile is the hardest."
    );
}
