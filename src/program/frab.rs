//! The pretalx / frab `schedule.json` importer (the C3VOC schedule format, used by most European
//! tech conferences; see `docs/program-format.md`).
//!
//! The file nests events as `schedule.conference.days[i].rooms.<room>[j]`. Each event becomes a
//! session holding one talk (breaks become a session without talks). The event's full `date`,
//! with its offset, is the truth about when it starts; `time_zone_name` only says how to show
//! times, and real exports get it wrong (pretalx's demo says `UTC` next to `+01:00` dates), so a
//! zone that contradicts the dates is replaced by one derived from them, with a warning.
//!
//! Unlike confbot JSON, unknown fields are ignored: these files come from other tools, which add
//! fields freely. Nulls, empty strings and missing fields all mean "no value".

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;

use super::link::{lenient, LinkKind};
use super::markup::to_discord;
use super::span::{span, takes_no_time, End};
use super::time::zone_has_offset;
use super::Warning;
use super::{
    deserialize_json, json_id, non_empty, room_capacities, Conference, ImportError, Links,
    Location, Person, Program, Session, SessionSlot, Talk, TalkKind,
};

const ZONE_PATH: &str = "schedule.conference.time_zone_name";

#[derive(Deserialize)]
struct RawFile {
    schedule: RawSchedule,
}

#[derive(Deserialize)]
struct RawSchedule {
    conference: RawConference,
}

#[derive(Deserialize)]
struct RawConference {
    title: Option<String>,
    acronym: Option<String>,
    url: Option<String>,
    time_zone_name: Option<String>,
    /// Only each room's capacity is read: the rooms themselves come from the events.
    rooms: Option<Vec<RawRoom>>,
    days: Option<Vec<RawDay>>,
}

#[derive(Deserialize)]
struct RawRoom {
    name: Option<String>,
    capacity: Option<Value>,
}

#[derive(Deserialize)]
struct RawDay {
    date: Option<String>,
    day_start: Option<String>,
    day_end: Option<String>,
    rooms: Option<BTreeMap<String, Option<Vec<RawEvent>>>>,
}

#[derive(Deserialize)]
struct RawEvent {
    guid: Option<String>,
    id: Option<Value>,
    date: Option<String>,
    end: Option<String>,
    duration: Option<String>,
    room: Option<String>,
    url: Option<String>,
    title: Option<String>,
    track: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    description: Option<String>,
    persons: Option<Vec<RawPerson>>,
    links: Option<Vec<RawLink>>,
    attachments: Option<Vec<RawLink>>,
    do_not_record: Option<bool>,
}

/// An item of an event's `links` or `attachments` (frab, pretalx, schedule v2): what it is, is
/// in its `type`, `title` or `service`.
#[derive(Deserialize)]
pub(super) struct RawLink {
    url: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<Value>,
    service: Option<String>,
}

/// An event's links of the kinds confbot knows; a bad one is left out with a warning. Links of
/// no known kind (a project's page, a GitHub repository) are not guessed at.
pub(super) fn read_links(
    path: &str,
    links: Option<Vec<RawLink>>,
    attachments: Option<Vec<RawLink>>,
    do_not_record: bool,
    warnings: &mut Vec<Warning>,
) -> Links {
    let mut read = Links {
        do_not_record,
        ..Links::default()
    };
    let lists = [("links", links), ("attachments", attachments)];
    for (field, list) in lists {
        for (i, link) in list.unwrap_or_default().into_iter().enumerate() {
            let title = link.title.as_ref().and_then(Value::as_str);
            let labels = [link.kind.as_deref(), title, link.service.as_deref()];
            let Some(kind) = labels.into_iter().flatten().find_map(LinkKind::named) else {
                continue;
            };
            let at = Location::Json {
                path: format!("{path}.{field}[{i}].url"),
                line: None,
            };
            if let Some(url) = lenient(link.url.as_deref(), kind, at, warnings) {
                kind.fill(&mut read, url);
            }
        }
    }
    read
}

#[derive(Deserialize)]
struct RawPerson {
    name: Option<String>,
    public_name: Option<String>,
    full_public_name: Option<String>,
}

/// An event read from the file, before the display zone is known.
struct Event {
    path: String,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    session: Session,
}

