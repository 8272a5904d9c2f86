//! Helpers every importer test uses: instants written as RFC 3339, options, imports whose error
//! is its message, the warnings about one thing, and a store holding a program to reload over.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use confbot::program::{import_file, ImportOptions, Imported, Program};
use confbot::store::Store;

/// The instant `2023-09-13T09:00:00+02:00` names.
pub fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Options giving the conference zone and, for formats that may have none, its name.
pub fn options(time_zone: Option<Tz>, name: Option<&str>) -> ImportOptions {
    ImportOptions {
        time_zone,
        conference_name: name.map(str::to_string),
        ..ImportOptions::default()
    }
}

/// A file or MiniConf folder imported with `time_zone` given, or the error's message.
pub fn import(path: impl AsRef<Path>, time_zone: Option<Tz>) -> Result<Imported, String> {
    import_file(path.as_ref(), &options(time_zone, None)).map_err(|e| e.to_string())
}

/// A fresh store holding `program`, whose first load added it.
pub fn stored(program: &Program) -> Store {
    let store = Store::open_in_memory().unwrap();
    assert!(!store.replace_program(program).unwrap().is_empty());
    store
}

/// The import's warnings whose message says `words`, as shown (with their place).
pub fn warnings_about(imported: &Imported, words: &str) -> Vec<String> {
    imported
        .warnings
        .iter()
        .filter(|w| w.message.contains(words))
        .map(|w| w.to_string())
        .collect()
}
