//! The importers on the bundled seed page and JSON.

use std::path::Path;

use confbot::program::{import_file, Format, ImportOptions, Person, TalkKind};

fn seed_page(titles: Option<&str>) -> confbot::program::Program {
    let options = ImportOptions {
        format: Format::Auto,
        year: Some(2021),
        // A sidecar that does not exist would be an error, so "no titles" points at an empty one.
        titles: Some(titles.unwrap_or("tests/fixtures/empty.titles.txt").into()),
        ..ImportOptions::default()
    };
    let imported = import_file(Path::new("data/iclr2021-tue-4-may.txt"), &options).unwrap();
    assert_eq!(imported.format, Format::Page);
    imported.program
}

#[test]
fn the_seed_page_has_twelve_talks_from_18_utc() {
    let program = seed_page(None);
    let talks: Vec<_> = program.talks().collect();
    assert_eq!(talks.len(), 12);
    assert_eq!(talks[0].start.to_rfc3339(), "2021-05-04T18:00:00+00:00");
    assert_eq!(talks[11].end.to_rfc3339(), "2021-05-04T20:48:00+00:00");
    assert_eq!(
        program.conference().time_zone,
        chrono_tz::America::Los_Angeles
    );
    let session = &program.sessions()[0];
    assert_eq!(program.sessions().len(), 1);
    assert_eq!(
        (session.slot.start, session.slot.end),
        (talks[0].start, talks[11].end)
    );
}

#[test]
fn the_seed_page_keeps_kinds_authors_and_abstracts_as_written() {
    let program = seed_page(None);
    let talks: Vec<_> = program.talks().collect();
    let kinds: Vec<_> = talks.iter().map(|t| t.kind.clone()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == TalkKind::Oral).count(), 5);
    assert_eq!(
        kinds.iter().filter(|k| **k == TalkKind::Spotlight).count(),
        7
    );
    assert_eq!(
        talks[0].speakers,
        [
            "Ankit Vani",
            "Max Schwarzer",
            "Yuchen Lu",
            "Eeshan Dhekane",
            "Aaron Courville"
        ]
        .map(Person::new)
    );
    assert_eq!(talks[0].title, "Vani et al.");
    assert_eq!(talks[9].title, "Smart & Zilman");
    assert!(
        talks[9].abstract_text.ends_with("$p"),
        "the cut-off abstract stays cut off"
    );
    assert!(
        program
            .talks()
            .any(|t| t.abstract_text.contains("$\\ell_2$")),
        "LaTeX is kept"
    );
    assert_eq!(
        program.sessions()[0].moderators,
        ["Caglar Gulcehre", "Jens Kober", "Simon S Du"].map(Person::new)
    );
}

#[test]
fn the_seed_page_with_its_sidecar_is_the_bundled_json_program() {
    let page = seed_page(Some("data/iclr2021-tue-4-may.titles.txt"));
    let json = import_file(
        Path::new("data/iclr2021-tue-4-may.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(json.format, Format::Json);
    assert_eq!(page, json.program);
}

#[test]
fn the_sidecar_beside_a_page_is_found_by_name() {
    let options = ImportOptions::default();
    let program = import_file(Path::new("data/iclr2021-tue-4-may.txt"), &options)
        .unwrap()
        .program;
    assert_eq!(
        program.conference().name,
        "ICLR 2021",
        "the sidecar gives the name and the year"
    );
    assert_eq!(
        program.talks().next().unwrap().title,
        "Iterated learning for emergent systematicity in VQA"
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let error = import_file(Path::new("data/nope.json"), &ImportOptions::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("data/nope.json: could not read the file:"),
        "{error}"
    );
}