/// Reads a `schedule.json`; `zone` (from `--timezone` or the config) overrides `time_zone_name`.
pub fn parse(
    file: &str,
    text: &str,
    zone: Option<Tz>,
) -> Result<(Program, Vec<Warning>), ImportError> {
    let raw: RawFile = deserialize_json(file, text)?;
    let conference = raw.schedule.conference;
    let name = non_empty(conference.title)
        .or(non_empty(conference.acronym))
        .ok_or_else(|| {
            ImportError::at_path(
                file,
                "schedule.conference.title",
                "expected the conference's title (or an `acronym`), found none",
            )
        })?;
    let mut warnings = Vec::new();
    let room_list = conference.rooms.unwrap_or_default();
    let rooms = room_capacities(
        "schedule.conference.rooms",
        room_list
            .iter()
            .map(|r| (non_empty(r.name.clone()), r.capacity.as_ref())),
        &mut warnings,
    );
    let mut events = Vec::new();
    for (d, day) in conference.days.unwrap_or_default().into_iter().enumerate() {
        let day_path = format!("schedule.conference.days[{d}]");
        let bounds = day_bounds(&day);
        for (room, list) in day.rooms.unwrap_or_default() {
            for (e, raw) in list.unwrap_or_default().into_iter().enumerate() {
                let path = format!("{day_path}.rooms.{room}[{e}]");
                let Some(event) = read_event(file, path, &room, raw, &mut warnings)? else {
                    continue;
                };
                if let Some((date, from, to)) = &bounds {
                    if event.start < *from || event.end > *to {
                        warnings.push(Warning::at_path(
                            &event.path,
                            format!(
                                "it runs from {} to {}, outside its day {date} ({} to {})",
                                event.start.to_rfc3339(),
                                event.end.to_rfc3339(),
                                from.to_rfc3339(),
                                to.to_rfc3339(),
                            ),
                        ));
                    }
                }
                events.push(event);
            }
        }
    }
    let stamps: Vec<_> = events
        .iter()
        .flat_map(|e| [e.start, e.end])
        .map(|at| (at.with_timezone(&Utc), *at.offset()))
        .collect();
    let time_zone = choose_zone(
        non_empty(conference.time_zone_name),
        &Location::Json {
            path: ZONE_PATH.into(),
            line: None,
        },
        zone,
        &stamps,
        &mut warnings,
    );
    let conference = Conference {
        name,
        time_zone,
        url: non_empty(conference.url),
    };
    let sessions = events.into_iter().map(|e| e.session).collect();
    let program = Program::new(conference, sessions)
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))?
        .with_rooms(rooms);
    Ok((program, warnings))
}

/// A day's `date`, `day_start` and `day_end`, when it has all three and they parse.
fn day_bounds(day: &RawDay) -> Option<(String, DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let instant = |text: &Option<String>| DateTime::parse_from_rfc3339(text.as_deref()?).ok();
    Some((
        day.date.clone()?,
        instant(&day.day_start)?,
        instant(&day.day_end)?,
    ))
}

