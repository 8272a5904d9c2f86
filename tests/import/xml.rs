//! The Pentabarf/frab `schedule.xml` importer, on a real pretalx export and on FOSDEM-style
//! files written here (no `<date>`, `<day_change>`, HTML escaped inside the XML).

use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use confbot::program::{
    import_file, import_str, Format, ImportOptions, Imported, Location, Person, TalkKind,
};

use crate::kit::{options, stored, utc, warnings_about};

const DEMOCON: &str = "tests/fixtures/pretalx-democon-2022.xml";

fn democon() -> Imported {
    import_file(Path::new(DEMOCON), &ImportOptions::default()).unwrap()
}

/// FOSDEM's export as it looks: no `<date>`, no `guid`, `<day_change>`, escaped HTML.
fn fosdem(zone_line: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <conference>
    <title>FOSDEM 2024</title>
    <subtitle/>
    <venue>ULB (Université Libre de Bruxelles)</venue>
    <city>Brussels</city>
    <start>2024-02-03</start>
    <end>2024-02-04</end>
    <days>2</days>
    <day_change>09:00:00</day_change>
    <timeslot_duration>00:05:00</timeslot_duration>
    {zone_line}
  </conference>
  <day index="1" date="2024-02-03">
    <room name="Janson">
      <event id="15001">
        <start>09:30</start>
        <duration>00:25</duration>
        <room>Janson</room>
        <slug>keynotes_welcome</slug>
        <title>Welcome to FOSDEM 2024</title>
        <subtitle/>
        <track>Keynotes</track>
        <type>keynote</type>
        <language/>
        <abstract>&lt;p&gt;FOSDEM welcomes you &amp;amp; your friends. See &lt;a href="https://fosdem.org/2024/"&gt;the site&lt;/a&gt;.&lt;/p&gt;
&lt;p&gt;Second &lt;em&gt;paragraph&lt;/em&gt;&lt;/p&gt;</abstract>
        <description/>
        <persons>
          <person id="6">FOSDEM Staff</person>
          <person id="7">Richard Hartmann</person>
        </persons>
        <links/>
      </event>
      <event id="15002">
        <start>01:30:00</start>
        <duration>01:00:00</duration>
        <room>Janson</room>
        <title>Night owls' hacking</title>
        <type>other</type>
        <abstract/>
        <persons/>
      </event>
    </room>
    <room name="H.1301 (Cornil)">
      <event id="15003">
        <start>12:00</start>
        <duration>0:45</duration>
        <title>Lunch break</title>
        <type>break</type>
      </event>
    </room>
  </day>
</schedule>
"#
    )
}

#[test]
fn democon_has_35_talks_in_two_rooms_over_three_days_in_berlin() {
    let imported = democon();
    assert_eq!(imported.format, Format::Pentabarf);
    let program = &imported.program;
    assert_eq!(program.conference().name, "DemoCon");
    assert_eq!(program.conference().time_zone, Tz::Europe__Berlin);
    assert_eq!(program.talks().count(), 35);
    assert_eq!(program.sessions().len(), 35, "one session per event");
    assert_eq!(
        program.days(),
        [6, 7, 8].map(|d| NaiveDate::from_ymd_opt(2022, 9, d).unwrap())
    );
    let mut rooms: Vec<_> = program
        .sessions()
        .iter()
        .filter_map(|s| s.slot.room.clone())
        .collect();
    rooms.sort();
    rooms.dedup();
    assert_eq!(rooms, ["Dark Red Room", "Pale Golden Rod Room"]);
}

#[test]
fn events_before_their_days_start_take_their_instant_from_date_with_a_warning() {
    let imported = democon();
    let first = imported.program.talks().next().unwrap();
    assert_eq!(first.title, "Persevering cohesive concept");
    // `<start>01:50` under a day that begins at 04:00 would be the 7th; `<date>` says the 6th.
    assert_eq!(first.start, utc("2022-09-06T01:50:00+02:00"));
    let early = warnings_about(&imported, "outside its day 2022-09-06");
    assert_eq!(early.len(), 2, "{:#?}", imported.warnings);
    assert!(
        early[0].starts_with(
            "line 19: `Persevering cohesive concept` is at 2022-09-06T01:50:00+02:00, outside its day"
        ),
        "{early:?}"
    );
}

#[test]
fn a_democon_talk_keeps_its_guid_local_time_speakers_and_texts() {
    let program = democon().program;
    let talk = program
        .talks()
        .find(|t| t.title == "Up-sized optimal hardware")
        .unwrap();
    assert_eq!(talk.id, "ad8e0aaa-7df5-5f95-8845-d943b3b02ec5");
    assert_eq!(
        talk.start
            .with_timezone(&Tz::Europe__Berlin)
            .format("%a %-d %b %H:%M")
            .to_string(),
        "Tue 6 Sep 12:30"
    );
    assert_eq!(talk.end - talk.start, chrono::TimeDelta::minutes(30));
    assert_eq!(
        talk.speakers,
        [
            Person::new("Brandy Mcclain"),
            Person::new("Christine Green")
        ]
    );
    assert_eq!(talk.kind, TalkKind::Talk);
    assert_eq!(
        talk.url.as_deref(),
        Some("http://localhost/democon/talk/LNNGAM/")
    );
    assert!(
        talk.abstract_text
            .starts_with("Productize compelling deliverables!\n\nReligious others lot end rest."),
        "{}",
        talk.abstract_text
    );
    let session = program
        .sessions()
        .iter()
        .find(|s| s.slot.id == "ad8e0aaa-7df5-5f95-8845-d943b3b02ec5-session")
        .unwrap();
    assert_eq!(session.slot.track.as_deref(), Some("Organic"));
    assert_eq!(session.slot.room.as_deref(), Some("Pale Golden Rod Room"));
    let workshops = program
        .talks()
        .filter(|t| t.kind == TalkKind::Other("Workshop".into()))
        .count();
    assert_eq!(workshops, 9);
}

