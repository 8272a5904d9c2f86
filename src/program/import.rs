//! Choosing an importer for a file: by `--format`, or by looking at the content (`auto`).
//!
//! Every format is recognised positively, by what it is (a `schedule` key, a `<schedule>`
//! root, `BEGIN:VCALENDAR`, a page time line...). Anything else is refused as "not a format
//! confbot reads", saying what it looks like, rather than handed to a reader that would
//! complain about something beside the point (a CSV file asked for a year).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::page::Sidecar;
use super::{
    frab, ical, json, miniconf, page, pentabarf, schedule_v2, sessionize, ImportError, Location,
    Program, Talk, TalkKind, Warning,
};

/// The program file formats confbot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Detect from the content.
    #[default]
    Auto,
    /// Conference-page text, as copied from a conference site.
    Page,
    /// confbot JSON (docs/program-format.md).
    Json,
    /// pretalx / frab `schedule.json` (the C3VOC schedule format).
    Frab,
    /// C3VOC schedule v2 JSON (events in a flat list, as the 38C3 hub exports).
    ScheduleV2,
    /// Pentabarf / frab `schedule.xml` (FOSDEM, frab, pretalx).
    Pentabarf,
    /// iCalendar (`.ics`).
    Ical,
    /// Sessionize "All" JSON (needs the conference's `--timezone`).
    Sessionize,
    /// A MiniConf `sitedata/` folder (calendar, papers, config.yml).
    MiniConf,
}

/// What confbot reads, for the message that refuses anything else.
const READS: &str = "confbot JSON, conference-page text, pretalx/frab schedule.json, C3VOC \
    schedule v2 JSON, Pentabarf/frab schedule.xml, iCalendar (.ics), Sessionize JSON, and a \
    MiniConf sitedata/ folder";

/// Content that is none of the formats, and what it looks like instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAFormat {
    pub looks_like: &'static str,
}

impl fmt::Display for NotAFormat {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "not a format confbot reads (it looks like {}); confbot reads {READS} \
             (give --format to choose one)",
            self.looks_like
        )
    }
}

impl Format {
    /// The concrete format of `text`, by what it starts with and, for JSON, its top-level keys:
    /// `schedule` is frab/pretalx (v2 when it has `schedule.events` or a `schedule2`
    /// `$schema`), `sessions` without `conference` but with `speakers` (or cut off before them)
    /// is Sessionize, `conference` or `sessions` is confbot JSON. XML with a `<schedule>` root
    /// is Pentabarf, `BEGIN:VCALENDAR` iCalendar, and text with a page time line
    /// (`Tue 4 May 11:00 - 11:15 PDT`) or `Moderators:` line is page text. JSON keys are read
    /// up to the first syntax error, so a broken file still goes to the right importer, which
    /// reports the error with its line.
    pub fn detect(text: &str) -> Result<Format, NotAFormat> {
        let text = text.trim_start_matches('\u{feff}').trim_start();
        let not = |looks_like| Err(NotAFormat { looks_like });
        if text.is_empty() {
            return not("an empty file");
        }
        if text.starts_with(['{', '[']) {
            return detect_json(text);
        }
        if text.starts_with('<') {
            return detect_xml(text);
        }
        let first_line = text.lines().next().unwrap_or_default().trim();
        if first_line.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
            return Ok(Format::Ical);
        }
        if page::looks_like_page(text) {
            return Ok(Format::Page);
        }
        if text.contains('\u{0}') {
            not("a binary file")
        } else if looks_like_csv(text) {
            not("CSV")
        } else if first_line == "---"
            || first_line.split_once(':').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            })
        {
            not("YAML or a `key: value` file")
        } else {
            not("plain text without a program's time lines")
        }
    }

    /// Every format with the words that name it (`--format`, `CONFBOT_PROGRAM_FORMAT`): its
    /// own word first, then the other names people use for it.
    pub const WORDS: [(Format, &'static [&'static str]); 9] = [
        (Format::Auto, &["auto"]),
        (Format::Page, &["page"]),
        (Format::Json, &["json"]),
        (Format::Frab, &["frab", "pretalx"]),
        (Format::ScheduleV2, &["schedule-v2", "v2"]),
        (Format::Pentabarf, &["pentabarf", "xml", "fosdem"]),
        (Format::Ical, &["ical", "ics"]),
        (Format::Sessionize, &["sessionize"]),
        (Format::MiniConf, &["miniconf"]),
    ];

    /// The format a word names, whatever its case.
    pub fn from_word(word: &str) -> Option<Format> {
        Format::WORDS
            .iter()
            .find(|(_, words)| words.iter().any(|w| w.eq_ignore_ascii_case(word)))
            .map(|(format, _)| *format)
    }

    /// The format's own word.
    pub fn word(self) -> &'static str {
        Format::WORDS
            .iter()
            .find(|(format, _)| *format == self)
            .map_or("auto", |(_, words)| words[0])
    }

    /// What the format is, in words.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Page => "conference page text",
            Format::Json => "confbot JSON",
            Format::Frab => "pretalx/frab schedule.json",
            Format::ScheduleV2 => "C3VOC schedule v2 JSON",
            Format::Pentabarf => "Pentabarf/frab schedule.xml",
            Format::Ical => "iCalendar",
            Format::Sessionize => "Sessionize JSON",
            Format::MiniConf => "MiniConf sitedata folder",
        }
    }
}

