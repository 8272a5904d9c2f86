//! The conference program: the domain model and its importers.
//!
//! A [`Program`] can only be built through [`Program::new`], which checks every rule a program
//! must satisfy, so the rest of confbot never sees an invalid one. Instants are UTC; the
//! conference [`Tz`] is kept for reading local times at import and showing them later.
//! Importers (`page`, `json`, `frab`, `schedule_v2`, `pentabarf`, `ical`, `sessionize`,
//! `miniconf`) turn a file into a `Program` or an
//! [`ImportError`] that names the file, the line or JSON path, and what was wrong. No database
//! and no Discord here.

pub mod diff;
mod error;
mod frab;
mod ical;
pub mod import;
mod json;
pub mod link;
mod markup;
mod miniconf;
mod page;
mod pentabarf;
mod schedule_v2;
mod sessionize;
mod span;
pub mod time;

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::ids::{SessionId, TalkId};

pub use diff::{Item, ItemChange, ProgramDiff};
pub use error::{ImportError, Location, Warning};
pub use import::{import_file, import_str, Format, ImportOptions, Imported, NotAFormat};
pub use link::{Link, LinkError, Links};

/// Longest id we accept: Discord autocomplete values and button ids carry them.
pub const MAX_ID_LEN: usize = 80;

/// The conference as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Conference {
    pub name: String,
    pub time_zone: Tz,
    pub url: Option<String>,
}

/// A block of the program: one room (or track) for a span of time, with its talks.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub slot: SessionSlot,
    pub moderators: Vec<Person>,
    pub talks: Vec<Talk>,
}

/// A session's own place in the program: what it is called, where and when it runs. This is
/// what commands and announcements show of a session, so the store returns it on its own,
/// without the talks and moderators a [`Session`] carries.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSlot {
    pub id: SessionId,
    pub title: String,
    pub track: Option<String>,
    pub room: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Where to watch the whole session, when the program says.
    pub stream: Option<Link>,
}

impl SessionSlot {
    /// Where it happens, for attendees: its room, else its track.
    pub fn place(&self) -> Option<&str> {
        self.room.as_deref().or(self.track.as_deref())
    }
}

/// One talk (or poster, keynote...) inside a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Talk {
    pub id: TalkId,
    pub title: String,
    pub kind: TalkKind,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub speakers: Vec<Person>,
    pub abstract_text: String,
    /// Its page in the program.
    pub url: Option<String>,
    pub links: Links,
}

/// A speaker or moderator, known by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    pub name: String,
}

impl Person {
    pub fn new(name: impl Into<String>) -> Self {
        Person { name: name.into() }
    }
}

/// What kind of slot a talk is; unknown kinds from other tools are kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TalkKind {
    Talk,
    Oral,
    Spotlight,
    Poster,
    Keynote,
    Other(String),
}

impl TalkKind {
    /// Reads a kind case-insensitively; anything unknown is kept as `Other`.
    pub fn parse(text: &str) -> TalkKind {
        let text = text.trim();
        match text.to_lowercase().as_str() {
            // frab calls a plain talk a "lecture".
            "" | "talk" | "lecture" => TalkKind::Talk,
            "oral" => TalkKind::Oral,
            "spotlight" => TalkKind::Spotlight,
            "poster" => TalkKind::Poster,
            "keynote" | "invited talk" => TalkKind::Keynote,
            _ => TalkKind::Other(text.to_string()),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            TalkKind::Talk => "Talk",
            TalkKind::Oral => "Oral",
            TalkKind::Spotlight => "Spotlight",
            TalkKind::Poster => "Poster",
            TalkKind::Keynote => "Keynote",
            TalkKind::Other(label) => label,
        }
    }
}

impl fmt::Display for TalkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What the program says of a room itself, rather than of a session in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFacts {
    /// Where to watch it.
    pub stream: Option<Link>,
    /// How many people it seats (at least one).
    pub capacity: Option<u32>,
}

/// A validated program: every rule in [`Rule`] holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    conference: Conference,
    sessions: Vec<Session>,
    /// What the program says of each room (by its name); only rooms it says something of.
    rooms: BTreeMap<String, RoomFacts>,
}

/// The rules a program must satisfy; a broken one is reported with the item that breaks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    EmptyConferenceName,
    NoSessions,
    EmptyId,
    IdTooLong,
    DuplicateId,
    EmptyTitle,
    EndNotAfterStart,
    TalkOutsideSession,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::EmptyConferenceName => "the conference needs a name",
            Rule::NoSessions => "a program needs at least one session",
            Rule::EmptyId => "ids must not be empty",
            Rule::IdTooLong => "ids must be at most 80 characters",
            Rule::DuplicateId => "ids must be unique",
            Rule::EmptyTitle => "titles must not be empty",
            Rule::EndNotAfterStart => "an item must end after it starts",
            Rule::TalkOutsideSession => "a talk must lie inside its session or right next to it",
        })
    }
}

