//! The MiniConf importer: a conference site's `sitedata/` folder, as MiniConf (ICLR, ACL,
//! SIGdial...) builds its pages from (see `docs/program-format.md`).
//!
//! `main_calendar.json` lists the sessions with their times; `papers.csv` (or `papers.json`)
//! the papers, each naming its session. Papers have no times of their own, so each is a talk
//! spanning its session (posters in poster sessions). Sites link papers to sessions
//! differently (by the calendar's `UID`, a lowercase `uid`, or the session's title), so every
//! way is tried; a paper whose session is not found is left out with a warning that names it.
//! A calendar entry without papers (a keynote, a workshop) is a talk of its own, and a break
//! (`calendarId` `break`) a session without talks. An entry's id is its `UID`, else its title
//! (never its time, so a session that moves keeps its identity); an id already taken gets `-2`
//! (`-3`…) in file order, with a warning when the file's own UIDs repeat. These folders also
//! carry attendees' and authors' e-mail addresses (a `contact` column): only the columns named
//! here are read, and errors name rows by line and papers by id, never by their other content.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;

use super::frab::{derive_zone, is_break};
use super::span::{timed_span, End};
use super::time::resolve_local;
use super::{
    deserialize_json, json_id, non_empty, word_slug, Conference, ImportError, Links, Location,
    Person, Program, Session, SessionSlot, Talk, TalkKind, Warning,
};

const CALENDAR: &str = "main_calendar.json";

#[derive(Deserialize)]
struct RawEntry {
    #[serde(rename = "UID")]
    upper_uid: Option<Value>,
    uid: Option<Value>,
    title: Option<String>,
    start: Option<String>,
    end: Option<String>,
    room: Option<String>,
    location: Option<String>,
    link: Option<String>,
    #[serde(rename = "calendarId")]
    calendar_id: Option<String>,
    chair: Option<String>,
}

/// A paper as read from `papers.csv` or `papers.json`, with where it was.
struct Paper {
    uid: String,
    title: String,
    authors: Vec<String>,
    abstract_text: String,
    sessions: Vec<String>,
    at: Location,
}

