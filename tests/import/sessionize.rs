//! The Sessionize "All" JSON importer.

use std::path::Path;

use chrono_tz::Tz;
use confbot::program::{
    import_file, import_str, Format, ImportOptions, Imported, Person, TalkKind,
};

use crate::kit::{self, utc};

const FILE: &str = "tests/fixtures/sessionize-all.json";

fn options(time_zone: Option<Tz>) -> ImportOptions {
    kit::options(time_zone, Some("Heartland Dev Days"))
}

fn chicago() -> Imported {
    import_file(Path::new(FILE), &options(Some(Tz::America__Chicago))).unwrap()
}

fn error_for(edit: impl Fn(String) -> String) -> String {
    let text = edit(std::fs::read_to_string(FILE).unwrap());
    import_str(FILE, &text, &options(Some(Tz::America__Chicago)))
        .unwrap_err()
        .to_string()
}

#[test]
fn with_a_timezone_local_times_are_read_in_the_conference_zone() {
    let imported = chicago();
    assert_eq!(imported.format, Format::Sessionize);
    let program = &imported.program;
    assert_eq!(program.conference().name, "Heartland Dev Days");
    assert_eq!(program.conference().time_zone, Tz::America__Chicago);
    assert_eq!(program.talks().count(), 5);
    let keynote = program.talks().next().unwrap();
    assert_eq!(
        keynote.title,
        "Opening keynote: Building for the next decade"
    );
    assert_eq!(keynote.start, utc("2024-10-02T09:00:00-05:00"));
    assert_eq!(keynote.kind, TalkKind::Keynote);
    assert_eq!(
        keynote.links.stream.as_ref().map(|l| l.as_str()),
        Some("https://stream.example.org/keynote")
    );
}

#[test]
fn without_a_timezone_the_import_fails_and_says_how_to_give_one() {
    let error = import_file(Path::new(FILE), &options(None)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "tests/fixtures/sessionize-all.json: Sessionize times (`startsAt`, `endsAt`) have no \
         offset, so confbot needs the conference's time zone: give it with `--timezone ZONE`, an \
         IANA zone such as `America/Chicago`"
    );
}

#[test]
fn speakers_rooms_tracks_and_formats_come_from_their_ids() {
    let program = chicago().program;
    let session = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "712002-session")
        .unwrap();
    assert_eq!(session.slot.room.as_deref(), Some("Room 101"));
    assert_eq!(session.slot.track.as_deref(), Some("Cloud"));
    let talk = &session.talks[0];
    assert_eq!(talk.id, "712002");
    assert_eq!(
        talk.kind,
        TalkKind::Talk,
        "the format `Session` is an ordinary talk"
    );
    assert_eq!(
        talk.speakers,
        [Person::new("Marcus Bell"), Person::new("Jun Takahashi")]
    );
    let kinds: Vec<_> = program
        .talks()
        .map(|t| t.kind.label().to_string())
        .collect();
    assert!(kinds.contains(&"Workshop".to_string()));
    assert!(kinds.contains(&"Lightning talk".to_string()));
    let css = program
        .talks()
        .find(|t| t.title == "Modern CSS layout")
        .unwrap();
    assert_eq!(
        css.abstract_text, "",
        "a null description is an empty abstract"
    );
    let lightning = program
        .talks()
        .find(|t| t.title == "Lightning talks")
        .unwrap();
    assert_eq!(
        lightning.links.recording.as_ref().map(|l| l.as_str()),
        Some("https://video.example.org/lightning"),
        "`recordingUrl` is the recording"
    );
    assert_eq!(lightning.links.stream, None);
    assert_eq!(
        lightning.url, None,
        "a link is never taken for the talk's page"
    );
    let streams: Vec<&str> = program
        .talks()
        .filter_map(|t| t.links.stream.as_ref().map(|l| l.as_str()))
        .collect();
    assert_eq!(
        streams,
        [
            "https://stream.example.org/keynote",
            "https://stream.example.org/room101"
        ],
        "`liveUrl` is the live stream"
    );
}

#[test]
fn service_sessions_are_sessions_without_talks() {
    let program = chicago().program;
    let lunch = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Lunch")
        .unwrap();
    assert!(lunch.talks.is_empty());
    assert_eq!(lunch.slot.room.as_deref(), Some("Ballroom A"));
    let registration = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Registration & breakfast")
        .unwrap();
    assert_eq!(registration.slot.room, None);
    assert_eq!(program.sessions().len(), 7);
}

#[test]
fn an_unscheduled_session_is_left_out_with_a_warning() {
    let imported = chicago();
    assert!(!imported
        .program
        .talks()
        .any(|t| t.title.starts_with("Backup talk")));
    let warnings: Vec<String> = imported.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "at `sessions[7]`: `Backup talk: Observability on a budget` has no `startsAt` and \
          `endsAt` (not on the schedule yet), so it is left out"
        ]
    );
}

#[test]
fn a_reference_to_an_unknown_speaker_or_room_names_its_path() {
    let message =
        error_for(|t| t.replacen("8f1c2a3e-4b5d-4e6f-8a7b-1c2d3e4f5a03\"\n", "nobody\"\n", 1));
    assert_eq!(
        message,
        "tests/fixtures/sessionize-all.json at `sessions[2].speakers[1]`: expected the id of a \
         speaker in `speakers`, found `nobody`"
    );
    let message = error_for(|t| t.replacen(r#""roomId": 2,"#, r#""roomId": 42,"#, 1));
    assert_eq!(
        message,
        "tests/fixtures/sessionize-all.json at `sessions[2].roomId`: expected the id of a room \
         in `rooms`, found `42`"
    );
}

#[test]
fn a_malformed_time_names_its_path() {
    let message = error_for(|t| t.replacen("2024-10-02T10:15:00", "10:15 AM", 1));
    assert_eq!(
        message,
        "tests/fixtures/sessionize-all.json at `sessions[2].startsAt`: expected a local date and \
         time such as `2024-10-02T09:00:00`, found `10:15 AM`"
    );
}