/// A broken rule and the item (session or talk id) that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {detail} (rule: {rule})")]
pub struct ValidationError {
    pub rule: Rule,
    pub item: String,
    pub detail: String,
}

impl Program {
    /// Checks every rule and builds the program; sessions are kept sorted by start, talks too.
    pub fn new(
        conference: Conference,
        mut sessions: Vec<Session>,
    ) -> Result<Program, ValidationError> {
        let fail = |rule, item: &str, detail: String| ValidationError {
            rule,
            item: item.to_string(),
            detail,
        };
        if conference.name.trim().is_empty() {
            return Err(fail(
                Rule::EmptyConferenceName,
                "conference",
                "the name is empty".into(),
            ));
        }
        if sessions.is_empty() {
            return Err(fail(
                Rule::NoSessions,
                "program",
                "it has no sessions".into(),
            ));
        }
        let mut ids = HashSet::new();
        let mut check_item = |kind: &str, id: &str, title: &str, start, end| {
            let item = format!("{kind} `{id}`");
            if id.trim().is_empty() {
                return Err(fail(
                    Rule::EmptyId,
                    &format!("{kind} titled `{title}`"),
                    "its id is empty".into(),
                ));
            }
            if id.chars().count() > MAX_ID_LEN {
                return Err(fail(
                    Rule::IdTooLong,
                    &item,
                    format!("its id has {} characters", id.chars().count()),
                ));
            }
            if !ids.insert(id.to_string()) {
                return Err(fail(
                    Rule::DuplicateId,
                    &item,
                    "this id is used more than once".into(),
                ));
            }
            if title.trim().is_empty() {
                return Err(fail(Rule::EmptyTitle, &item, "its title is empty".into()));
            }
            if end <= start {
                return Err(fail(
                    Rule::EndNotAfterStart,
                    &item,
                    format!("it ends at {end} but starts at {start}"),
                ));
            }
            Ok(())
        };
        for session in &sessions {
            check_item(
                "session",
                &session.slot.id,
                &session.slot.title,
                session.slot.start,
                session.slot.end,
            )?;
            for talk in &session.talks {
                check_item("talk", &talk.id, &talk.title, talk.start, talk.end)?;
                let inside = talk.start >= session.slot.start && talk.end <= session.slot.end;
                let adjacent = talk.start == session.slot.end || talk.end == session.slot.start;
                if !inside && !adjacent {
                    return Err(fail(
                        Rule::TalkOutsideSession,
                        &format!("talk `{}`", talk.id),
                        format!(
                            "it runs {} to {} but its session `{}` runs {} to {}",
                            talk.start,
                            talk.end,
                            session.slot.id,
                            session.slot.start,
                            session.slot.end
                        ),
                    ));
                }
            }
        }
        sessions.sort_by(|a, b| (a.slot.start, &a.slot.id).cmp(&(b.slot.start, &b.slot.id)));
        for session in &mut sessions {
            session
                .talks
                .sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        }
        Ok(Program {
            conference,
            sessions,
            rooms: BTreeMap::new(),
        })
    }

    /// The program with what it says of each room, by room name (rooms it says nothing of are
    /// left out, so a program reads back as it was written).
    pub fn with_rooms(mut self, rooms: BTreeMap<String, RoomFacts>) -> Program {
        self.rooms = rooms
            .into_iter()
            .filter(|(_, facts)| *facts != RoomFacts::default())
            .collect();
        self
    }

    pub fn rooms(&self) -> &BTreeMap<String, RoomFacts> {
        &self.rooms
    }

    pub fn conference(&self) -> &Conference {
        &self.conference
    }

    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    pub fn talks(&self) -> impl Iterator<Item = &Talk> {
        self.sessions.iter().flat_map(|s| s.talks.iter())
    }

    /// The conference-local days the program covers, in order.
    pub fn days(&self) -> Vec<chrono::NaiveDate> {
        let tz = self.conference.time_zone;
        let mut days: Vec<_> = self
            .sessions
            .iter()
            .map(|s| s.slot.start.with_timezone(&tz).date_naive())
            .collect();
        days.dedup();
        days
    }
}

/// Deserializes a JSON file so that a wrong type names its JSON path (and line), and a syntax
/// error its line and column. Shared by the JSON importers.
fn deserialize_json<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, ImportError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let (line, column) = (e.inner().line(), e.inner().column());
        let syntax = e.inner().is_syntax() || e.inner().is_eof();
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde_json appends " at line L column C"; the location already says where.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string();
        if syntax {
            let message = format!("invalid JSON at column {column}: {message}");
            return ImportError::at_line(file, line, message);
        }
        let location = Location::Json {
            path,
            line: (line > 0).then_some(line),
        };
        ImportError::new(file, location, message)
    })
}

/// Text that says something: trimmed, and `None` when empty. Exports write "no value" as a
/// missing field, `null` or `""` interchangeably.
fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Lowercase letters and digits, words joined by `-`, at most 40 characters: a stable id part
/// for items that have no id of their own.
fn word_slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-").chars().take(40).collect()
}

