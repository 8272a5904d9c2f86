//! The Sessionize importer: the "All" JSON export (`sessions`, `speakers`, `rooms`,
//! `categories`) that most North American conferences publish (see `docs/program-format.md`).
//!
//! Sessions refer to speakers, rooms and category items by id; a reference to nothing is an
//! error, since it means the file is not the whole export. `startsAt`/`endsAt` are local times
//! without an offset, so the conference zone must be given: without it there is no honest way
//! to place a talk in time. Service sessions (breaks, lunch) become sessions without talks, and
//! sessions not on the schedule yet (no times) or not accepted are left out with a warning.
//! Unknown fields are ignored, as in other tools' exports.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;

use super::link::{lenient, LinkKind};
use super::span::{span, takes_no_time, End};
use super::time::resolve_local;
use super::Warning;
use super::{
    deserialize_json, json_id, non_empty, Conference, ImportError, Links, Location, Person,
    Program, Session, SessionSlot, Talk, TalkKind,
};

#[derive(Deserialize)]
struct RawAll {
    sessions: Option<Vec<RawSession>>,
    speakers: Option<Vec<RawSpeaker>>,
    rooms: Option<Vec<RawNamed>>,
    categories: Option<Vec<RawCategory>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSession {
    id: Option<Value>,
    title: Option<String>,
    description: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    is_service_session: Option<bool>,
    speakers: Option<Vec<Value>>,
    category_items: Option<Vec<Value>>,
    room_id: Option<Value>,
    live_url: Option<String>,
    recording_url: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpeaker {
    id: Option<Value>,
    first_name: Option<String>,
    last_name: Option<String>,
    full_name: Option<String>,
}

#[derive(Deserialize)]
struct RawNamed {
    id: Option<Value>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawCategory {
    title: Option<String>,
    items: Option<Vec<RawNamed>>,
}

/// Category titles whose items say what track a session is in, and what kind of talk it is.
const TRACK_CATEGORIES: &[&str] = &["track", "tracks"];
const FORMAT_CATEGORIES: &[&str] = &["session format", "format", "session type", "type"];

/// Reads a Sessionize "All" export; its times are read in `zone`, which must be given.
pub fn parse(
    file: &str,
    text: &str,
    zone: Option<Tz>,
    name: Option<&str>,
) -> Result<(Program, Vec<Warning>), ImportError> {
    let raw: RawAll = deserialize_json(file, text)?;
    let tz = zone.ok_or_else(|| {
        ImportError::new(
            file,
            Location::File,
            "Sessionize times (`startsAt`, `endsAt`) have no offset, so confbot needs the \
             conference's time zone: give it with `--timezone ZONE`, an IANA zone such as \
             `America/Chicago`",
        )
    })?;
    let mut warnings = Vec::new();
    let name = match non_empty(name.map(str::to_string)) {
        Some(name) => name,
        None => {
            let stem = Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.to_string());
            warnings.push(Warning::new(
                Location::File,
                format!(
                    "Sessionize files do not name the conference; calling it `{stem}` \
                     (give --name to choose)"
                ),
            ));
            stem
        }
    };
    let speakers: HashMap<String, Option<String>> = raw
        .speakers
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            let full = non_empty(s.full_name).or_else(|| {
                let parts = [non_empty(s.first_name), non_empty(s.last_name)];
                non_empty(Some(
                    parts.into_iter().flatten().collect::<Vec<_>>().join(" "),
                ))
            });
            Some((json_id(s.id.as_ref()?)?, full))
        })
        .collect();
    let rooms: HashMap<String, Option<String>> = raw
        .rooms
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| Some((json_id(r.id.as_ref()?)?, non_empty(r.name))))
        .collect();
    // Category item id → (category title in lower case, item name).
    let mut items: HashMap<String, (String, String)> = HashMap::new();
    for category in raw.categories.unwrap_or_default() {
        let title = non_empty(category.title).unwrap_or_default().to_lowercase();
        for item in category.items.unwrap_or_default() {
            if let (Some(id), Some(name)) =
                (item.id.as_ref().and_then(json_id), non_empty(item.name))
            {
                items.insert(id, (title.clone(), name));
            }
        }
    }
    let mut sessions = Vec::new();
    for (i, raw) in raw.sessions.unwrap_or_default().into_iter().enumerate() {
        let path = format!("sessions[{i}]");
        let error = |field: &str, message: String| {
            ImportError::at_path(file, format!("{path}.{field}"), message)
        };
        let id = raw.id.as_ref().and_then(json_id).ok_or_else(|| {
            error(
                "id",
                "expected the session's id, a string or a number, found none".into(),
            )
        })?;
        let title = non_empty(raw.title)
            .ok_or_else(|| error("title", "expected the session's title, found none".into()))?;
        if let Some(status) = non_empty(raw.status).filter(|s| !s.eq_ignore_ascii_case("accepted"))
        {
            warnings.push(Warning::at_path(
                &path,
                format!("`{title}` is {status}, not accepted, so it is left out"),
            ));
            continue;
        }
        let (Some(starts_at), Some(ends_at)) = (non_empty(raw.starts_at), non_empty(raw.ends_at))
        else {
            warnings.push(Warning::at_path(
                &path,
                format!("`{title}` has no `startsAt` and `endsAt` (not on the schedule yet), so it is left out"),
            ));
            continue;
        };
        let start = read_time(&starts_at, tz).map_err(|m| error("startsAt", m))?;
        let end = read_time(&ends_at, tz).map_err(|m| error("endsAt", m))?;
        // In the conference zone, so an error shows the times as the file writes them.
        let (start, end) = (start.with_timezone(&tz), End::At(end.with_timezone(&tz)));
        let checked =
            span(&title, start, end).map_err(|e| error(e.at("startsAt", "endsAt"), e.message));
        let Some((start, end)) = checked? else {
            warnings.push(Warning::at_path(&path, takes_no_time(&title)));
            continue;
        };
        let (start, end) = (start.with_timezone(&Utc), end.with_timezone(&Utc));
        let room = match raw.room_id.as_ref().filter(|v| !v.is_null()) {
            None => None,
            Some(value) => {
                let key = json_id(value).unwrap_or_else(|| value.to_string());
                let name = rooms.get(&key).ok_or_else(|| {
                    error(
                        "roomId",
                        format!("expected the id of a room in `rooms`, found `{key}`"),
                    )
                })?;
                name.clone()
            }
        };
        let (mut track, mut kind) = (None, None);
        for value in raw.category_items.unwrap_or_default() {
            // Items of other categories (level, language...) do not change how a talk is found.
            if let Some((category, item)) = json_id(&value).and_then(|id| items.get(&id)) {
                if TRACK_CATEGORIES.contains(&category.as_str()) {
                    track.get_or_insert_with(|| item.clone());
                } else if FORMAT_CATEGORIES.contains(&category.as_str()) {
                    kind.get_or_insert_with(|| item.clone());
                }
            }
        }
        let at = |field: &str| Location::Json {
            path: format!("{path}.{field}"),
            line: None,
        };
        let stream = lenient(
            raw.live_url.as_deref(),
            LinkKind::Stream,
            at("liveUrl"),
            &mut warnings,
        );
        let recording = lenient(
            raw.recording_url.as_deref(),
            LinkKind::Recording,
            at("recordingUrl"),
            &mut warnings,
        );
        let service = raw.is_service_session == Some(true);
        let mut session = Session {
            slot: SessionSlot {
                // The talk keeps Sessionize's id; the session needs another, just as stable.
                id: format!("{id}-session").into(),
                title: title.clone(),
                track,
                room,
                start,
                end,
                // A service session (a plenum) has no talk to carry its stream.
                stream: stream.clone().filter(|_| service),
            },
            moderators: Vec::new(),
            talks: Vec::new(),
        };
        if !service {
            let mut people = Vec::new();
            for (s, value) in raw.speakers.unwrap_or_default().iter().enumerate() {
                // "All" lists speaker ids; other Sessionize views list `{id, name}` objects.
                let key = json_id(value)
                    .or_else(|| value.get("id").and_then(json_id))
                    .unwrap_or_else(|| value.to_string());
                let speaker = speakers.get(&key).ok_or_else(|| {
                    ImportError::at_path(
                        file,
                        format!("{path}.speakers[{s}]"),
                        format!("expected the id of a speaker in `speakers`, found `{key}`"),
                    )
                })?;
                match speaker {
                    Some(name) => people.push(Person::new(name)),
                    None => warnings.push(Warning::at_path(
                        format!("{path}.speakers[{s}]"),
                        format!("speaker `{key}` has no name, so they are left out"),
                    )),
                }
            }
            session.talks.push(Talk {
                id: id.into(),
                title,
                // Sessionize's default format for an ordinary talk is "Session".
                kind: match kind.as_deref() {
                    Some(format) if !format.eq_ignore_ascii_case("session") => {
                        TalkKind::parse(format)
                    }
                    _ => TalkKind::Talk,
                },
                start,
                end,
                speakers: people,
                abstract_text: non_empty(raw.description).unwrap_or_default(),
                url: None,
                links: Links {
                    stream,
                    recording,
                    ..Links::default()
                },
            });
        }
        sessions.push(session);
    }
    let conference = Conference {
        name,
        time_zone: tz,
        url: None,
    };
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))?;
    Ok((program, warnings))
}