/// One event as a session; `None` for an event that takes no time (nothing to show).
fn read_event(
    file: &str,
    path: String,
    room_key: &str,
    raw: RawEvent,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Event>, ImportError> {
    let error = |field: &str, message: String| {
        ImportError::at_path(file, format!("{path}.{field}"), message)
    };
    let id = non_empty(raw.guid)
        .or_else(|| raw.id.as_ref().and_then(json_id))
        .ok_or_else(|| {
            error(
                "guid",
                "expected a `guid` (or an `id`) to keep the event's identity across imports, \
                 found neither"
                    .into(),
            )
        })?;
    let title = non_empty(raw.title)
        .ok_or_else(|| error("title", "expected the event's title, found none".into()))?;
    let start = read_date(raw.date.as_deref()).map_err(|m| error("date", m))?;
    let (end, end_field) = match non_empty(raw.end) {
        Some(end) => {
            let end = read_date(Some(&end)).map_err(|m| error("end", m))?;
            (End::At(end), "end")
        }
        None => {
            let duration =
                read_duration(raw.duration.as_deref()).map_err(|m| error("duration", m))?;
            (End::After(duration), "duration")
        }
    };
    let checked = span(&title, start, end).map_err(|e| error(e.at("date", end_field), e.message));
    let Some((start, end)) = checked? else {
        warnings.push(Warning::at_path(&path, takes_no_time(&title)));
        return Ok(None);
    };
    let (start_utc, end_utc) = (start.with_timezone(&Utc), end.with_timezone(&Utc));
    let kind = non_empty(raw.kind);
    let mut session = Session {
        slot: SessionSlot {
            // The talk keeps the event's own id; the session needs a different one (ids are
            // unique across sessions and talks), derived so that it is just as stable.
            id: format!("{id}-session").into(),
            title: title.clone(),
            track: non_empty(raw.track),
            room: non_empty(Some(room_key.to_string())).or(non_empty(raw.room)),
            start: start_utc,
            end: end_utc,
            stream: None,
        },
        moderators: Vec::new(),
        talks: Vec::new(),
    };
    if !kind.as_deref().is_some_and(is_break) {
        let mut speakers = Vec::new();
        for (p, person) in raw.persons.unwrap_or_default().into_iter().enumerate() {
            let name = non_empty(person.name)
                .or(non_empty(person.public_name))
                .or(non_empty(person.full_public_name));
            match name {
                Some(name) => speakers.push(Person::new(name)),
                None => warnings.push(Warning::at_path(
                    format!("{path}.persons[{p}]"),
                    "a person without a `name` or `public_name` is left out",
                )),
            }
        }
        let mut texts: Vec<String> = Vec::new();
        for text in [raw.abstract_text, raw.description].into_iter().flatten() {
            let text = to_discord(&text);
            let text = text.as_str();
            // pretalx repeats the abstract as the description when the latter is empty.
            if !text.is_empty() && !texts.iter().any(|t| t == text) {
                texts.push(text.to_string());
            }
        }
        session.talks.push(Talk {
            id: id.into(),
            title,
            kind: TalkKind::parse(kind.as_deref().unwrap_or_default()),
            start: start_utc,
            end: end_utc,
            speakers,
            abstract_text: texts.join("\n\n"),
            url: non_empty(raw.url),
            links: read_links(
                &path,
                raw.links,
                raw.attachments,
                raw.do_not_record == Some(true),
                warnings,
            ),
        });
    }
    Ok(Some(Event {
        path,
        start,
        end,
        session,
    }))
}

/// Event types that are pauses in the program rather than something to attend.
pub(super) fn is_break(kind: &str) -> bool {
    let kind = kind.to_lowercase();
    kind.contains("break") || ["pause", "lunch", "coffee", "dinner"].contains(&kind.as_str())
}

pub(super) fn read_date(text: Option<&str>) -> Result<DateTime<FixedOffset>, String> {
    let expected = "expected a date and time with an offset such as `2020-12-14T09:00:00+01:00`";
    match text {
        None => Err(format!("{expected}, found none")),
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| format!("{expected}, found `{text}`")),
    }
}

/// `hours:minutes`, optionally `:seconds`: `00:30`, `1:15`, `01:15:00`.
pub(super) fn read_duration(text: Option<&str>) -> Result<TimeDelta, String> {
    let expected = "expected a duration as hours:minutes such as `00:30` or `01:15:00`";
    let text = text.ok_or_else(|| format!("{expected} (or an `end`), found none"))?;
    let found = || format!("{expected}, found `{text}`");
    let numbers = text
        .trim()
        .split(':')
        .map(|part| {
            let digits = !part.is_empty() && part.len() <= 4;
            let digits = digits && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse::<i64>().ok()).flatten()
        })
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(found)?;
    let (hours, minutes, seconds) = match numbers[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return Err(found()),
    };
    if minutes >= 60 || seconds >= 60 {
        return Err(found());
    }
    TimeDelta::try_seconds(hours * 3600 + minutes * 60 + seconds).ok_or_else(found)
}

/// The zone to show times in: the given one, else the file's if it agrees with the dates, else
/// one derived from the dates. Anything but the file's own zone, used as it is, is a warning.
pub(super) fn choose_zone(
    declared: Option<String>,
    declared_at: &Location,
    given: Option<Tz>,
    stamps: &[(DateTime<Utc>, FixedOffset)],
    warnings: &mut Vec<Warning>,
) -> Tz {
    if let Some(tz) = given {
        if let Some((at, offset)) = mismatch(tz, stamps) {
            warnings.push(Warning::new(
                Location::File,
                format!(
                    "the given zone {tz} does not match the dates in the file, e.g. `{}` \
                     (UTC{offset}); times are shown in {tz} as asked",
                    at.with_timezone(offset).to_rfc3339()
                ),
            ));
        }
        return tz;
    }
    let (derived, how) = derive_zone(stamps);
    let showing = format!("showing times in {derived}, {how} (give --timezone to choose)");
    let Some(name) = declared else {
        warnings.push(Warning::new(
            declared_at.clone(),
            format!("missing; {showing}"),
        ));
        return derived;
    };
    let Ok(tz) = name.parse::<Tz>() else {
        warnings.push(Warning::new(
            declared_at.clone(),
            format!("`{name}` is not an IANA time zone; {showing}"),
        ));
        return derived;
    };
    match mismatch(tz, stamps) {
        None => tz,
        Some((at, offset)) => {
            warnings.push(Warning::new(
                declared_at.clone(),
                format!(
                    "`{name}` contradicts the event dates, e.g. `{}` (UTC{offset}); {showing}",
                    at.with_timezone(offset).to_rfc3339()
                ),
            ));
            derived
        }
    }
}

