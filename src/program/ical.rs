//! The iCalendar (`.ics`) importer: the calendar exports of pretalx, Indico, Google Calendar and
//! most conference sites (see `docs/program-format.md`).
//!
//! Parsing (unfolding, parameters, text unescaping) is the `icalendar` crate's. Its errors and
//! values carry no line numbers, so this module also indexes the file's content lines itself,
//! only to check that BEGIN/END nest and to name the line of each event and property in errors.
//!
//! Every `VEVENT` becomes a session holding one talk (so `/next`, `/now` and announcements treat
//! each event as attendees see it in their calendar); a repeated `UID` gets a suffix and a
//! warning rather than losing an event, and an event without a `SUMMARY` is left out with a
//! warning naming its line. Times: `Z` is UTC, `TZID=` an IANA zone (a VTIMEZONE's
//! own rules are not read: real files name IANA zones), a floating time is read in
//! `--timezone`, else `X-WR-TIMEZONE`; with neither it is refused naming its line, never read
//! as UTC. pretalx writes "Title - Speaker, Speaker" as the SUMMARY; only a calendar whose
//! `PRODID` says pretalx is split that way, since elsewhere " - " is part of titles.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use icalendar::parser::{read_calendar, unfold, Property};

use super::link::{lenient, LinkKind};
use super::markup::to_discord;
use super::span::{span, takes_no_time, End};
use super::time::{iso_duration, resolve_local};
use super::{
    non_empty, word_slug, Conference, ImportError, Links, Location, Person, Program, Session,
    SessionSlot, Talk, TalkKind, Warning,
};