/// Reads a `sitedata/` folder. Calendar times with an offset are taken as they are; local ones
/// need `zone`, which is also the zone times are shown in.
pub fn parse(dir: &Path, zone: Option<Tz>) -> Result<(Program, Vec<Warning>), ImportError> {
    let folder = dir.display().to_string();
    let calendar_path = dir.join(CALENDAR);
    let calendar_file = calendar_path.display().to_string();
    if !calendar_path.is_file() {
        return Err(ImportError::new(
            &folder,
            Location::File,
            format!(
                "expected a MiniConf sitedata/ folder with {CALENDAR} (and papers.csv or \
                 papers.json), found no {CALENDAR}"
            ),
        ));
    }
    let entries: Vec<RawEntry> = deserialize_json(&calendar_file, &read(&calendar_path)?)?;
    let mut warnings = Vec::new();
    let name = match conference_name(dir)? {
        Some(name) => name,
        None => {
            let name = dir
                .canonicalize()
                .ok()
                .and_then(|d| Some(d.parent()?.file_name()?.to_string_lossy().into_owned()))
                .unwrap_or_else(|| folder.clone());
            warnings.push(Warning::new(
                Location::File,
                format!("config.yml has no `name`; calling the conference `{name}`"),
            ));
            name
        }
    };

    let mut sessions = Vec::new();
    let mut stamps: Vec<(DateTime<Utc>, FixedOffset)> = Vec::new();
    // Every way a paper may name a session, to the session's index.
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut calendar_ids = Vec::new();
    // Ids given so far, to the entry that has each.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let path = format!("[{i}]");
        let error = |field: &str, message: String| {
            ImportError::at_path(&calendar_file, format!("{path}.{field}"), message)
        };
        let title = non_empty(entry.title)
            .ok_or_else(|| error("title", "expected the entry's title, found none".into()))?;
        let mut time = |field: &str, text: Option<String>| {
            read_time(text.as_deref(), zone, &mut stamps).map_err(|m| error(field, m))
        };
        let start = time("start", entry.start)?;
        let end = End::At(time("end", entry.end)?);
        let (start, end) =
            timed_span(&title, start, end).map_err(|e| error(e.at("start", "end"), e.message))?;
        let uids: Vec<(&str, String)> = [("UID", &entry.upper_uid), ("uid", &entry.uid)]
            .into_iter()
            .filter_map(|(field, v)| Some((field, v.as_ref().and_then(json_id)?)))
            .collect();
        let id = match uids.first() {
            Some((field, uid)) => {
                let id = unique(uid, &taken);
                if let Some(first) = taken.get(uid) {
                    warnings.push(Warning::at_path(
                        format!("{path}.{field}"),
                        format!(
                            "UID `{uid}` is also that of entry [{first}] of {CALENDAR}; \
                             `{title}` is imported as `{id}`"
                        ),
                    ));
                }
                id
            }
            // Not the time: a session that moves must keep its identity. Repeated titles
            // (every coffee break) are numbered in file order, silently: that is how sites
            // without UIDs are written.
            None => unique(
                &non_empty(Some(word_slug(&title))).unwrap_or("entry".into()),
                &taken,
            ),
        };
        taken.insert(id.clone(), i);
        let uids: Vec<String> = uids.into_iter().map(|(_, uid)| uid).collect();
        for key in uids.iter().chain([&title]) {
            keys.entry(key.clone()).or_insert(sessions.len());
            keys.entry(key.trim().to_lowercase())
                .or_insert(sessions.len());
        }
        let calendar_id = non_empty(entry.calendar_id).unwrap_or_default();
        let room = non_empty(entry.room).or(non_empty(entry.location).filter(|l| !is_link(l)));
        sessions.push(Session {
            slot: SessionSlot {
                id: format!("{id}-session").into(),
                title,
                track: None,
                room,
                start,
                end,
                stream: None,
            },
            moderators: split(entry.chair.as_deref().unwrap_or_default(), &[',', ';'])
                .into_iter()
                .map(Person::new)
                .collect(),
            talks: Vec::new(),
        });
        calendar_ids.push((calendar_id, id, non_empty(entry.link)));
    }

    for paper in read_papers(dir)? {
        let found: Vec<usize> = paper
            .sessions
            .iter()
            .filter_map(|s| keys.get(s).or_else(|| keys.get(&s.trim().to_lowercase())))
            .copied()
            .collect();
        if found.is_empty() {
            let why = match paper.sessions.is_empty() {
                true => "names no session".to_string(),
                false => format!(
                    "names session `{}`, which is not in {CALENDAR}",
                    paper.sessions.join("`, `")
                ),
            };
            warnings.push(Warning::new(
                paper.at.clone(),
                format!(
                    "paper `{}` ({}) {why}, so it is left out",
                    paper.uid, paper.title
                ),
            ));
        }
        for (n, &index) in found.iter().enumerate() {
            let session = &mut sessions[index];
            let (calendar_id, _, _) = &calendar_ids[index];
            let what = format!("{calendar_id} {}", session.slot.title).to_lowercase();
            let kind = if what.contains("poster") {
                TalkKind::Poster
            } else if what.contains("oral") {
                TalkKind::Oral
            } else {
                TalkKind::Talk
            };
            session.talks.push(Talk {
                // A paper in several sessions is a talk in each, with ids kept unique.
                id: match n {
                    0 => paper.uid.clone(),
                    _ => format!("{}-{}", paper.uid, n + 1),
                }
                .into(),
                title: paper.title.clone(),
                kind,
                start: session.slot.start,
                end: session.slot.end,
                speakers: paper.authors.iter().map(Person::new).collect(),
                abstract_text: paper.abstract_text.clone(),
                url: None,
                links: Links::default(),
            });
        }
    }
    for (session, (calendar_id, id, link)) in sessions.iter_mut().zip(calendar_ids) {
        let pause = is_break(&calendar_id) || is_break(&session.slot.title);
        if session.talks.is_empty() && !pause {
            let kind = format!("{calendar_id} {}", session.slot.title).to_lowercase();
            session.talks.push(Talk {
                id: id.into(),
                title: session.slot.title.clone(),
                kind: match kind.contains("keynote") {
                    true => TalkKind::Keynote,
                    false => TalkKind::Talk,
                },
                start: session.slot.start,
                end: session.slot.end,
                speakers: Vec::new(),
                abstract_text: String::new(),
                url: link,
                links: Links::default(),
            });
        }
    }

    let time_zone = match zone {
        Some(tz) => tz,
        None => {
            let (tz, how) = derive_zone(&stamps);
            warnings.push(Warning::new(
                Location::File,
                format!(
                    "a MiniConf folder names no time zone; showing times in {tz}, {how} (give \
                     --timezone to choose)"
                ),
            ));
            tz
        }
    };
    let conference = Conference {
        name,
        time_zone,
        url: None,
    };
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(&folder, Location::File, e.to_string()))?;
    Ok((program, warnings))
}