/// The first date whose offset `tz` does not have at that instant.
fn mismatch(
    tz: Tz,
    stamps: &[(DateTime<Utc>, FixedOffset)],
) -> Option<&(DateTime<Utc>, FixedOffset)> {
    stamps
        .iter()
        .find(|(at, offset)| !zone_has_offset(tz, *at, *offset))
}

/// A zone that has every date's offset, and how it was found. A single whole-hour offset is
/// the fixed `Etc/GMT-1` kind (IANA inverts the sign in those names); offsets that change (a
/// DST switch during the conference) need a real zone, the first that fits.
pub(super) fn derive_zone(stamps: &[(DateTime<Utc>, FixedOffset)]) -> (Tz, &'static str) {
    let Some((_, first)) = stamps.first() else {
        return (Tz::UTC, "as the file has no dates");
    };
    if stamps.iter().all(|(_, offset)| offset == first) {
        if let Some(tz) = fixed_zone(*first) {
            return (tz, "the fixed offset of every event date");
        }
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| mismatch(**tz, stamps).is_none())
    {
        return (
            *tz,
            "the first IANA zone whose offsets match every event date",
        );
    }
    let mut counts: HashMap<FixedOffset, usize> = HashMap::new();
    for (_, offset) in stamps {
        *counts.entry(*offset).or_default() += 1;
    }
    let common = counts
        .into_iter()
        .max_by_key(|&(offset, n)| (n, offset.local_minus_utc()))
        .and_then(|(offset, _)| fixed_zone(offset));
    (
        common.unwrap_or(Tz::UTC),
        "the most common offset (no zone matches every event date)",
    )
}

/// The IANA zone for a fixed whole-hour offset: UTC+01:00 is `Etc/GMT-1`.
fn fixed_zone(offset: FixedOffset) -> Option<Tz> {
    let seconds = offset.local_minus_utc();
    match seconds {
        0 => Some(Tz::UTC),
        _ if seconds % 3600 == 0 => format!("Etc/GMT{:+}", -seconds / 3600).parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hours_and_minutes_with_optional_seconds() {
        let minutes = |text| read_duration(Some(text)).map(|d| d.num_minutes());
        assert_eq!(minutes("00:30"), Ok(30));
        assert_eq!(minutes("0:30"), Ok(30));
        assert_eq!(minutes("01:15:00"), Ok(75));
        assert_eq!(minutes("26:00"), Ok(26 * 60));
        for bad in [
            "30", "00:75", "1h", "", ":30", "-1:00", "00:30:99", "99999:00",
        ] {
            assert!(minutes(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn fixed_offsets_map_to_etc_zones_with_the_inverted_sign() {
        let zone = |hours: i32| fixed_zone(FixedOffset::east_opt(hours * 3600).unwrap());
        assert_eq!(zone(1), Some(Tz::Etc__GMTMinus1));
        assert_eq!(zone(-5), Some(Tz::Etc__GMTPlus5));
        assert_eq!(zone(0), Some(Tz::UTC));
        assert_eq!(fixed_zone(FixedOffset::east_opt(19800).unwrap()), None);
    }

    #[test]
    fn offsets_that_change_during_the_conference_derive_a_real_zone() {
        let at = |text: &str| {
            let at = DateTime::parse_from_rfc3339(text).unwrap();
            (at.with_timezone(&Utc), *at.offset())
        };
        // Berlin leaves summer time on 27 October 2024.
        let stamps = [
            at("2024-10-26T10:00:00+02:00"),
            at("2024-10-28T10:00:00+01:00"),
        ];
        let (tz, _) = derive_zone(&stamps);
        assert!(mismatch(tz, &stamps).is_none(), "{tz} fits both dates");
        assert!(mismatch(Tz::Europe__Berlin, &stamps).is_none());
    }
}