/// Whether a LOCATION is a web address (a stream or a meeting link) rather than a place.
fn is_web_address(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Talk ids longer than this (Outlook UIDs run past 100 characters) are shortened with a hash,
/// leaving room for the session's `-session` suffix within confbot's 80.
const MAX_UID: usize = 72;

/// An event further than this from every other one is probably not part of the conference.
const OUTLIER_DAYS: i64 = 7;

/// Reads an iCalendar file. `zone` is the zone times are shown in and floating times read in;
/// `name` the conference name, else `X-WR-CALNAME`, else the file name (with a warning).
pub fn parse(
    file: &str,
    text: &str,
    zone: Option<Tz>,
    name: Option<&str>,
) -> Result<(Program, Vec<Warning>), ImportError> {
    let lines = content_lines(text);
    let events = check_structure(file, &lines)?;
    let unfolded = unfold(text);
    let calendar = read_calendar(&unfolded).map_err(|e| {
        let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
        ImportError::new(
            file,
            Location::File,
            format!("not valid iCalendar: {first}"),
        )
    })?;
    let calendar_prop = |name: &str| {
        let prop = calendar
            .properties
            .iter()
            .find(|p| p.name.as_str().eq_ignore_ascii_case(name))?;
        // Only standard text properties come unescaped from the parser; X- ones do not.
        non_empty(Some(prop.val.clone().unescape_text().as_str().to_string()))
    };
    let line_of = |name: &str, range: (usize, usize)| {
        lines[range.0..range.1]
            .iter()
            .find(|(_, content)| property_name(content).eq_ignore_ascii_case(name))
            .map_or(lines[range.0].0, |(line, _)| *line)
    };
    let calendar_range = (0, lines.len());
    let wr_zone = match calendar_prop("X-WR-TIMEZONE") {
        Some(name) => Some(iana(&name).ok_or_else(|| {
            ImportError::at_line(
                file,
                line_of("X-WR-TIMEZONE", calendar_range),
                format!("X-WR-TIMEZONE `{name}` is not an IANA time zone"),
            )
        })?),
        None => None,
    };
    let pretalx = calendar_prop("PRODID").is_some_and(|p| p.to_lowercase().contains("pretalx"));
    let mut warnings = Vec::new();
    let name = match non_empty(name.map(str::to_string)).or_else(|| calendar_prop("X-WR-CALNAME")) {
        Some(name) => name,
        None => {
            let stem = Path::new(file)
                .file_stem()
                .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
            warnings.push(Warning::new(
                Location::File,
                format!(
                    "the calendar has no X-WR-CALNAME; calling the conference `{stem}` \
                     (give --name to choose)"
                ),
            ));
            stem
        }
    };

    let vevents = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"));
    let mut sessions: Vec<(Session, usize)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut zones = Zones {
        given: zone,
        calendar: wr_zone,
        used: HashMap::new(),
        warnings: Vec::new(),
    };
    for (event, &range) in vevents.zip(&events) {
        let at = lines[range.0].0;
        let fail =
            |prop: &str, message: String| ImportError::at_line(file, line_of(prop, range), message);
        let text = |name: &str| {
            event
                .find_prop(name)
                .and_then(|p| non_empty(Some(p.val.as_str().to_string())))
        };
        let Some(summary) = text("SUMMARY") else {
            // A placeholder slot or a break: nothing to show attendees, and no reason to refuse
            // the events around it.
            warnings.push(Warning::new(
                Location::Line(at),
                "the event has no SUMMARY (its title), so it is left out",
            ));
            continue;
        };
        let (title, speakers) = match pretalx {
            true => split_pretalx_summary(&summary),
            false => (summary, Vec::new()),
        };
        if text("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")) {
            warnings.push(Warning::new(
                Location::Line(at),
                format!("`{title}` is cancelled, so it is left out"),
            ));
            continue;
        }
        let mut instant = |name: &str| {
            let line = line_of(name, range);
            match event.find_prop(name) {
                None => Ok(Read::Missing),
                Some(prop) => zones.instant(file, line, name, prop),
            }
        };
        let start = match instant("DTSTART")? {
            Read::At(start) => start,
            Read::Missing => {
                return Err(ImportError::at_line(
                    file,
                    at,
                    format!("expected `{title}` to have a DTSTART"),
                ))
            }
            Read::AllDay => {
                warnings.push(Warning::new(
                    Location::Line(at),
                    format!("`{title}` is an all-day event (no time), so it is left out"),
                ));
                continue;
            }
        };
        let (end, end_prop) = match instant("DTEND")? {
            Read::At(end) => (End::At(end), "DTEND"),
            Read::AllDay => {
                return Err(fail(
                    "DTEND",
                    "expected DTEND to be a date-time like DTSTART, found a date".into(),
                ))
            }
            Read::Missing => match event.find_prop("DURATION") {
                Some(prop) => {
                    let duration = iso_duration(prop.val.as_str()).ok_or_else(|| {
                        fail(
                            "DURATION",
                            format!(
                                "expected DURATION such as `PT45M` or `PT1H30M`, found `{}`",
                                prop.val.as_str()
                            ),
                        )
                    })?;
                    (End::After(duration), "DURATION")
                }
                // Neither: it takes no time.
                None => (End::At(start), "DTSTART"),
            },
        };
        let checked =
            span(&title, start, end).map_err(|e| fail(e.at("DTSTART", end_prop), e.message));
        let Some((start, end)) = checked? else {
            warnings.push(Warning::new(Location::Line(at), takes_no_time(&title)));
            continue;
        };
        if event.find_prop("RRULE").is_some() {
            // Conference events happen once; expanding rules is left to calendar apps.
            warnings.push(Warning::new(
                Location::Line(line_of("RRULE", range)),
                format!(
                    "`{title}` repeats (RRULE); only its first time, {}, is imported",
                    start.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        let uid = match text("UID") {
            Some(uid) => uid,
            None => {
                let id = format!("{}-{}", start.format("%Y%m%dT%H%MZ"), word_slug(&title));
                warnings.push(Warning::new(
                    Location::Line(at),
                    format!("`{title}` has no UID; its id is `{id}`, which changes if it moves"),
                ));
                id
            }
        };
        let mut id = fit_id(&uid);
        if let Some(first) = seen.get(&id).copied() {
            let mut n = 2;
            while seen.contains_key(&format!("{id}-{n}")) {
                n += 1;
            }
            let unique = format!("{id}-{n}");
            warnings.push(Warning::new(
                Location::Line(at),
                format!(
                    "UID `{uid}` was already used by the event at line {first}; `{title}` is \
                     imported as `{unique}`"
                ),
            ));
            id = unique;
        }
        seen.insert(id.clone(), at);
        let track = event.find_prop("CATEGORIES").and_then(|p| {
            let first = p.val.as_str().split(',').next().unwrap_or_default();
            non_empty(Some(first.replace("\\,", ",").replace("\\;", ";")))
        });
        let talk = Talk {
            id: id.clone().into(),
            title: title.clone(),
            kind: TalkKind::Talk,
            start,
            end,
            speakers: speakers.into_iter().map(Person::new).collect(),
            abstract_text: to_discord(&text("DESCRIPTION").unwrap_or_default()),
            url: text("URL"),
            links: Links::default(),
        };
        // A LOCATION that is a link is where to watch, not a room.
        let location = text("LOCATION");
        let (room, location_link) = match location {
            Some(place) if is_web_address(&place) => (None, Some(place)),
            place => (place, None),
        };
        let mut stream = None;
        for (name, given) in [
            ("CONFERENCE", text("CONFERENCE")),
            ("LOCATION", location_link),
        ] {
            let at = Location::Line(line_of(name, range));
            let link = lenient(given.as_deref(), LinkKind::Stream, at, &mut warnings);
            stream = stream.or(link);
        }
        let session = Session {
            slot: SessionSlot {
                id: format!("{id}-session").into(),
                title,
                track,
                room,
                start,
                end,
                stream,
            },
            moderators: Vec::new(),
            talks: vec![talk],
        };
        sessions.push((session, at));
    }
    warnings.extend(zones.warnings);
    warnings.extend(outliers(&sessions));
    let time_zone = match zone.or(wr_zone) {
        Some(tz) => tz,
        None => match zones.used.into_iter().max_by_key(|&(tz, n)| (n, tz.name())) {
            Some((tz, _)) => tz,
            None => {
                warnings.push(Warning::new(
                    Location::File,
                    "the calendar names no zone (every time is UTC); showing times in UTC \
                     (give --timezone to choose)",
                ));
                Tz::UTC
            }
        },
    };
    let conference = Conference {
        name,
        time_zone,
        url: None,
    };
    let sessions = sessions.into_iter().map(|(s, _)| s).collect();
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))?;
    Ok((program, warnings))
}

/// The content lines of the file, unfolded, each with the line number it starts on.
fn content_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        match (line.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(continued), Some((_, last))) => last.push_str(continued),
            _ if line.trim().is_empty() => {}
            _ => lines.push((i + 1, line.to_string())),
        }
    }
    lines
}

