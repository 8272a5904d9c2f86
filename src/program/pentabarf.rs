//! The Pentabarf / frab `schedule.xml` importer: the XML schedule that FOSDEM exports and that
//! frab and pretalx serve next to their JSON (see `docs/program-format.md`).
//!
//! Events are nested as `<schedule><day date><room name><event>`, each event becoming a session
//! holding one talk, with the same ids as the JSON importer gives (so switching between a
//! conference's JSON and XML exports updates talks in place). When an event has a `<date>` with
//! an offset, that is its instant. Older exports (FOSDEM's) have none: the instant is the
//! `<day date>` plus the event's `<start>` in the conference zone, and a day runs past midnight
//! (its `start` attribute, or the conference's `<day_change>`), so a `<start>` before the day
//! begins is on the next calendar date. Those local times need a zone: `--timezone`, else
//! `<time_zone_name>`; a file with neither is refused, never read as UTC. Errors name the line.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use roxmltree::{Document, Node, ParsingOptions};

use super::frab::{choose_zone, is_break, read_duration};
use super::link::{lenient, LinkKind};
use super::markup::to_discord;
use super::span::{span, takes_no_time, End, Field};
use super::time::resolve_local;
use super::{
    non_empty, Conference, ImportError, Links, Location, Person, Program, Session, SessionSlot,
    Talk, TalkKind, Warning,
};

/// A `<day>`: its date, and the local time and instants it runs between, when given.
struct Day {
    date: NaiveDate,
    change: Option<NaiveTime>,
    bounds: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
}