/// An id as exports write them: a string or a number.
fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => non_empty(Some(text.clone())),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// What a schedule export's `conference.rooms[]` (at `path`) says of each room, by name: its
/// capacity, a whole number of seats (`3025`, `3025.0`, `"3025"`) or nothing (`null`, and `0`,
/// which exports write for "not set"). Any other capacity is a warning and no capacity: it only
/// marks talks likely to overflow, so a wrong one is never worth refusing a program for.
fn room_capacities<'a>(
    path: &str,
    rooms: impl IntoIterator<Item = (Option<String>, Option<&'a serde_json::Value>)>,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, RoomFacts> {
    use serde_json::Value;
    let whole =
        |n: f64| (n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32);
    let mut facts = BTreeMap::new();
    for (r, (name, capacity)) in rooms.into_iter().enumerate() {
        let (Some(name), Some(capacity)) = (name, capacity) else {
            continue;
        };
        let seats = match capacity {
            Value::Null => continue,
            Value::Number(n) => n.as_f64().and_then(whole),
            Value::String(text) => text.trim().parse::<u32>().ok(),
            _ => None,
        };
        match seats {
            Some(0) => {}
            Some(n) => {
                facts.insert(
                    name,
                    RoomFacts {
                        stream: None,
                        capacity: Some(n),
                    },
                );
            }
            None => warnings.push(Warning::at_path(
                format!("{path}[{r}].capacity"),
                format!("a room's capacity is a whole number of seats, not {capacity}: left out"),
            )),
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 5, 4, hour, minute, 0).unwrap()
    }

    fn talk(id: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Talk {
        Talk {
            id: id.into(),
            title: format!("Talk {id}"),
            kind: TalkKind::Oral,
            start,
            end,
            speakers: vec![Person::new("Ada Lovelace")],
            abstract_text: String::new(),
            url: None,
            links: Links::default(),
        }
    }

    fn session(id: &str, talks: Vec<Talk>) -> Session {
        Session {
            slot: SessionSlot {
                id: id.into(),
                title: format!("Session {id}"),
                track: None,
                room: None,
                start: at(18, 0),
                end: at(19, 0),
                stream: None,
            },
            moderators: vec![],
            talks,
        }
    }

    fn conference() -> Conference {
        Conference {
            name: "Conf".into(),
            time_zone: chrono_tz::America::Los_Angeles,
            url: None,
        }
    }

    fn broken_rule(sessions: Vec<Session>) -> Rule {
        Program::new(conference(), sessions).unwrap_err().rule
    }

    #[test]
    fn a_valid_program_is_sorted_by_start() {
        let program = Program::new(
            conference(),
            vec![session(
                "s",
                vec![
                    talk("b", at(18, 30), at(18, 45)),
                    talk("a", at(18, 0), at(18, 15)),
                ],
            )],
        )
        .unwrap();
        let ids: Vec<_> = program.talks().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn each_rule_is_named_when_broken() {
        assert_eq!(broken_rule(vec![]), Rule::NoSessions);
        assert_eq!(
            broken_rule(vec![session("s", vec![talk("t", at(18, 15), at(18, 0))])]),
            Rule::EndNotAfterStart
        );
        assert_eq!(
            broken_rule(vec![session("s", vec![talk("s", at(18, 0), at(18, 15))])]),
            Rule::DuplicateId
        );
        assert_eq!(
            broken_rule(vec![session("s", vec![talk("t", at(19, 30), at(19, 45))])]),
            Rule::TalkOutsideSession
        );
        assert_eq!(broken_rule(vec![session("", vec![])]), Rule::EmptyId);
        let mut untitled = session("s", vec![]);
        untitled.slot.title = "  ".into();
        assert_eq!(broken_rule(vec![untitled]), Rule::EmptyTitle);
        assert_eq!(
            broken_rule(vec![session(&"x".repeat(81), vec![])]),
            Rule::IdTooLong
        );
    }

    #[test]
    fn a_talk_right_after_its_session_is_adjacent_and_allowed() {
        let program = Program::new(
            conference(),
            vec![session("s", vec![talk("t", at(19, 0), at(19, 10))])],
        );
        assert!(program.is_ok());
    }

    #[test]
    fn validation_error_says_item_detail_and_rule() {
        let error = Program::new(
            conference(),
            vec![session("s", vec![talk("t", at(18, 15), at(18, 0))])],
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("talk `t`: it ends at"), "{message}");
        assert!(
            message.ends_with("(rule: an item must end after it starts)"),
            "{message}"
        );
    }

    #[test]
    fn kinds_are_read_case_insensitively_and_unknown_ones_kept() {
        assert_eq!(TalkKind::parse("ORAL"), TalkKind::Oral);
        assert_eq!(
            TalkKind::parse("Lightning talk"),
            TalkKind::Other("Lightning talk".into())
        );
    }
}
