//! Choosing an importer for a file: by `--format`, or by looking at the content (`auto`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::page::Sidecar;
use super::{
    frab, json, page, sessionize, ImportError, Location, Program, Talk, TalkKind, Warning,
};

/// The program file formats confbot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Detect from the content.
    #[default]
    Auto,
    /// Conference-page text, as copied from a conference site.
    Page,
    /// confbot JSON (docs/program-format.md).
    Json,
    /// pretalx / frab `schedule.json` (the C3VOC schedule format).
    #[value(alias = "pretalx")]
    Frab,
    /// Sessionize "All" JSON (needs the conference's `--timezone`).
    Sessionize,
}

impl Format {
    /// The concrete format of `text`, by its top-level JSON keys: `schedule` is frab/pretalx,
    /// `sessions` without `conference` but with `speakers` (or cut off before them) is
    /// Sessionize, other JSON is confbot JSON, and anything that is not JSON is page text.
    /// Keys are read up to the first syntax error, so a broken file still goes to the right
    /// importer, which reports the error with its line.
    pub fn detect(text: &str) -> Format {
        let text = text.trim_start_matches('\u{feff}').trim_start();
        if !text.starts_with(['{', '[']) {
            return Format::Page;
        }
        let mut keys = Vec::new();
        let complete = serde::Deserializer::deserialize_map(
            &mut serde_json::Deserializer::from_str(text),
            TopLevelKeys(&mut keys),
        )
        .is_ok();
        let has = |key: &str| keys.iter().any(|k| k == key);
        if has("schedule") {
            Format::Frab
        } else if has("sessions") && !has("conference") && (has("speakers") || !complete) {
            Format::Sessionize
        } else {
            Format::Json
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Page => "conference page text",
            Format::Json => "confbot JSON",
            Format::Frab => "pretalx/frab schedule.json",
            Format::Sessionize => "Sessionize JSON",
        }
    }
}

/// Collects the keys of a JSON object until the end or the first error; values are skipped.
struct TopLevelKeys<'a>(&'a mut Vec<String>);

impl<'de> Visitor<'de> for TopLevelKeys<'_> {
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
    /// The conference zone: required for Sessionize (its times have no offset); for frab it
    /// replaces the file's `time_zone_name`; page text and confbot JSON carry their own.
    pub time_zone: Option<Tz>,
    /// The conference name, for formats that have none (Sessionize).
    pub conference_name: Option<String>,
}

/// A program, the format it was read as, and what looked wrong without making it invalid.
#[derive(Debug)]
pub struct Imported {
    pub program: Program,
    pub format: Format,
    pub warnings: Vec<Warning>,
}

/// Reads and validates a program file.
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let name = path.display().to_string();
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
        Format::Auto => Format::detect(text),
        chosen => chosen,
    };
    let (program, mut warnings) = match format {
        Format::Json => (json::parse(name, text)?, Vec::new()),
        Format::Frab => frab::parse(name, text, options.time_zone)?,
        Format::Sessionize => sessionize::parse(
            name,
            text,
            options.time_zone,
            options.conference_name.as_deref(),
        )?,
        Format::Page | Format::Auto => {
            let sidecar = sidecar.as_ref().map(|(file, s)| (file.as_str(), s.clone()));
            (page::parse(name, text, options.year, sidecar)?, Vec::new())
        }
    };
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
        if let Some(room) = &session.room {
            let talks = session.talks.iter().filter(|t| t.kind != TalkKind::Poster);
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