/// A local time in the conference zone, as Sessionize writes it; one with an offset is taken
/// as it is. A time that a DST change skips or repeats is an error, never a guess.
fn read_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            format!("expected a local date and time such as `2024-10-02T09:00:00`, found `{text}`")
        })?;
    resolve_local(local, tz).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{
      "sessions": [{"id": "1", "title": "Hello", "startsAt": "2024-11-03T01:30:00",
                    "endsAt": "2024-11-03T02:00:00", "speakers": [], "roomId": null}],
      "speakers": [], "rooms": [], "categories": []
    }"#;

    #[test]
    fn a_time_in_the_fall_back_hour_is_an_error_naming_the_path() {
        let error = parse("s.json", ONE, Some(Tz::America__Chicago), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "s.json at `sessions[0].startsAt`: 2024-11-03 01:30:00 happens twice in \
             America/Chicago (daylight saving fold); write it with an offset, e.g. \
             2024-11-03T01:30:00-05:00"
        );
    }

    #[test]
    fn without_a_name_the_conference_is_called_after_the_file() {
        let text = ONE
            .replace("2024-11-03T01", "2024-11-04T01")
            .replace("2024-11-03T02", "2024-11-04T02");
        let (program, warnings) = parse(
            "dir/devconf-2024.json",
            &text,
            Some(Tz::America__Chicago),
            None,
        )
        .unwrap();
        assert_eq!(program.conference().name, "devconf-2024");
        assert!(warnings[0].message.contains("give --name"), "{warnings:?}");
        let (program, warnings) = parse(
            "dir/devconf-2024.json",
            &text,
            Some(Tz::America__Chicago),
            Some("DevConf"),
        )
        .unwrap();
        assert_eq!(program.conference().name, "DevConf");
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
