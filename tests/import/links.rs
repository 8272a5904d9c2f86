//! The links each format carries (live stream, recording, slides, do-not-record), read into
//! typed fields from the real fixtures, and a bad link left out with a warning naming where.

use std::path::Path;

use confbot::program::{import_file, import_str, Imported, Link, Location};

use crate::kit::options;

fn import(path: &str) -> Imported {
    import_file(Path::new(path), &options(None, Some("DemoCon"))).unwrap()
}

fn edited(path: &str, from: &str, to: &str) -> Imported {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from}");
    import_str(
        path,
        &text.replacen(from, to, 1),
        &options(None, Some("DemoCon")),
    )
    .unwrap()
}

fn shown(link: &Option<Link>) -> Option<&str> {
    link.as_ref().map(Link::as_str)
}

#[test]
fn pretalx_json_marks_its_two_do_not_record_talks() {
    let program = import("tests/fixtures/pretalx-democon.json").program;
    let mut titles: Vec<&str> = program
        .talks()
        .filter(|t| t.links.do_not_record)
        .map(|t| t.title.as_str())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Down-sized directional algorithm",
            "Monitored 24hour customer loyalty"
        ]
    );
    assert!(program.talks().all(|t| t.links.stream.is_none()));
}

#[test]
fn pretalx_json_links_of_known_kinds_are_read_and_a_bad_one_is_a_warning() {
    let path = "tests/fixtures/pretalx-democon.json";
    let imported = edited(
        path,
        r#""links": []"#,
        r#""links": [{"title": "Recording", "url": "https://media.example.org/v/25"},
                     {"title": "Project page", "url": "https://example.org/"},
                     {"title": "Live stream", "url": "http://stream.example.org/gray"}]"#,
    );
    let talk = imported
        .program
        .talks()
        .find(|t| t.id == "8079583e-8321-506c-95af-fd2903a5f075");
    let links = &talk.unwrap().links;
    assert_eq!(
        shown(&links.recording),
        Some("https://media.example.org/v/25")
    );
    assert_eq!(
        links.stream, None,
        "an http stream is dropped, never upgraded"
    );
    let warning = imported
        .warnings
        .iter()
        .find(|w| w.message.contains("stream link"))
        .unwrap();
    assert!(
        matches!(&warning.location, Location::Json { path, .. } if path.ends_with(".links[2].url")),
        "{warning}"
    );
    assert!(
        warning.message.contains("is not an https link"),
        "{warning}"
    );
}

#[test]
fn pretalx_xml_reads_the_recording_optout_and_links() {
    let path = "tests/fixtures/pretalx-democon-2022.xml";
    let program = import(path).program;
    let opted_out: Vec<&str> = program
        .talks()
        .filter(|t| t.links.do_not_record)
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(opted_out.len(), 1);
    let imported = edited(
        path,
        "<links></links>",
        "<links><link href='https://slides.example.org/1.pdf'>Slides</link></links>",
    );
    let first = imported.program.talks().find(|t| t.links.slides.is_some());
    assert_eq!(
        shown(&first.unwrap().links.slides),
        Some("https://slides.example.org/1.pdf")
    );
}

#[test]
fn schedule_v2_reads_slides_from_attachments_and_guesses_no_other_link() {
    let program = import("tests/fixtures/eventfahrplan-v2-minor.json").program;
    let opening = program.talks().next().unwrap();
    assert_eq!(
        shown(&opening.links.slides),
        Some("https://example.net/foo/bar/1235.pdf")
    );
    // Its `links` are a GITHUB page and the ORIGIN: neither is a stream nor a recording.
    assert_eq!(
        (&opening.links.stream, &opening.links.recording),
        (&None, &None)
    );
    assert!(!opening.links.do_not_record);
}

#[test]
fn schedule_v2_reads_a_recording_optout() {
    let path = "tests/fixtures/eventfahrplan-v2-minor.json";
    let imported = edited(
        path,
        r#""slug": "38c3-opening-ceremony","#,
        r#""slug": "38c3-opening-ceremony", "recording": {"optout": true},"#,
    );
    assert!(imported.program.talks().next().unwrap().links.do_not_record);
}

#[test]
fn icalendar_location_that_is_a_link_is_a_stream_not_a_room_and_its_url_stays_the_page() {
    let path = "tests/fixtures/pretalx-democon-2022.ics";
    let program = import(path).program;
    let first = &program.sessions()[0];
    assert!(first.slot.room.is_some() && first.slot.stream.is_none());
    assert!(first.talks[0]
        .url
        .as_deref()
        .unwrap()
        .starts_with("http://localhost/democon/talk/"));
    let imported = edited(
        path,
        "LOCATION:Dark Red Room",
        "LOCATION:https://venueless.example.org/room/dark-red",
    );
    let first = &imported.program.sessions()[0];
    assert_eq!(first.slot.room, None);
    assert_eq!(
        shown(&first.slot.stream),
        Some("https://venueless.example.org/room/dark-red")
    );
}

#[test]
fn icalendar_conference_is_the_stream_and_a_bad_one_names_its_line() {
    let path = "tests/fixtures/pretalx-democon-2022.ics";
    let imported = edited(
        path,
        "LOCATION:Dark Red Room\r\n",
        "LOCATION:Dark Red Room\r\nCONFERENCE;VALUE=URI:https://meet.example.org/dark-red\r\n",
    );
    let first = &imported.program.sessions()[0];
    assert_eq!(first.slot.room.as_deref(), Some("Dark Red Room"));
    assert_eq!(
        shown(&first.slot.stream),
        Some("https://meet.example.org/dark-red")
    );
    let imported = edited(
        path,
        "LOCATION:Dark Red Room\r\n",
        "LOCATION:Dark Red Room\r\nCONFERENCE;VALUE=URI:tel:+49-30-1234\r\n",
    );
    assert_eq!(imported.program.sessions()[0].slot.stream, None);
    let warning = imported
        .warnings
        .iter()
        .find(|w| w.message.contains("stream link"))
        .unwrap();
    assert!(matches!(warning.location, Location::Line(_)), "{warning}");
}