/// Reads a `schedule.xml`; `zone` (from `--timezone` or the config) overrides `<time_zone_name>`.
pub fn parse(
    file: &str,
    text: &str,
    zone: Option<Tz>,
) -> Result<(Program, Vec<Warning>), ImportError> {
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        ImportError::at_line(file, e.pos().row as usize, format!("invalid XML: {e}"))
    })?;
    let line = |node: Node| doc.text_pos_at(node.range().start).row as usize;
    let error = |node: Node, message: String| ImportError::at_line(file, line(node), message);
    let root = doc.root_element();
    if root.tag_name().name() != "schedule" {
        return Err(error(
            root,
            format!(
                "expected a <schedule> root element, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let conference = child(root, "conference")
        .ok_or_else(|| error(root, "expected a <conference> element, found none".into()))?;
    let name = child_text(conference, "title")
        .or_else(|| child_text(conference, "acronym"))
        .ok_or_else(|| {
            error(
                conference,
                "expected the conference's <title> (or <acronym>), found none".into(),
            )
        })?;
    let zone_node = child(conference, "time_zone_name");
    let declared = child_text(conference, "time_zone_name");
    // Local times are read in the given zone, else the file's own.
    let local_zone: Result<Tz, String> = match (zone, &declared) {
        (Some(tz), _) => Ok(tz),
        (None, Some(name)) => name.parse().map_err(|_| {
            format!(
                "<time_zone_name> `{name}` is not an IANA time zone, so local times cannot be \
                 placed: give the conference's zone with --timezone ZONE (e.g. Europe/Brussels)"
            )
        }),
        (None, None) => Err(
            "the file gives no time zone (no <time_zone_name>) and this event \
                             has no <date> with an offset: give the conference's zone with \
                             --timezone ZONE (e.g. Europe/Brussels); confbot does not guess UTC"
                .into(),
        ),
    };
    let day_change = match child(conference, "day_change") {
        Some(node) => Some(read_clock(&text_of(node)).ok_or_else(|| {
            error(
                node,
                format!(
                    "expected <day_change> as a time such as `04:00` or `09:00:00`, found `{}`",
                    text_of(node)
                ),
            )
        })?),
        None => None,
    };

    let mut warnings = Vec::new();
    let mut sessions = Vec::new();
    let mut stamps = Vec::new();
    for day_node in root.children().filter(|n| n.has_tag_name("day")) {
        let day = read_day(day_node, day_change).map_err(|m| error(day_node, m))?;
        for room in day_node.children().filter(|n| n.has_tag_name("room")) {
            let room_name = room
                .attribute("name")
                .and_then(|n| non_empty(Some(n.into())));
            for event in room.children().filter(|n| n.has_tag_name("event")) {
                let at = line(event);
                let fail = |node: Option<Node>, message: String| {
                    ImportError::at_line(file, node.map_or(at, line), message)
                };
                let id = event
                    .attribute("guid")
                    .or(event.attribute("id"))
                    .and_then(|id| non_empty(Some(id.into())))
                    .ok_or_else(|| {
                        fail(
                            None,
                            "expected the <event> to have a `guid` or `id` attribute (its \
                             identity across imports), found neither"
                                .into(),
                        )
                    })?;
                let title = child_text(event, "title").ok_or_else(|| {
                    fail(None, format!("expected event `{id}` to have a <title>"))
                })?;
                let date_node = child(event, "date").filter(|n| !text_of(*n).is_empty());
                let start = match date_node {
                    Some(node) => {
                        let text = text_of(node);
                        let at = DateTime::parse_from_rfc3339(&text).map_err(|_| {
                            fail(
                                Some(node),
                                format!(
                                    "expected <date> as a date and time with an offset such as \
                                     `2022-09-06T11:30:00+02:00`, found `{text}`"
                                ),
                            )
                        })?;
                        stamps.push((at.with_timezone(&Utc), *at.offset()));
                        if let Some((from, to)) = day.bounds.filter(|(f, t)| at < *f || at >= *t) {
                            warnings.push(Warning::new(
                                Location::Line(line(node)),
                                format!(
                                    "`{title}` is at {}, outside its day {} ({} to {}); the \
                                     <date> is taken as its time",
                                    at.to_rfc3339(),
                                    day.date,
                                    from.to_rfc3339(),
                                    to.to_rfc3339()
                                ),
                            ));
                        }
                        at.with_timezone(&Utc)
                    }
                    None => {
                        let node = child(event, "start");
                        let text = node.map(text_of).unwrap_or_default();
                        let clock = read_clock(&text).ok_or_else(|| {
                            fail(
                                node,
                                format!(
                                    "expected a <date> with an offset, or a <start> time such \
                                     as `09:30`, found `{text}`"
                                ),
                            )
                        })?;
                        let tz = local_zone.clone().map_err(|m| fail(node, m))?;
                        let date = match day.change.filter(|change| clock < *change) {
                            Some(_) => day.date + TimeDelta::days(1),
                            None => day.date,
                        };
                        resolve_local(NaiveDateTime::new(date, clock), tz)
                            .map_err(|e| fail(node, format!("`{title}`: {e}")))?
                    }
                };
                let duration_node = child(event, "duration");
                let duration = read_duration(duration_node.map(text_of).as_deref())
                    .map_err(|m| fail(duration_node, m))?;
                let checked = span(&title, start, End::After(duration)).map_err(|e| {
                    let start_node = date_node.or_else(|| child(event, "start"));
                    let node = match e.field {
                        Field::Start => start_node,
                        Field::End => duration_node,
                    };
                    fail(node, e.message)
                });
                let Some((start, end)) = checked? else {
                    warnings.push(Warning::new(Location::Line(at), takes_no_time(&title)));
                    continue;
                };
                let kind = child_text(event, "type");
                let mut session = Session {
                    slot: SessionSlot {
                        id: format!("{id}-session").into(),
                        title: title.clone(),
                        track: child_text(event, "track"),
                        room: room_name.clone().or_else(|| child_text(event, "room")),
                        start,
                        end,
                        stream: None,
                    },
                    moderators: Vec::new(),
                    talks: Vec::new(),
                };
                if !kind.as_deref().is_some_and(is_break) {
                    session.talks.push(Talk {
                        id: id.into(),
                        title,
                        kind: TalkKind::parse(kind.as_deref().unwrap_or_default()),
                        start,
                        end,
                        speakers: persons(event),
                        abstract_text: abstract_text(event),
                        url: child_text(event, "url"),
                        links: links(event, line, &mut warnings),
                    });
                }
                sessions.push(session);
            }
        }
    }
    let declared_at = Location::Line(zone_node.map_or(line(conference), line));
    let time_zone = choose_zone(declared, &declared_at, zone, &stamps, &mut warnings);
    let conference = Conference {
        name,
        time_zone,
        url: child_text(conference, "url"),
    };
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))?;
    Ok((program, warnings))
}

/// A `<day>`'s date, when the next date begins (its `start` attribute's local time, else the
/// conference's `<day_change>`), and the instants it runs between.
fn read_day(node: Node, day_change: Option<NaiveTime>) -> Result<Day, String> {
    let text = node.attribute("date").unwrap_or_default();
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        format!("expected the <day> to have a `date` such as `2024-02-03`, found `{text}`")
    })?;
    let instant = |name: &str| -> Result<Option<DateTime<FixedOffset>>, String> {
        match node
            .attribute(name)
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(text).map(Some).map_err(|_| {
                format!(
                    "expected the <day> `{name}` as a date and time with an offset such as \
                     `2022-09-06T04:00:00+02:00`, found `{text}`"
                )
            }),
        }
    };
    let (start, end) = (instant("start")?, instant("end")?);
    Ok(Day {
        date,
        change: start.map(|s| s.time()).or(day_change),
        bounds: start.zip(end),
    })
}