/// `config.yml`'s top-level `name`: the one key read, by its line (no YAML parser needed for a
/// `name: value` line at the start of a line; quotes and a trailing comment are removed).
fn conference_name(dir: &Path) -> Result<Option<String>, ImportError> {
    let path = dir.join("config.yml");
    if !path.is_file() {
        return Ok(None);
    }
    let text = read(&path)?;
    let value = text.lines().find_map(|line| line.strip_prefix("name:"));
    Ok(value.and_then(|value| {
        let value = value.split(" #").next().unwrap_or_default().trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|&q| value.strip_prefix(q)?.strip_suffix(q))
            .unwrap_or(value);
        non_empty(Some(unquoted.to_string()))
    }))
}

/// A calendar time: RFC 3339 with an offset, or a local time read in `zone`.
fn read_time(
    text: Option<&str>,
    zone: Option<Tz>,
    stamps: &mut Vec<(DateTime<Utc>, FixedOffset)>,
) -> Result<DateTime<Utc>, String> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            "expected a date and time such as `2023-09-13T09:00:00+02:00`, found none".to_string()
        })?;
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        stamps.push((at.with_timezone(&Utc), *at.offset()));
        return Ok(at.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .ok_or_else(|| {
        format!("expected a date and time such as `2023-09-13T09:00:00+02:00`, found `{text}`")
    })?;
    let tz = zone.ok_or_else(|| {
        format!(
            "`{text}` has no offset, so confbot needs the conference's zone: give it with \
             --timezone ZONE"
        )
    })?;
    resolve_local(local, tz).map_err(|e| e.to_string())
}

fn read_papers(dir: &Path) -> Result<Vec<Paper>, ImportError> {
    let csv = dir.join("papers.csv");
    if csv.is_file() {
        return read_papers_csv(&csv);
    }
    let json = dir.join("papers.json");
    if json.is_file() {
        return read_papers_json(&json);
    }
    Ok(Vec::new())
}

fn read_papers_csv(path: &Path) -> Result<Vec<Paper>, ImportError> {
    let file = path.display().to_string();
    let text = read(path)?;
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        // The message says what is wrong (field counts, encoding), never what a field holds.
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("expected {expected_len} fields as in the header, found {len}"),
            csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
            _ => "the row is not valid CSV".to_string(),
        };
        ImportError::at_line(&file, line, format!("invalid CSV: {message}"))
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    let column = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| headers.iter().position(|h| h.trim() == *name))
            .or_else(|| {
                names.iter().find_map(|name| {
                    headers
                        .iter()
                        .position(|h| h.trim().eq_ignore_ascii_case(name))
                })
            })
    };
    let uid = column(&["UID", "uid", "id"]).ok_or_else(|| {
        ImportError::at_line(
            &file,
            1,
            "expected a `UID` column in the header, found none",
        )
    })?;
    let title = column(&["title"]).ok_or_else(|| {
        ImportError::at_line(
            &file,
            1,
            "expected a `title` column in the header, found none",
        )
    })?;
    let (authors, abstract_text) = (column(&["authors"]), column(&["abstract"]));
    let session = column(&["session", "sessions"]);
    let mut papers = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default();
        let Some(id) = non_empty(Some(field(Some(uid)).to_string())) else {
            return Err(ImportError::at_line(
                &file,
                line,
                "expected the paper's UID, found none",
            ));
        };
        let Some(name) = non_empty(Some(field(Some(title)).to_string())) else {
            return Err(ImportError::at_line(
                &file,
                line,
                format!("expected a title for paper `{id}`, found none"),
            ));
        };
        papers.push(Paper {
            uid: id,
            title: name,
            authors: split(field(authors), &['|']),
            abstract_text: field(abstract_text).trim().to_string(),
            sessions: split(field(session), &['|']),
            at: Location::Line(line),
        });
    }
    Ok(papers)
}