#[test]
fn reimporting_democon_changes_nothing() {
    let program = democon().program;
    let store = stored(&program);
    let again = democon().program;
    assert!(store.replace_program(&again).unwrap().is_empty());
    assert_eq!(store.load_program().unwrap().unwrap(), program);
}

#[test]
fn fosdem_style_local_times_run_past_midnight_and_html_becomes_markdown() {
    let xml = fosdem("<time_zone_name>Europe/Brussels</time_zone_name>");
    let imported = import_str("fosdem.xml", &xml, &ImportOptions::default()).unwrap();
    assert_eq!(imported.format, Format::Pentabarf);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let program = &imported.program;
    assert_eq!(program.conference().time_zone, Tz::Europe__Brussels);
    let welcome = program.talks().next().unwrap();
    assert_eq!(welcome.id, "15001", "no guid: the id attribute");
    assert_eq!(welcome.start, utc("2024-02-03T09:30:00+01:00"));
    assert_eq!(welcome.kind, TalkKind::Keynote);
    assert_eq!(
        welcome.abstract_text,
        "FOSDEM welcomes you & your friends. See [the site](https://fosdem.org/2024/).\n\n\
         Second *paragraph*"
    );
    assert_eq!(
        welcome.speakers,
        [Person::new("FOSDEM Staff"), Person::new("Richard Hartmann")]
    );
    let night = program
        .talks()
        .find(|t| t.title == "Night owls' hacking")
        .unwrap();
    assert_eq!(
        night.start,
        utc("2024-02-04T01:30:00+01:00"),
        "before the 09:00 day change: the next calendar date"
    );
    assert_eq!(night.end - night.start, chrono::TimeDelta::hours(1));
    let lunch = program
        .sessions()
        .iter()
        .find(|s| s.slot.title == "Lunch break")
        .unwrap();
    assert!(lunch.talks.is_empty(), "a break is a session without talks");
    assert_eq!(lunch.slot.room.as_deref(), Some("H.1301 (Cornil)"));
}

#[test]
fn a_file_without_any_zone_is_refused_asking_for_timezone_never_read_as_utc() {
    let xml = fosdem("");
    let error = import_str("fosdem.xml", &xml, &ImportOptions::default()).unwrap_err();
    assert_eq!(error.location, Location::Line(18));
    assert!(
        error
            .to_string()
            .starts_with("fosdem.xml:18: the file gives no time zone (no <time_zone_name>)"),
        "{error}"
    );
    assert!(error.message.contains("--timezone ZONE"), "{error}");
    let imported = import_str(
        "fosdem.xml",
        &xml,
        &options(Some(Tz::Europe__Brussels), None),
    )
    .unwrap();
    assert_eq!(
        imported.program.talks().next().unwrap().start,
        utc("2024-02-03T09:30:00+01:00")
    );
}

#[test]
fn a_local_time_in_a_dst_gap_is_an_error_naming_its_line() {
    // Brussels skips 02:00–03:00 on 31 March 2024; 02:30 is after the day change of the 30th.
    let xml = fosdem("<time_zone_name>Europe/Brussels</time_zone_name>")
        .replace("2024-02-03", "2024-03-30")
        .replace("<start>01:30:00</start>", "<start>02:30:00</start>");
    let error = import_str("fosdem.xml", &xml, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "fosdem.xml:37: `Night owls' hacking`: 2024-03-31 02:30:00 does not exist in \
         Europe/Brussels: the clocks skip it (daylight saving gap)"
    );
}

#[test]
fn broken_files_are_refused_naming_the_line() {
    let text = std::fs::read_to_string(DEMOCON).unwrap();
    let error = |edited: &str| {
        import_str(DEMOCON, edited, &ImportOptions::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error(&text.replacen(
            "<duration>01:30</duration>",
            "<duration>an hour</duration>",
            1
        )),
        "tests/fixtures/pretalx-democon-2022.xml:21: expected a duration as hours:minutes such \
         as `00:30` or `01:15:00`, found `an hour`"
    );
    assert_eq!(
        error(&text.replacen(
            "<date>2022-09-06T11:30:00+02:00</date>",
            "<date>6 Sep 11:30</date>",
            1
        )),
        "tests/fixtures/pretalx-democon-2022.xml:44: expected <date> as a date and time with an \
         offset such as `2022-09-06T11:30:00+02:00`, found `6 Sep 11:30`"
    );
    let cut = error(&text[..text.len() / 2]);
    assert!(
        cut.starts_with("tests/fixtures/pretalx-democon-2022.xml:") && cut.contains("invalid XML"),
        "{cut}"
    );
    let untitled = error(&text.replacen("<title>Persevering cohesive concept</title>", "", 1));
    assert_eq!(
        untitled,
        "tests/fixtures/pretalx-democon-2022.xml:18: expected event \
         `3d4850d3-2dfb-5648-b82c-860600bf368a` to have a <title>"
    );
}
