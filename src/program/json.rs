//! The confbot JSON importer: confbot's own program format (see `docs/program-format.md`).
//!
//! Deserialization goes through `serde_path_to_error`, so a wrong type names its JSON path.
//! Times are then read one by one with their path at hand: RFC 3339 with an offset, or a
//! local `YYYY-MM-DD HH:MM` in the conference zone (a DST gap or fold is an error, never a guess).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::span::{timed_span, End};
use super::time::resolve_local;
use super::{
    deserialize_json, Conference, ImportError, Link, Links, Location, Person, Program, RoomFacts,
    Session, SessionSlot, Talk, TalkKind,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    conference: RawConference,
    #[serde(default)]
    rooms: Vec<RawRoom>,
    sessions: Vec<RawSession>,
}

/// A room's own facts: where to watch it, how many it seats.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoom {
    name: String,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    capacity: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConference {
    name: String,
    time_zone: String,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    id: String,
    title: String,
    #[serde(default)]
    track: Option<String>,
    #[serde(default)]
    room: Option<String>,
    start: String,
    end: String,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    moderators: Vec<String>,
    #[serde(default)]
    talks: Vec<RawTalk>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTalk {
    id: String,
    title: String,
    #[serde(default)]
    kind: String,
    start: String,
    end: String,
    #[serde(default)]
    speakers: Vec<String>,
    #[serde(default, rename = "abstract")]
    abstract_text: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    recording: Option<String>,
    #[serde(default)]
    slides: Option<String>,
    #[serde(default)]
    do_not_record: bool,
}

pub fn parse(file: &str, text: &str) -> Result<Program, ImportError> {
    let raw: RawProgram = deserialize_json(file, text)?;
    let time_zone: Tz = raw.conference.time_zone.parse().map_err(|_| {
        ImportError::at_path(
            file,
            "conference.time_zone",
            format!(
                "expected an IANA time zone such as `America/Los_Angeles`, found `{}`",
                raw.conference.time_zone
            ),
        )
    })?;
    // An item's start and end, read and checked, errors naming the item's path.
    let times = |path: &str, title: &str, start: &str, end: &str| {
        let (start_path, end_path) = (format!("{path}.start"), format!("{path}.end"));
        let start = read_time(file, start_path.clone(), start, time_zone)?;
        let end = End::At(read_time(file, end_path.clone(), end, time_zone)?);
        let (start, end) = timed_span(title, start, end)
            .map_err(|e| ImportError::at_path(file, e.at(&start_path, &end_path), e.message))?;
        Ok::<_, ImportError>((start.with_timezone(&Utc), end.with_timezone(&Utc)))
    };
    // confbot's own format is strict: a bad link is an error naming its path.
    let link = |path: String, text: Option<String>| {
        text.map(|t| Link::parse(&t).map_err(|e| ImportError::at_path(file, path, e.to_string())))
            .transpose()
    };
    let mut sessions = Vec::with_capacity(raw.sessions.len());
    for (s, session) in raw.sessions.into_iter().enumerate() {
        let mut talks = Vec::with_capacity(session.talks.len());
        for (t, talk) in session.talks.into_iter().enumerate() {
            let path = format!("sessions[{s}].talks[{t}]");
            let (start, end) = times(&path, &talk.title, &talk.start, &talk.end)?;
            talks.push(Talk {
                start,
                end,
                id: talk.id.into(),
                title: talk.title,
                kind: TalkKind::parse(&talk.kind),
                speakers: talk.speakers.into_iter().map(Person::new).collect(),
                abstract_text: talk.abstract_text,
                url: talk.url,
                links: Links {
                    stream: link(format!("{path}.stream"), talk.stream)?,
                    recording: link(format!("{path}.recording"), talk.recording)?,
                    slides: link(format!("{path}.slides"), talk.slides)?,
                    do_not_record: talk.do_not_record,
                },
            });
        }
        let path = format!("sessions[{s}]");
        let (start, end) = times(&path, &session.title, &session.start, &session.end)?;
        sessions.push(Session {
            slot: SessionSlot {
                start,
                end,
                id: session.id.into(),
                title: session.title,
                track: session.track,
                room: session.room,
                stream: link(format!("{path}.stream"), session.stream)?,
            },
            moderators: session.moderators.into_iter().map(Person::new).collect(),
            talks,
        });
    }
    let conference = Conference {
        name: raw.conference.name,
        time_zone,
        url: raw.conference.url,
    };
    let mut rooms = BTreeMap::new();
    for (r, room) in raw.rooms.into_iter().enumerate() {
        if room.capacity == Some(0) {
            return Err(ImportError::at_path(
                file,
                format!("rooms[{r}].capacity"),
                "a room seats at least one person (leave `capacity` out when unknown)",
            ));
        }
        let facts = RoomFacts {
            stream: link(format!("rooms[{r}].stream"), room.stream)?,
            capacity: room.capacity,
        };
        rooms.insert(room.name, facts);
    }
    Program::new(conference, sessions)
        .map(|program| program.with_rooms(rooms))
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))
}