/// `papers.json`: a list of papers, with their fields at the top or under `content` (as the
/// ACL sites write them); `authors` and `sessions` as lists or `|`-separated text.
fn read_papers_json(path: &Path) -> Result<Vec<Paper>, ImportError> {
    let file = path.display().to_string();
    let raw: Vec<serde_json::Map<String, Value>> = deserialize_json(&file, &read(path)?)?;
    let mut papers = Vec::new();
    for (i, object) in raw.into_iter().enumerate() {
        let content = object.get("content").and_then(Value::as_object);
        let get = |key: &str| {
            object
                .get(key)
                .or_else(|| content?.get(key))
                .filter(|v| !v.is_null())
        };
        let text = |key: &str| get(key).and_then(json_id);
        let list = |key: &str| match get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(json_id).collect::<Vec<String>>(),
            Some(value) => json_id(value).map_or_else(Vec::new, |t| split(&t, &['|'])),
            None => Vec::new(),
        };
        let at = |field: &str| Location::Json {
            path: format!("[{i}].{field}"),
            line: None,
        };
        let uid = text("UID").or_else(|| text("uid")).or_else(|| text("id"));
        let uid = uid.ok_or_else(|| {
            ImportError::new(&file, at("UID"), "expected the paper's UID, found none")
        })?;
        let title = text("title").ok_or_else(|| {
            ImportError::new(
                &file,
                at("title"),
                format!("expected a title for paper `{uid}`, found none"),
            )
        })?;
        let mut sessions = list("session");
        sessions.extend(list("sessions"));
        papers.push(Paper {
            uid,
            title,
            authors: list("authors"),
            abstract_text: text("abstract").unwrap_or_default(),
            sessions,
            at: at("session"),
        });
    }
    Ok(papers)
}

/// `id`, or when it is taken, `id-2` (`-3`…): the same file always gives the same ids, so a
/// reload matches each entry with itself.
fn unique(id: &str, taken: &HashMap<String, usize>) -> String {
    if !taken.contains_key(id) {
        return id.to_string();
    }
    (2..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| !taken.contains_key(candidate))
        .expect("some number is free")
}

/// The non-empty, trimmed parts of `text` between any of `separators`.
fn split(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators)
        .filter_map(|part| non_empty(Some(part.to_string())))
        .collect()
}

/// The ICLR template puts links where the room would be.
fn is_link(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://") || text.contains(".html")
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|e| {
        ImportError::new(
            &path.display().to_string(),
            Location::File,
            format!("could not read the file: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_their_separator_and_drop_blanks() {
        assert_eq!(split("Ada | Grace||", &['|']), ["Ada", "Grace"]);
        assert!(split("", &['|']).is_empty());
    }

    #[test]
    fn local_calendar_times_need_a_zone() {
        let mut stamps = Vec::new();
        let error = read_time(Some("2023-09-13T09:00:00"), None, &mut stamps).unwrap_err();
        assert!(error.contains("give it with --timezone"), "{error}");
        let at = read_time(
            Some("2023-09-13T09:00:00"),
            Some(Tz::Europe__Prague),
            &mut stamps,
        )
        .unwrap();
        assert_eq!(at.to_rfc3339(), "2023-09-13T07:00:00+00:00");
        assert!(
            stamps.is_empty(),
            "only offsets in the file decide the derived zone"
        );
    }
}
