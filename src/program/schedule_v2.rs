//! The C3VOC schedule v2 importer (schema "alpha-3", as the 38C3 hub exports it; see
//! `docs/program-format.md`).
//!
//! Unlike v1 (`frab.rs`), events are a flat list at `schedule.events`, each with full `start`
//! and `end` instants; rooms are referenced by `guid` (resolved through `conference.rooms[]`),
//! tracks by `slug`, people by `guid` with a role. Texts may be localized (`"x"` or
//! `{"en": "x", "de": "y"}`). `MetaEvent`s (`BREAK`, `META`) become sessions without talks.
//! Real exports break their own schema (a room given by `guid` only, a participant without a
//! `role` or `name`), so a reference that can be resolved is, and one that cannot is a warning.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;

use super::frab::{choose_zone, is_break, read_date, read_duration, read_links, RawLink};
use super::markup::to_discord;
use super::span::{span, takes_no_time, End};
use super::time::iso_duration;
use super::{
    deserialize_json, json_id, non_empty, room_capacities, word_slug, Conference, ImportError,
    Location, Person, Program, Session, SessionSlot, Talk, TalkKind, Warning,
};

#[derive(Deserialize)]
struct RawFile {
    schedule: RawSchedule,
}

#[derive(Deserialize)]
struct RawSchedule {
    conference: RawConference,
    persons: Option<Vec<RawPerson>>,
    events: Option<Vec<RawEvent>>,
}

#[derive(Deserialize)]
struct RawConference {
    title: Option<Value>,
    acronym: Option<String>,
    url: Option<String>,
    time_zone_name: Option<String>,
    rooms: Option<Vec<RawNamed>>,
    tracks: Option<Vec<RawNamed>>,
    defaults: Option<RawDefaults>,
}

#[derive(Deserialize)]
struct RawDefaults {
    language: Option<String>,
}

/// A room or track: known by `guid` or `slug`, shown by `name`; a room may say its `capacity`.
#[derive(Deserialize)]
struct RawNamed {
    guid: Option<String>,
    slug: Option<String>,
    name: Option<Value>,
    capacity: Option<Value>,
}

#[derive(Deserialize)]
struct RawPerson {
    guid: Option<String>,
    name: Option<String>,
    public_name: Option<String>,
    role: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: Option<String>,
    guid: Option<String>,
    id: Option<Value>,
    code: Option<String>,
    start: Option<String>,
    end: Option<String>,
    duration: Option<String>,
    room: Option<Value>,
    url: Option<String>,
    title: Option<Value>,
    track: Option<Value>,
    #[serde(rename = "abstract")]
    abstract_text: Option<Value>,
    description: Option<Value>,
    participants: Option<Vec<RawPerson>>,
    persons: Option<Vec<RawPerson>>,
    state: Option<String>,
    links: Option<Vec<RawLink>>,
    attachments: Option<Vec<RawLink>>,
    do_not_record: Option<bool>,
    recording: Option<RawRecording>,
}

/// An event's recording settings: `optout` is do-not-record.
#[derive(Deserialize)]
struct RawRecording {
    optout: Option<bool>,
}

/// Event states that mean it will not happen (or not yet).
const NOT_HAPPENING: &[&str] = &[
    "DRAFT",
    "SUBMITTED",
    "REJECTED",
    "CANCELED",
    "CANCELLED",
    "WITHDRAWN",
    "DELETED",
];

const ZONE_PATH: &str = "schedule.conference.time_zone_name";