fn property_name(content: &str) -> &str {
    let head = content.split([':', ';']).next().unwrap_or_default();
    head.trim()
}

/// Checks that the file is one VCALENDAR whose BEGIN/END nest, every content line having a
/// `:`; returns the index range (into `lines`) of each top-level VEVENT.
fn check_structure(
    file: &str,
    lines: &[(usize, String)],
) -> Result<Vec<(usize, usize)>, ImportError> {
    let mut open: Vec<(String, usize, usize)> = Vec::new();
    let mut events = Vec::new();
    let mut calendars = 0;
    for (index, (line, content)) in lines.iter().enumerate() {
        let error = |message: String| ImportError::at_line(file, *line, message);
        let Some((_, value)) = content.split_once(':') else {
            return Err(error(
                "expected a content line `NAME:value`, found a line without `:`".into(),
            ));
        };
        let value = value.trim().to_ascii_uppercase();
        match property_name(content).to_ascii_uppercase().as_str() {
            "BEGIN" => {
                if open.is_empty() && value != "VCALENDAR" {
                    return Err(error(format!(
                        "expected BEGIN:VCALENDAR first, found BEGIN:{value}"
                    )));
                }
                if open.is_empty() {
                    calendars += 1;
                    if calendars > 1 {
                        return Err(error(
                            "a second VCALENDAR: confbot reads one calendar per file".into(),
                        ));
                    }
                }
                open.push((value, *line, index));
            }
            "END" => match open.pop() {
                Some((name, _, begin)) if name == value => {
                    if name == "VEVENT" && open.len() == 1 {
                        events.push((begin, index + 1));
                    }
                }
                Some((name, begun, _)) => {
                    return Err(error(format!(
                        "END:{value} does not close BEGIN:{name} of line {begun}"
                    )))
                }
                None => return Err(error(format!("END:{value} without a BEGIN"))),
            },
            _ if open.is_empty() => {
                return Err(error("expected BEGIN:VCALENDAR first".into()));
            }
            _ => {}
        }
    }
    match open.last() {
        Some((name, line, _)) => Err(ImportError::at_line(
            file,
            *line,
            format!("BEGIN:{name} is never closed (is the file cut off?)"),
        )),
        None if lines.is_empty() => Err(ImportError::new(
            file,
            Location::File,
            "the calendar is empty",
        )),
        None => Ok(events),
    }
}