/// `HH:MM` or `HH:MM:SS`.
fn read_clock(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

/// `<links><link href>`s and `<attachments><attachment href>`s of a kind confbot knows (by
/// their text or `type`), and `<recording><optout>`; a bad link is left out with a warning.
fn links(event: Node, line: impl Fn(Node) -> usize, warnings: &mut Vec<Warning>) -> Links {
    let mut read = Links {
        do_not_record: child(event, "recording")
            .and_then(|r| child_text(r, "optout"))
            .is_some_and(|optout| optout.eq_ignore_ascii_case("true")),
        ..Links::default()
    };
    let items = [("links", "link"), ("attachments", "attachment")]
        .into_iter()
        .filter_map(|(list, item)| Some((child(event, list)?, item)))
        .flat_map(|(list, item)| list.children().filter(move |n| n.has_tag_name(item)));
    for item in items {
        let text = text_of(item);
        let labels = [item.attribute("type"), Some(text.as_str())];
        let Some(kind) = labels.into_iter().flatten().find_map(LinkKind::named) else {
            continue;
        };
        let at = Location::Line(line(item));
        if let Some(url) = lenient(item.attribute("href"), kind, at, warnings) {
            kind.fill(&mut read, url);
        }
    }
    read
}

fn persons(event: Node) -> Vec<Person> {
    child(event, "persons")
        .into_iter()
        .flat_map(|persons| persons.children().filter(|n| n.has_tag_name("person")))
        .filter_map(|person| non_empty(Some(text_of(person))))
        .map(Person::new)
        .collect()
}

/// The abstract and description (FOSDEM's HTML, escaped in the XML), joined by a blank line;
/// a description that repeats the abstract is kept once.
fn abstract_text(event: Node) -> String {
    let mut texts: Vec<String> = Vec::new();
    for name in ["abstract", "description"] {
        let text = to_discord(&child_text(event, name).unwrap_or_default());
        if !text.is_empty() && !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts.join("\n\n")
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|n| n.has_tag_name(name))
}

/// All the text inside an element (an abstract may hold markup as child elements), trimmed.
fn text_of(node: Node) -> String {
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    text.trim().to_string()
}

fn child_text(node: Node, name: &str) -> Option<String> {
    non_empty(child(node, name).map(text_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_have_minutes_and_optional_seconds() {
        assert_eq!(read_clock("09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(read_clock("04:00:00"), NaiveTime::from_hms_opt(4, 0, 0));
        assert_eq!(read_clock("9h30"), None);
    }
}