fn detect_json(text: &str) -> Result<Format, NotAFormat> {
    if text.starts_with('[') {
        // No format confbot reads is a bare list; MiniConf's calendar and papers are.
        return Err(NotAFormat {
            looks_like: "a JSON list, such as a MiniConf calendar: give the sitedata/ folder",
        });
    }
    let mut keys = TopLevelKeys::default();
    let complete = serde::Deserializer::deserialize_map(
        &mut serde_json::Deserializer::from_str(text),
        &mut keys,
    )
    .is_ok();
    let has = |key: &str| keys.keys.iter().any(|k| k == key);
    if has("schedule") {
        let v2_schema = keys
            .schema
            .as_deref()
            .is_some_and(|s| s.contains("schedule2"));
        if v2_schema || keys.schedule_keys.iter().any(|k| k == "events") {
            Ok(Format::ScheduleV2)
        } else {
            Ok(Format::Frab)
        }
    } else if has("sessions") && !has("conference") && (has("speakers") || !complete) {
        Ok(Format::Sessionize)
    } else if has("conference") || has("sessions") || !complete {
        Ok(Format::Json)
    } else {
        Err(NotAFormat {
            looks_like: "JSON without `schedule`, `conference` or `sessions`",
        })
    }
}

/// `<schedule>` as the root (after the XML declaration, comments and a doctype) is Pentabarf.
fn detect_xml(text: &str) -> Result<Format, NotAFormat> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let skip_to = if rest.starts_with("<?") {
            "?>"
        } else if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<!") && !rest.starts_with("<![") {
            ">"
        } else {
            break;
        };
        match rest.find(skip_to) {
            Some(end) => rest = &rest[end + skip_to.len()..],
            None => break,
        }
    }
    let root: String = rest
        .trim_start_matches('<')
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        .collect();
    match root.to_ascii_lowercase().as_str() {
        "schedule" => Ok(Format::Pentabarf),
        "html" => Err(NotAFormat {
            looks_like: "an HTML page",
        }),
        _ => Err(NotAFormat {
            looks_like: "XML without a <schedule> root",
        }),
    }
}

/// Several lines with the same number (two or more) of commas, semicolons or tabs.
fn looks_like_csv(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .collect();
    lines.len() >= 2
        && [',', ';', '\t'].iter().any(|&sep| {
            let count = |line: &str| line.matches(sep).count();
            count(lines[0]) >= 1 && lines.iter().all(|l| count(l) > count(lines[0]) / 2)
        })
}

/// The keys of a JSON object until the end or the first error; values are skipped, except
/// `$schema` (its text) and `schedule` (its own keys), which tell schedule v1 from v2.
#[derive(Default)]
struct TopLevelKeys {
    keys: Vec<String>,
    schema: Option<String>,
    schedule_keys: Vec<String>,
}

impl<'de> Visitor<'de> for &mut TopLevelKeys {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.keys.push(key.clone());
            match key.as_str() {
                "$schema" => self.schema = map.next_value::<Option<String>>().ok().flatten(),
                "schedule" => map.next_value_seed(KeysOf(&mut self.schedule_keys))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Collects the keys of a nested JSON object as they come, so a cut-off file keeps those read.
struct KeysOf<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for KeysOf<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysOf<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.0.push(key);
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// How to read a program file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub format: Format,
    /// The year for page text, which has none.
    pub year: Option<i32>,
    /// A titles sidecar for page text; by default `<stem>.titles.txt` next to the page, if any.
    pub titles: Option<PathBuf>,
    /// The conference zone: the zone times are shown in, and the one local times are read in
    /// where the file has no offset (Sessionize, FOSDEM's XML, floating iCalendar times,
    /// MiniConf). It replaces a zone the file declares (`time_zone_name`, `X-WR-TIMEZONE`);
    /// an iCalendar `TZID` is always honoured. Page text and confbot JSON carry their own.
    pub time_zone: Option<Tz>,
    /// The conference name, for formats that may have none (Sessionize, iCalendar).
    pub conference_name: Option<String>,
}

/// A program, the format it was read as, and what looked wrong without making it invalid.
#[derive(Debug)]
pub struct Imported {
    pub program: Program,
    pub format: Format,
    pub warnings: Vec<Warning>,
}

/// Reads and validates a program file, or a MiniConf `sitedata/` folder.
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let name = path.display().to_string();
    if (path.is_dir() && options.format == Format::Auto) || options.format == Format::MiniConf {
        // `--format miniconf` with one of the folder's files means the folder.
        let dir = match path.is_dir() {
            true => path,
            false => path.parent().unwrap_or(Path::new(".")),
        };
        let (program, warnings) = miniconf::parse(dir, options.time_zone)?;
        return finish(program, Format::MiniConf, warnings);
    }
    let text = read(&name, path)?;
    let sidecar_path = options.titles.clone().or_else(|| {
        let default = path.with_file_name(format!(
            "{}.titles.txt",
            path.file_stem()?.to_string_lossy()
        ));
        default.exists().then_some(default)
    });
    let sidecar = match &sidecar_path {
        Some(sidecar) => {
            let sidecar_name = sidecar.display().to_string();
            let text = read(&sidecar_name, sidecar)?;
            Some((sidecar_name.clone(), Sidecar::parse(&sidecar_name, &text)?))
        }
        None => None,
    };
    import(&name, &text, options, sidecar)
}