/// Reads a schedule v2 file; `zone` (from `--timezone` or the config) overrides
/// `time_zone_name`, which only says how times are shown (every instant has its offset).
pub fn parse(
    file: &str,
    text: &str,
    zone: Option<Tz>,
) -> Result<(Program, Vec<Warning>), ImportError> {
    let raw: RawFile = deserialize_json(file, text)?;
    let schedule = raw.schedule;
    let conference = schedule.conference;
    let language = non_empty(conference.defaults.and_then(|d| d.language));
    let text_of = |value: Option<&Value>| localized(value, language.as_deref());
    let name = text_of(conference.title.as_ref())
        .or(non_empty(conference.acronym))
        .ok_or_else(|| {
            ImportError::at_path(
                file,
                "schedule.conference.title",
                "expected the conference's title (or an `acronym`), found none",
            )
        })?;
    let named = |list: Option<Vec<RawNamed>>| -> HashMap<String, String> {
        let mut names = HashMap::new();
        for item in list.unwrap_or_default() {
            if let Some(name) = text_of(item.name.as_ref()) {
                for key in [item.guid.clone(), item.slug.clone()].into_iter().flatten() {
                    names.insert(key, name.clone());
                }
            }
        }
        names
    };
    let mut warnings = Vec::new();
    let room_facts = room_capacities(
        "schedule.conference.rooms",
        conference
            .rooms
            .iter()
            .flatten()
            .map(|r| (text_of(r.name.as_ref()), r.capacity.as_ref())),
        &mut warnings,
    );
    let rooms = named(conference.rooms);
    let tracks = named(conference.tracks);
    let people: HashMap<String, String> = schedule
        .persons
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            Some((
                non_empty(p.guid)?,
                non_empty(p.name).or(non_empty(p.public_name))?,
            ))
        })
        .collect();

    let mut sessions = Vec::new();
    let mut stamps: Vec<(DateTime<Utc>, FixedOffset)> = Vec::new();
    for (i, event) in schedule.events.unwrap_or_default().into_iter().enumerate() {
        let path = format!("schedule.events[{i}]");
        let error = |field: &str, message: String| {
            ImportError::at_path(file, format!("{path}.{field}"), message)
        };
        let title = text_of(event.title.as_ref())
            .ok_or_else(|| error("title", "expected the event's title, found none".into()))?;
        let kind = non_empty(event.kind).unwrap_or_default();
        let meta = ["BREAK", "META"].contains(&kind.to_ascii_uppercase().as_str());
        if let Some(state) = non_empty(event.state)
            .filter(|s| NOT_HAPPENING.contains(&s.to_ascii_uppercase().as_str()))
        {
            warnings.push(Warning::at_path(
                &path,
                format!("`{title}` is {state}, so it is left out"),
            ));
            continue;
        }
        let start = read_date(event.start.as_deref()).map_err(|m| error("start", m))?;
        let (end, end_field) = match non_empty(event.end) {
            Some(end) => (
                End::At(read_date(Some(&end)).map_err(|m| error("end", m))?),
                "end",
            ),
            None => {
                let text = event.duration.as_deref();
                let duration = text
                    .and_then(iso_duration)
                    .ok_or(())
                    .or_else(|_| read_duration(text))
                    .map_err(|_| {
                        error(
                            "duration",
                            format!(
                                "expected an `end`, or a `duration` such as `PT30M` or `00:30`, \
                                 found {}",
                                text.map_or("neither".into(), |t| format!("`{t}`"))
                            ),
                        )
                    })?;
                (End::After(duration), "duration")
            }
        };
        let checked =
            span(&title, start, end).map_err(|e| error(e.at("start", end_field), e.message));
        let Some((start, end)) = checked? else {
            warnings.push(Warning::at_path(&path, takes_no_time(&title)));
            continue;
        };
        stamps.extend([start, end].map(|at| (at.with_timezone(&Utc), *at.offset())));
        let (start, end) = (start.with_timezone(&Utc), end.with_timezone(&Utc));
        let id = non_empty(event.guid)
            .or_else(|| event.id.as_ref().and_then(json_id))
            .or(non_empty(event.code));
        let id = match (id, meta) {
            (Some(id), _) => id,
            // A MetaEvent need not have a guid: name it by what it is, when and where, which
            // is stable for as long as it does not move.
            (None, true) => format!(
                "{}-{}-{}",
                kind.to_ascii_lowercase(),
                start.format("%Y%m%dT%H%MZ"),
                word_slug(&title)
            ),
            (None, false) => {
                return Err(error(
                    "guid",
                    "expected a `guid` (or an `id` or `code`) to keep the event's identity \
                     across imports, found none"
                        .into(),
                ))
            }
        };
        let room = room_name(event.room.as_ref(), &rooms, &path, &mut warnings);
        let track = match event.track.as_ref() {
            Some(Value::Object(track)) => text_of(track.get("name")).or_else(|| {
                let slug = track.get("slug").and_then(Value::as_str)?;
                Some(
                    tracks
                        .get(slug)
                        .cloned()
                        .unwrap_or_else(|| slug.to_string()),
                )
            }),
            other => text_of(other),
        };
        let mut session = Session {
            slot: SessionSlot {
                id: format!("{id}-session").into(),
                title: title.clone(),
                track,
                room,
                start,
                end,
                stream: None,
            },
            moderators: Vec::new(),
            talks: Vec::new(),
        };
        if !meta && !is_break(&kind) {
            let mut speakers = Vec::new();
            let (field, list) = match event.participants {
                Some(list) => ("participants", list),
                None => ("persons", event.persons.unwrap_or_default()),
            };
            for (p, person) in list.into_iter().enumerate() {
                let name = non_empty(person.name)
                    .or(non_empty(person.public_name))
                    .or_else(|| people.get(person.guid.as_deref()?).cloned());
                let Some(name) = name else {
                    warnings.push(Warning::at_path(
                        format!("{path}.{field}[{p}]"),
                        "a participant without a `name`, and whose `guid` is not in \
                         `schedule.persons`, is left out",
                    ));
                    continue;
                };
                // No role means SPEAKER (the schema's default).
                let role = non_empty(person.role)
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                match role.as_str() {
                    "MODERATOR" | "HOST" => session.moderators.push(Person::new(name)),
                    _ => speakers.push(Person::new(name)),
                }
            }
            let mut texts: Vec<String> = Vec::new();
            for text in [&event.abstract_text, &event.description] {
                let text = to_discord(&text_of(text.as_ref()).unwrap_or_default());
                if !text.is_empty() && !texts.contains(&text) {
                    texts.push(text);
                }
            }
            session.talks.push(Talk {
                id: id.into(),
                title,
                kind: kind_of(&kind),
                start,
                end,
                speakers,
                abstract_text: texts.join("\n\n"),
                url: non_empty(event.url),
                links: read_links(
                    &path,
                    event.links,
                    event.attachments,
                    event.do_not_record == Some(true)
                        || event.recording.and_then(|r| r.optout) == Some(true),
                    &mut warnings,
                ),
            });
        }
        sessions.push(session);
    }
    let declared_at = Location::Json {
        path: ZONE_PATH.into(),
        line: None,
    };
    let time_zone = choose_zone(
        non_empty(conference.time_zone_name),
        &declared_at,
        zone,
        &stamps,
        &mut warnings,
    );
    let conference = Conference {
        name,
        time_zone,
        url: non_empty(conference.url),
    };
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))?
        .with_rooms(room_facts);
    Ok((program, warnings))
}