/// RFC 3339 with an offset, or a local time in the conference zone; kept at its offset, so an
/// error shows it as the file writes it.
fn read_time(
    file: &str,
    path: String,
    text: &str,
    tz: Tz,
) -> Result<DateTime<FixedOffset>, ImportError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at);
    }
    let local = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            ImportError::at_path(
                file,
                path.clone(),
                format!("expected a time such as `2021-05-04 11:00` or `2021-05-04T11:00:00-07:00`, found `{text}`"),
            )
        })?;
    let at =
        resolve_local(local, tz).map_err(|e| ImportError::at_path(file, path, e.to_string()))?;
    Ok(at.with_timezone(&tz).fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = r#"{
  "conference": {"name": "Conf", "time_zone": "America/Los_Angeles"},
  "sessions": [{
    "id": "s1", "title": "Morning", "start": "2021-05-04 11:00", "end": "2021-05-04T12:00:00-07:00",
    "moderators": ["Ada"],
    "talks": [{"id": "t1", "title": "Hello", "kind": "oral", "start": "2021-05-04 11:00", "end": "2021-05-04 11:15",
               "speakers": ["Grace Hopper"], "abstract": "Hi."}]
  }]
}"#;

    fn error(text: &str) -> String {
        parse("p.json", text).unwrap_err().to_string()
    }

    #[test]
    fn local_and_offset_times_are_read_as_utc() {
        let program = parse("p.json", PROGRAM).unwrap();
        let session = &program.sessions()[0];
        assert_eq!(session.slot.start.to_rfc3339(), "2021-05-04T18:00:00+00:00");
        assert_eq!(session.slot.end.to_rfc3339(), "2021-05-04T19:00:00+00:00");
        assert_eq!(session.talks[0].kind, TalkKind::Oral);
    }

    #[test]
    fn links_are_read_and_a_bad_one_names_its_path() {
        let text = PROGRAM
            .replace(
                r#""abstract": "Hi.""#,
                r#""abstract": "Hi.", "recording": "https://media.ccc.de/v/t1", "do_not_record": true"#,
            )
            .replace(
                r#""moderators""#,
                r#""stream": "https://youtu.be/morning", "moderators""#,
            )
            .replace(
                r#""sessions""#,
                r#""rooms": [{"name": "Hall A", "stream": "https://hall-a.example.org"}], "sessions""#,
            );
        let program = parse("p.json", &text).unwrap();
        let session = &program.sessions()[0];
        assert_eq!(
            session.slot.stream.as_ref().map(Link::as_str),
            Some("https://youtu.be/morning")
        );
        let links = &session.talks[0].links;
        assert!(links.do_not_record && links.recording.is_some());
        assert_eq!(
            program.rooms()["Hall A"].stream.as_ref().map(Link::as_str),
            Some("https://hall-a.example.org")
        );
        let message = error(&text.replace("https://youtu.be/morning", "http://youtu.be/morning"));
        assert_eq!(
            message,
            "p.json at `sessions[0].stream`: `http://youtu.be/morning` is not an https link (only https links are kept)"
        );
    }

    #[test]
    fn a_rooms_capacity_is_read_and_a_bad_one_names_its_path() {
        let with = |rooms: &str| {
            PROGRAM.replace(r#""sessions""#, &format!(r#""rooms": {rooms}, "sessions""#))
        };
        let program = parse("p.json", &with(r#"[{"name": "Hall A", "capacity": 300}]"#)).unwrap();
        assert_eq!(program.rooms()["Hall A"].capacity, Some(300));
        assert_eq!(
            error(&with(r#"[{"name": "Hall A", "capacity": 0}]"#)),
            "p.json at `rooms[0].capacity`: a room seats at least one person (leave `capacity` out when unknown)"
        );
        assert!(
            error(&with(r#"[{"name": "Hall A", "capacity": -3}]"#)).starts_with("p.json:"),
            "a negative capacity is a type error with its line"
        );
    }

    #[test]
    fn malformed_json_names_line_and_path() {
        let message = error(&PROGRAM.replace(r#""title": "Hello","#, r#""title": 5,"#));
        assert_eq!(message, "p.json:6 at `sessions[0].talks[0].title`: invalid type: integer `5`, expected a string");
        let message = error(&PROGRAM.replace("\"Morning\",", "\"Morning\""));
        assert_eq!(
            message,
            "p.json:4: invalid JSON at column 36: expected `,` or `}`"
        );
    }

    #[test]
    fn a_dst_gap_names_the_item() {
        let message = error(&PROGRAM.replace(
            r#""start": "2021-05-04 11:00", "end": "2021-05-04 11:15""#,
            r#""start": "2021-03-14 02:30", "end": "2021-05-04 11:15""#,
        ));
        assert_eq!(
            message,
            "p.json at `sessions[0].talks[0].start`: 2021-03-14 02:30:00 does not exist in America/Los_Angeles: the clocks skip it (daylight saving gap)"
        );
    }

    #[test]
    fn a_year_outside_1_to_9999_names_the_item() {
        // Found by fuzzing: chrono reads a mistyped `-021` as the year -21.
        let message = error(&PROGRAM.replace(
            r#""start": "2021-05-04 11:00", "end": "2021-05-04T12:00:00-07:00""#,
            r#""start": "-021-05-04 11:00", "end": "2021-05-04T12:00:00-07:00""#,
        ));
        assert_eq!(
            message,
            "p.json at `sessions[0].start`: -0021-05-04 11:00:00 is not a time confbot can keep: the year must be from 1 to 9999"
        );
    }

    #[test]
    fn an_end_before_the_start_or_in_year_0_names_the_item_and_its_field() {
        let message = error(&PROGRAM.replace(
            r#""end": "2021-05-04 11:15""#,
            r#""end": "2021-05-04 10:15""#,
        ));
        assert_eq!(
            message,
            "p.json at `sessions[0].talks[0].end`: expected `Hello` to end after it starts (2021-05-04T11:00:00-07:00), but it ends at 2021-05-04T10:15:00-07:00"
        );
        let message = error(&PROGRAM.replace(
            r#""end": "2021-05-04T12:00:00-07:00""#,
            r#""end": "0000-05-04T12:00:00-07:00""#,
        ));
        assert_eq!(
            message,
            "p.json at `sessions[0].end`: 0000-05-04T12:00:00-07:00 is not a time confbot can keep: the year must be from 1 to 9999"
        );
    }

    #[test]
    fn duplicate_ids_name_the_rule() {
        let message = error(&PROGRAM.replace(r#""id": "t1""#, r#""id": "s1""#));
        assert_eq!(
            message,
            "p.json: talk `s1`: this id is used more than once (rule: ids must be unique)"
        );
    }

    #[test]
    fn an_unknown_zone_names_its_path() {
        let message = error(&PROGRAM.replace("America/Los_Angeles", "Mars/Olympus"));
        assert_eq!(
            message,
            "p.json at `conference.time_zone`: expected an IANA time zone such as `America/Los_Angeles`, found `Mars/Olympus`"
        );
    }

    #[test]
    fn an_unknown_field_is_an_error_not_ignored() {
        let message = error(&PROGRAM.replace(r#""kind": "oral","#, r#""kinds": "oral","#));
        assert!(message.contains("unknown field `kinds`"), "{message}");
    }
}