/// Reads and validates a program held in memory (e.g. the bundled default), named `name` in errors.
pub fn import_str(
    name: &str,
    text: &str,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    import(name, text, options, None)
}

fn import(
    name: &str,
    text: &str,
    options: &ImportOptions,
    sidecar: Option<(String, Sidecar)>,
) -> Result<Imported, ImportError> {
    // Editors on Windows like to start UTF-8 files with a byte-order mark; JSON parsers do not.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = match options.format {
        Format::Auto => Format::detect(text)
            .map_err(|e| ImportError::new(name, Location::File, e.to_string()))?,
        chosen => chosen,
    };
    let zone = options.time_zone;
    let (program, warnings) = match format {
        Format::Json => (json::parse(name, text)?, Vec::new()),
        Format::Frab => frab::parse(name, text, zone)?,
        Format::ScheduleV2 => schedule_v2::parse(name, text, zone)?,
        Format::Pentabarf => pentabarf::parse(name, text, zone)?,
        Format::Ical => ical::parse(name, text, zone, options.conference_name.as_deref())?,
        Format::Sessionize => {
            sessionize::parse(name, text, zone, options.conference_name.as_deref())?
        }
        Format::MiniConf => {
            return Err(ImportError::new(
                name,
                Location::File,
                "a MiniConf program is a folder (its sitedata/), not one file",
            ))
        }
        Format::Page | Format::Auto => {
            let sidecar = sidecar.as_ref().map(|(file, s)| (file.as_str(), s.clone()));
            (page::parse(name, text, options.year, sidecar)?, Vec::new())
        }
    };
    finish(program, format, warnings)
}

fn finish(
    program: Program,
    format: Format,
    mut warnings: Vec<Warning>,
) -> Result<Imported, ImportError> {
    warnings.extend(overlaps(&program));
    Ok(Imported {
        program,
        format,
        warnings,
    })
}

/// Talks that overlap in one room: usually a typo in a time. Posters are left out, since a
/// poster session shows all of them at once.
fn overlaps(program: &Program) -> Vec<Warning> {
    let tz = program.conference().time_zone;
    let mut by_room: BTreeMap<&str, Vec<&Talk>> = BTreeMap::new();
    for session in program.sessions() {
        if let Some(room) = &session.slot.room {
            // Talks that all span their session have no times of their own (MiniConf papers):
            // the file says they are in that session, not that they clash.
            let untimed = session.talks.len() > 1
                && session
                    .talks
                    .iter()
                    .all(|t| (t.start, t.end) == (session.slot.start, session.slot.end));
            let talks = session
                .talks
                .iter()
                .filter(|t| t.kind != TalkKind::Poster && !untimed);
            by_room.entry(room).or_default().extend(talks);
        }
    }
    let when = |talk: &Talk| {
        let start = talk.start.with_timezone(&tz).format("%a %-d %b %H:%M");
        let end = talk.end.with_timezone(&tz).format("%H:%M");
        format!("`{}` ({start}–{end})", talk.title)
    };
    let mut warnings = Vec::new();
    for (room, mut talks) in by_room {
        talks.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        // Compare each talk with the one that ends last so far, so a long talk that covers
        // several short ones is reported for each of them.
        let mut latest: Option<&Talk> = None;
        for talk in talks {
            if let Some(previous) = latest.filter(|p| talk.start < p.end) {
                warnings.push(Warning::new(
                    Location::File,
                    format!("in {room}, {} overlaps {}", when(talk), when(previous)),
                ));
            }
            if latest.is_none_or(|p| talk.end > p.end) {
                latest = Some(talk);
            }
        }
    }
    warnings
}

fn read(name: &str, path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|e| {
        ImportError::new(
            name,
            Location::File,
            format!("could not read the file: {e}"),
        )
    })
}