/// A localizable string: text as it is, or `{"en": …, "de": …}` in the conference's default
/// language, else English, else the first one given.
fn localized(value: Option<&Value>, language: Option<&str>) -> Option<String> {
    match value? {
        Value::String(text) => non_empty(Some(text.clone())),
        Value::Object(texts) => {
            let text = |key: &str| texts.get(key).and_then(Value::as_str);
            let first = || texts.values().find_map(Value::as_str);
            non_empty(
                language
                    .and_then(text)
                    .or_else(|| text("en"))
                    .or_else(first)
                    .map(str::to_string),
            )
        }
        _ => None,
    }
}

/// The room of an event: `{"guid": …, "name": …}` (the name from `conference.rooms[]` when
/// the guid is there, else the one given) or a plain name.
fn room_name(
    value: Option<&Value>,
    rooms: &HashMap<String, String>,
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    match value? {
        Value::String(name) => rooms
            .get(name)
            .cloned()
            .or_else(|| non_empty(Some(name.clone()))),
        Value::Object(room) => {
            let guid = room.get("guid").and_then(Value::as_str);
            let name = room.get("name").and_then(Value::as_str);
            let found = guid.and_then(|g| rooms.get(g).cloned());
            let found = found.or_else(|| non_empty(name.map(str::to_string)));
            if found.is_none() {
                warnings.push(Warning::at_path(
                    format!("{path}.room"),
                    format!(
                        "the room `{}` is not in `conference.rooms` and has no name, so the \
                         event has no room",
                        guid.unwrap_or_default()
                    ),
                ));
            }
            found
        }
        _ => None,
    }
}

/// `TALK` is a talk; `LIGHTNING_TALK` is "Lightning talk", `WORKSHOP` "Workshop" and so on.
fn kind_of(kind: &str) -> TalkKind {
    let words = kind.replace('_', " ").to_lowercase();
    let mut chars = words.chars();
    let label = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    TalkKind::parse(&label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn localized_texts_prefer_the_default_language_then_english() {
        let texts = json!({"de": "Hallo", "en": "Hello"});
        assert_eq!(
            localized(Some(&texts), Some("de")).as_deref(),
            Some("Hallo")
        );
        assert_eq!(localized(Some(&texts), None).as_deref(), Some("Hello"));
        assert_eq!(
            localized(Some(&json!({"fr": "Salut"})), None).as_deref(),
            Some("Salut")
        );
        assert_eq!(localized(Some(&json!("  ")), None), None);
    }

    #[test]
    fn kinds_read_like_words() {
        assert_eq!(kind_of("TALK"), TalkKind::Talk);
        assert_eq!(
            kind_of("LIGHTNING_TALK"),
            TalkKind::Other("Lightning talk".into())
        );
    }
}