/// A DTSTART or DTEND as read: an instant, a date without a time, or none.
enum Read {
    At(DateTime<Utc>),
    AllDay,
    Missing,
}

/// The zones times are read in, and which ones the file used (to show times in the commonest).
struct Zones {
    given: Option<Tz>,
    calendar: Option<Tz>,
    used: HashMap<Tz, usize>,
    warnings: Vec<Warning>,
}

impl Zones {
    /// The instant of a DTSTART/DTEND property at `line`.
    fn instant(
        &mut self,
        file: &str,
        line: usize,
        name: &str,
        prop: &Property,
    ) -> Result<Read, ImportError> {
        let fail = |message: String| ImportError::at_line(file, line, format!("{name}: {message}"));
        let (local, tz) = match read_when(prop).map_err(fail)? {
            When::Utc(at) => return Ok(Read::At(at)),
            When::Date => return Ok(Read::AllDay),
            When::Zoned(local, tzid) => match (iana(&tzid), self.given) {
                (Some(tz), _) => {
                    *self.used.entry(tz).or_default() += 1;
                    (local, tz)
                }
                (None, Some(tz)) => {
                    let said = format!("TZID `{tzid}` is not an IANA time zone");
                    if !self.warnings.iter().any(|w| w.message.starts_with(&said)) {
                        self.warnings.push(Warning::new(
                            Location::Line(line),
                            format!("{said}; its times are read in {tz} as given"),
                        ));
                    }
                    (local, tz)
                }
                (None, None) => {
                    return Err(fail(format!(
                        "TZID `{tzid}` is not an IANA time zone, so confbot cannot place this \
                         time: give the conference's zone with --timezone ZONE"
                    )))
                }
            },
            When::Floating(local) => {
                let tz = self.given.or(self.calendar).ok_or_else(|| {
                    fail(
                        "a local time without a zone (no `Z`, no TZID) in a calendar without \
                         X-WR-TIMEZONE: give the conference's zone with --timezone ZONE; \
                         confbot does not guess UTC"
                            .into(),
                    )
                })?;
                (local, tz)
            }
        };
        resolve_local(local, tz)
            .map(Read::At)
            .map_err(|e| fail(e.to_string()))
    }
}

/// A DTSTART/DTEND value.
enum When {
    Utc(DateTime<Utc>),
    Zoned(NaiveDateTime, String),
    Floating(NaiveDateTime),
    Date,
}

fn read_when(prop: &Property) -> Result<When, String> {
    let value = prop.val.as_str().trim();
    let param = |key: &str| {
        prop.params
            .iter()
            .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
            .and_then(|p| p.val.as_ref())
            .map(|v| v.as_str().trim_matches('"').to_string())
    };
    let expected =
        || format!("expected a date-time such as `20220906T113000` (or with `Z`), found `{value}`");
    let date_only = param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    if date_only || (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit())) {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(|_| When::Date)
            .map_err(|_| expected());
    }
    let (local, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(local) => (local, true),
        None => (value, false),
    };
    let local = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M"))
        .map_err(|_| expected())?;
    Ok(match (utc, param("TZID")) {
        (true, _) => When::Utc(local.and_utc()),
        (false, Some(tzid)) => When::Zoned(local, tzid),
        (false, None) => When::Floating(local),
    })
}

/// An IANA zone by its name, also as some tools prefix it (`/freeassociation.sourceforge.net/
/// Tzfile/Europe/Berlin`, `/mozilla.org/20050126_1/Europe/Berlin`).
fn iana(name: &str) -> Option<Tz> {
    let name = name.trim().trim_matches('"');
    if let Ok(tz) = name.parse() {
        return Some(tz);
    }
    let parts: Vec<&str> = name.split('/').collect();
    (1..parts.len()).find_map(|skip| parts[skip..].join("/").parse().ok())
}

/// pretalx's "Title - Speaker, Speaker": the title before the last " - ", the speakers after.
fn split_pretalx_summary(summary: &str) -> (String, Vec<String>) {
    match summary.rsplit_once(" - ") {
        Some((title, people)) if !title.trim().is_empty() && !people.trim().is_empty() => (
            title.trim().to_string(),
            people
                .split(", ")
                .filter_map(|p| non_empty(Some(p.to_string())))
                .collect(),
        ),
        _ => (summary.to_string(), Vec::new()),
    }
}

/// A UID as a talk id: kept if short enough, else its start and a hash of the whole.
fn fit_id(uid: &str) -> String {
    if uid.chars().count() <= MAX_UID {
        return uid.to_string();
    }
    // FNV-1a: stable across versions and platforms, so the id survives re-imports.
    let hash = uid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let head: String = uid.chars().take(MAX_UID - 17).collect();
    format!("{head}-{hash:016x}")
}

/// Events more than [`OUTLIER_DAYS`] from any other: a calendar of talks that also holds a
/// meeting weeks later.
fn outliers(sessions: &[(Session, usize)]) -> Vec<Warning> {
    let mut starts: Vec<(DateTime<Utc>, &str, usize)> = sessions
        .iter()
        .map(|(s, line)| (s.slot.start, s.slot.title.as_str(), *line))
        .collect();
    starts.sort();
    let far = TimeDelta::days(OUTLIER_DAYS);
    let mut warnings = Vec::new();
    for (i, (start, title, line)) in starts.iter().enumerate() {
        let near = |other: Option<&(DateTime<Utc>, &str, usize)>| {
            other.is_some_and(|(at, _, _)| (*at - *start).abs() <= far)
        };
        let previous = i.checked_sub(1).and_then(|p| starts.get(p));
        if starts.len() > 1 && !near(previous) && !near(starts.get(i + 1)) {
            warnings.push(Warning::new(
                Location::Line(*line),
                format!(
                    "`{title}` ({}) is more than {OUTLIER_DAYS} days from every other event: is \
                     it part of this conference?",
                    start.format("%Y-%m-%d")
                ),
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_clear_title_dash_speakers_summary_is_split() {
        assert_eq!(
            split_pretalx_summary("Up-sized optimal hardware - Brandy Mcclain, Christine Green"),
            (
                "Up-sized optimal hardware".to_string(),
                vec!["Brandy Mcclain".to_string(), "Christine Green".to_string()]
            )
        );
        assert_eq!(
            split_pretalx_summary("Rust - the good parts - Ada"),
            ("Rust - the good parts".to_string(), vec!["Ada".to_string()])
        );
        assert_eq!(
            split_pretalx_summary("Opening -"),
            ("Opening -".to_string(), Vec::new())
        );
    }

    #[test]
    fn prefixed_tzids_are_iana_zones() {
        assert_eq!(iana("Europe/Berlin"), Some(Tz::Europe__Berlin));
        assert_eq!(
            iana("/freeassociation.sourceforge.net/Tzfile/Europe/Berlin"),
            Some(Tz::Europe__Berlin)
        );
        assert_eq!(iana("W. Europe Standard Time"), None);
    }

    #[test]
    fn long_uids_are_shortened_stably() {
        let uid = "040000008200E00074C5B7101A82E00800000000".repeat(3);
        let id = fit_id(&uid);
        assert_eq!(id.len(), MAX_UID);
        assert_eq!(id, fit_id(&uid));
        assert_ne!(id, fit_id(&format!("{uid}x")));
        assert_eq!(fit_id("short@example.org"), "short@example.org");
    }

    #[test]
    fn the_structure_check_finds_events_and_names_broken_lines() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:A\r\n  folded\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let lines = content_lines(text);
        assert_eq!(lines[2], (3, "SUMMARY:A folded".to_string()));
        assert_eq!(check_structure("x.ics", &lines).unwrap(), [(1, 4)]);
        let unfolded = unfold(text);
        let calendar = read_calendar(&unfolded).unwrap();
        assert_eq!(calendar.components[0].name.as_str(), "VEVENT");
        let cut = content_lines("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:A\n");
        assert_eq!(
            check_structure("x.ics", &cut).unwrap_err().to_string(),
            "x.ics:2: BEGIN:VEVENT is never closed (is the file cut off?)"
        );
        let two = content_lines("BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR\nEND:VCALENDAR\n");
        assert_eq!(
            check_structure("x.ics", &two).unwrap_err().to_string(),
            "x.ics:3: a second VCALENDAR: confbot reads one calendar per file"
        );
        let broken = content_lines("BEGIN:VCALENDAR\nSUMMARY A\nEND:VCALENDAR\n");
        assert_eq!(
            check_structure("x.ics", &broken).unwrap_err().to_string(),
            "x.ics:2: expected a content line `NAME:value`, found a line without `:`"
        );
    }
}
