//! The core commands at fixed times against the bundled ICLR 2021 program.

use chrono::NaiveDate;

use super::*;
use crate::program::{import_str, ImportOptions};
use crate::reply::limits;
use crate::testing::{pdt, search_stores, store};

fn user_message(result: CommandResult) -> String {
    match result {
        Err(CommandError::User(error)) => error.0.discord(),
        other => panic!("expected a user error, got {other:?}"),
    }
}

#[test]
fn next_at_10_55_starts_with_the_vani_talk_at_11() {
    let reply = next(&store(), None, pdt(10, 55), 5, None).unwrap();
    assert_eq!(reply.fields.len(), 5);
    assert_eq!(
        reply.fields[0].name.discord(),
        "Iterated learning for emergent systematicity in VQA"
    );
    assert!(reply.fields[0].value.discord().contains("Ankit Vani"));
    assert!(
        reply.fields[0]
            .value
            .discord()
            .contains("<t:1620151200:f> (Tue 4 May 11:00 PDT)"),
        "{}",
        reply.fields[0].value.discord()
    );
    assert!(reply.fields[0].value.discord().contains("<t:1620151200:R>"));
}

#[test]
fn next_rejects_an_unknown_track_and_a_silly_count() {
    let message = user_message(next(&store(), None, pdt(10, 55), 5, Some("Posters")));
    assert_eq!(
        message,
        "There is no track or room called `Posters`. The program has: Orals & Spotlights."
    );
    assert!(user_message(next(&store(), None, pdt(10, 55), 0, None)).contains("between 1 and 25"));
    assert_eq!(
        next(&store(), None, pdt(10, 55), 2, Some("orals & spotlights"))
            .unwrap()
            .fields
            .len(),
        2
    );
}

#[test]
fn next_after_the_program_says_nothing_more() {
    let reply = next(&store(), None, pdt(23, 0), 5, None).unwrap();
    assert!(reply.fields.is_empty());
    assert!(reply
        .description
        .discord()
        .starts_with("Nothing more on the program"));
}

#[test]
fn now_at_11_20_shows_the_weihs_talk() {
    let reply = now(&store(), None, pdt(11, 20)).unwrap();
    assert_eq!(reply.fields.len(), 1);
    let value = &reply.fields[0].value.discord();
    assert!(value.contains("**Now:** Learning Generalizable Visual Representations via Interactive Gameplay by Luca Weihs"), "{value}");
    assert!(value.contains("**Next:** How Does Mixup Help"), "{value}");
}

#[test]
fn now_in_the_gap_is_a_break_and_before_the_day_is_the_next_talk() {
    let reply = now(&store(), None, pdt(13, 5)).unwrap();
    assert!(reply.fields[0]
        .value
        .discord()
        .contains("a break between talks"));
    assert!(reply.fields[0]
        .value
        .discord()
        .contains("**Next:** On the mapping between Hopfield"));
    let reply = now(&store(), None, pdt(9, 0)).unwrap();
    assert_eq!(reply.title.discord(), "Nothing is running right now");
    assert!(reply.description.discord().contains("Iterated learning"));
}

#[test]
fn search_hopf_finds_the_hopfield_talk() {
    for store in search_stores() {
        let reply = search(&store, "hopf").unwrap();
        assert_eq!(
            reply.fields[0].name.discord(),
            "On the mapping between Hopfield networks and Restricted Boltzmann Machines"
        );
    }
}

#[test]
fn search_gan_rendering_finds_the_image_gans_talk() {
    for store in search_stores() {
        let reply = search(&store, "gan rendering").unwrap();
        assert!(reply.fields[0]
            .name
            .discord()
            .starts_with("Image GANs meet Differentiable Rendering"));
    }
}

#[test]
fn search_ignores_case_and_diacritics() {
    for store in search_stores() {
        let reply = search(&store, "SCHOELKOPF").unwrap();
        assert_eq!(
            reply.fields[0].name.discord(),
            "Recurrent Independent Mechanisms"
        );
        let reply = search(&store, "Höpfiéld").unwrap();
        assert!(reply.fields[0].name.discord().contains("Hopfield"));
    }
}

#[test]
fn search_with_fts_syntax_answers_no_match_not_an_error() {
    for store in search_stores() {
        // Operators are plain words (there is a talk with "near" in its abstract); nothing errs.
        for hostile in [
            "OR",
            "NEAR(",
            "a AND",
            "^x",
            "title:",
            "\"unterminated",
            "col:umn",
        ] {
            search(&store, hostile).unwrap_or_else(|e| panic!("{hostile}: {e:?}"));
        }
        for wordless in ["\"(", "*", "-", ")))", "🎉", "\"\"", "+-*/"] {
            let reply = search(&store, wordless).unwrap_or_else(|e| panic!("{wordless}: {e:?}"));
            assert!(reply.fields.is_empty(), "{wordless}: {reply:?}");
        }
        assert!(search(&store, "\"(")
            .unwrap()
            .description
            .discord()
            .starts_with("No match"));
        let long = "learning ".repeat(120);
        assert!(search(&store, &long).is_ok());
        assert!(user_message(search(&store, "   ")).starts_with("Tell me what to look for"));
    }
}

#[test]
fn talk_shows_everything_about_a_talk() {
    let reply = talk(&store(), None, "2021-05-04-1313-smart", pdt(10, 0)).unwrap();
    assert_eq!(
        reply.title.discord(),
        "On the mapping between Hopfield networks and Restricted Boltzmann Machines"
    );
    assert!(
        reply.description.discord().ends_with("$p"),
        "the cut-off abstract is kept as written"
    );
    let field = |name: &str| {
        reply
            .fields
            .iter()
            .find(|f| f.name.discord() == name)
            .map(|f| f.value.discord())
            .unwrap()
    };
    assert_eq!(field("Speakers"), "Matthew Smart, Anton Zilman");
    assert_eq!(field("Kind"), "Oral");
    assert_eq!(
        field("Moderators"),
        "Caglar Gulcehre, Jens Kober, Simon S Du"
    );
    assert!(field("When").contains("(13:13–13:28 PDT)"));
}

#[test]
fn an_unknown_talk_id_is_a_user_error() {
    assert!(user_message(talk(&store(), None, "nope", pdt(10, 0)))
        .starts_with("There is no talk with id `nope`"));
}

#[test]
fn speaker_finds_people_by_part_of_their_name() {
    let reply = speaker(&store(), "bengio").unwrap();
    assert_eq!(reply.title.discord(), "Talks by Yoshua Bengio");
    assert!(reply.fields[0]
        .value
        .discord()
        .contains("Recurrent Independent Mechanisms"));
    let reply = speaker(&store(), "zhang").unwrap();
    assert_eq!(reply.title.discord(), "People matching “zhang”");
    assert!(reply.fields.len() >= 3, "Linjun, Yuxuan and Yinan Zhang");
    let reply = speaker(&store(), "jens kober").unwrap();
    assert!(reply.fields[0]
        .value
        .discord()
        .contains("moderates **Orals & Spotlights"));
    assert!(user_message(speaker(&store(), "Nobody Here")).contains("Nobody on the program"));
}

#[test]
fn schedule_lists_the_day_and_refuses_other_days() {
    let reply = schedule(&store(), pdt(9, 0), None).unwrap();
    assert_eq!(reply.title.discord(), "ICLR 2021 · Tuesday 4 May 2021");
    assert_eq!(reply.fields.len(), 1);
    assert_eq!(
        reply.fields[0]
            .value
            .discord()
            .lines()
            .filter(|l| l.starts_with('`'))
            .count(),
        12
    );
    let other = NaiveDate::from_ymd_opt(2021, 5, 5);
    assert_eq!(
        user_message(schedule(&store(), pdt(9, 0), other)),
        "There are no sessions on Wed 5 May 2021. The conference days are: Tue 4 May 2021."
    );
}

#[test]
fn talk_autocomplete_offers_matching_talks_within_limits() {
    for store in search_stores() {
        let choices = talk_choices(&store, pdt(9, 0), "hopf").unwrap();
        assert_eq!(choices.len(), 1);
        assert_eq!(choices[0].value, "2021-05-04-1313-smart");
        let all = talk_choices(&store, pdt(9, 0), "").unwrap();
        assert_eq!(all.len(), 12);
        assert!(all
            .iter()
            .all(|c| c.name.chars().count() <= limits::CHOICE_NAME));
        let long = all
            .iter()
            .find(|c| c.value == "2021-05-04-1240-ergen")
            .unwrap();
        assert!(
            long.name.ends_with("— Tolga Ergen · Tue 12:40"),
            "{}",
            long.name
        );
        assert!(
            talk_choices(&store, pdt(9, 0), "l").unwrap().len() > 3,
            "one letter is a prefix"
        );
    }
}

#[test]
fn speaker_autocomplete_counts_talks() {
    let choices = speaker_choices(&store(), pdt(10, 55), "gul").unwrap();
    assert_eq!(choices[0].name, "Caglar Gulcehre (moderator)");
    assert_eq!(choices[0].value, "Caglar Gulcehre");
}

#[test]
fn an_overlong_abstract_is_truncated_within_limits() {
    let store = store();
    let text = serde_json::to_string(&"word ".repeat(2000)).unwrap();
    let json = crate::DEFAULT_PROGRAM.replacen(
        "\"abstract\": \"",
        &format!("\"abstract\": {text}, \"x\": \""),
        1,
    );
    let json = json.replacen(", \"x\": \"", ", \"url\": \"https://example.org/", 1);
    let program = import_str("long", &json, &ImportOptions::default())
        .unwrap()
        .program;
    store.replace_program(&program).unwrap();
    let reply = talk(&store, None, "2021-05-04-1100-vani", pdt(10, 0))
        .unwrap()
        .fitted();
    assert!(reply.description.discord().chars().count() <= limits::EMBED_DESCRIPTION);
    assert!(reply.description.discord().ends_with('…'));
    assert!(reply.embed_chars() <= limits::EMBED_TOTAL);
}

#[test]
fn commands_without_a_program_say_so() {
    let empty = Store::open_in_memory().unwrap();
    assert!(user_message(now(&empty, None, pdt(11, 0))).starts_with("No program is loaded yet"));
}

#[test]
fn about_names_the_conference_and_counts_talks() {
    let reply = about(&store()).unwrap();
    assert_eq!(reply.title.discord(), "confbot for ICLR 2021");
    assert!(reply
        .fields
        .iter()
        .any(|f| f.name.discord() == "Talks" && f.value.discord() == "12"));
    assert_eq!(reply.buttons[0].url, "https://iclr.cc/Conferences/2021");
}

#[test]
fn the_conference_name_in_a_title_is_shown_as_written() {
    let program = crate::testing::bundled();
    let mut conference = program.conference().clone();
    conference.name = "**Free** [prizes](https://evil.example)".into();
    let store = Store::open_in_memory().unwrap();
    store
        .replace_program(
            &crate::program::Program::new(conference, program.sessions().to_vec()).unwrap(),
        )
        .unwrap();
    let escaped = r"\*\*Free\*\* \[prizes\](https://evil.example)";
    assert_eq!(
        about(&store).unwrap().title.discord(),
        format!("confbot for {escaped}")
    );
    let day = NaiveDate::from_ymd_opt(2021, 5, 4);
    let title = schedule(&store, pdt(9, 0), day).unwrap().title.discord();
    assert!(title.starts_with(escaped), "{title}");
}

#[test]
fn track_and_day_autocomplete_offer_the_programs_values() {
    let tracks = track_choices(&store(), "oral").unwrap();
    assert_eq!(
        tracks,
        [crate::reply::Choice::new(
            "Orals & Spotlights",
            "Orals & Spotlights"
        )]
    );
    let days = day_choices(&store(), "tue").unwrap();
    assert_eq!(
        days,
        [crate::reply::Choice::new(
            "Tuesday 4 May 2021",
            "2021-05-04"
        )]
    );
    assert!(day_choices(&store(), "wed").unwrap().is_empty());
}

/// Lunch in two rooms beside a session with a talk, then lunch alone.
fn lunch_program() -> Store {
    let json = r#"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"}, "sessions": [
        {"id": "lunch-a", "title": "Lunch", "room": "Hall A",
         "start": "2021-05-04 12:00", "end": "2021-05-04 13:00"},
        {"id": "lunch-b", "title": "Lunch", "room": "Hall B",
         "start": "2021-05-04 12:00", "end": "2021-05-04 13:00"},
        {"id": "demo", "title": "Demos", "room": "Hall C",
         "start": "2021-05-04 12:00", "end": "2021-05-04 12:30",
         "talks": [{"id": "d1", "title": "A demo", "start": "2021-05-04 12:00", "end": "2021-05-04 12:30",
                    "speakers": ["Grace Hopper"]}]},
        {"id": "orals", "title": "Orals", "room": "Hall A",
         "start": "2021-05-04 13:00", "end": "2021-05-04 14:00",
         "talks": [{"id": "o1", "title": "After lunch", "start": "2021-05-04 13:00", "end": "2021-05-04 13:30",
                    "speakers": ["Ada Lovelace"]}]}]}"#;
    let program = import_str("lunch", json, &ImportOptions::default()).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&program.program).unwrap();
    store
}

#[test]
fn now_shows_a_break_in_many_rooms_as_one_line_not_a_session_each() {
    let store = lunch_program();
    let reply = now(&store, None, pdt(12, 10)).unwrap();
    assert_eq!(reply.title.discord(), "On now");
    let names: Vec<String> = reply.fields.iter().map(|f| f.name.discord()).collect();
    assert_eq!(names, ["Demos"], "breaks are not listed as sessions");
    assert_eq!(
        reply.description.discord().matches("Lunch").count(),
        1,
        "{}",
        reply.description.discord()
    );
    assert!(
        reply
            .description
            .discord()
            .starts_with("Break: **Lunch** until <t:"),
        "{}",
        reply.description.discord()
    );

    let reply = now(&store, None, pdt(12, 40)).unwrap();
    assert_eq!(reply.title.discord(), "On a break");
    assert!(reply.fields.is_empty());
    assert!(
        reply.description.discord().contains("**Lunch**"),
        "{}",
        reply.description.discord()
    );
    assert!(
        reply
            .description
            .discord()
            .contains("Next: **After lunch** by Ada Lovelace"),
        "{}",
        reply.description.discord()
    );
}

#[test]
fn the_schedule_stamps_the_days_first_session_not_its_midnight() {
    let store = lunch_program();
    let day = NaiveDate::from_ymd_opt(2021, 5, 4).unwrap();
    let reply = schedule(&store, pdt(9, 0), Some(day)).unwrap();
    // Midnight in Los Angeles would read as 3 May west of it; the first session is an instant
    // of the day itself.
    assert!(
        reply
            .description
            .discord()
            .contains(&format!("<t:{}:f>", pdt(12, 0).timestamp())),
        "{}",
        reply.description.discord()
    );
}

/// A program whose speakers wrote Discord Markdown into their titles, names and rooms.
fn hostile_program() -> Store {
    let json = r##"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"}, "sessions": [
        {"id": "s1", "title": "# Orals", "room": "||Hall A||",
         "start": "2021-05-04 11:00", "end": "2021-05-04 12:00",
         "talks": [{"id": "t1", "title": "[Claim your prize](https://evil.example)",
                    "start": "2021-05-04 11:00", "end": "2021-05-04 11:20", "speakers": ["*Ada* <@123>"],
                    "abstract": "See [the paper](https://arxiv.org/abs/1) and **this**."},
                   {"id": "t2", "title": "C*-algebras and *-algebras",
                    "start": "2021-05-04 11:20", "end": "2021-05-04 11:40", "speakers": ["Grace_Hopper"]}]}]}"##;
    let program = import_str("hostile", json, &ImportOptions::default()).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&program.program).unwrap();
    store
}

#[test]
fn program_text_is_escaped_so_speakers_cannot_inject_markdown() {
    let store = hostile_program();
    let reply = talk(&store, None, "t1", pdt(10, 0)).unwrap();
    assert_eq!(
        reply.title.discord(),
        r"\[Claim your prize\](https://evil.example)"
    );
    let speakers = &reply
        .fields
        .iter()
        .find(|f| f.name.discord() == "Speakers")
        .unwrap()
        .value;
    assert_eq!(speakers.discord(), r"\*Ada\* \<@123>");
    let place = &reply
        .fields
        .iter()
        .find(|f| f.name.discord() == "Where")
        .unwrap()
        .value;
    assert_eq!(place.discord(), r"\|\|Hall A\|\|");
    // Abstracts keep their Markdown, but a masked link shows where it goes.
    assert_eq!(
        reply.description.discord(),
        "See the paper (https://arxiv.org/abs/1) and **this**."
    );
    let reply = next(&store, None, pdt(10, 0), 5, None).unwrap();
    assert_eq!(
        reply.fields[1].name.discord(),
        r"C\*\-algebras and \*\-algebras".replace(r"\-", "-")
    );
    assert!(reply.fields[1].value.discord().contains(r"Grace\_Hopper"));
    assert!(
        reply.fields[0].value.discord().contains(r"in \# Orals"),
        "{}",
        reply.fields[0].value.discord()
    );
    let reply = now(&store, None, pdt(11, 5)).unwrap();
    assert_eq!(reply.fields[0].name.discord(), r"\# Orals");
}

/// Hall A streams (the program's room stream); talk `rec` has a recording, `secret` too but is
/// do-not-record.
fn linked_program() -> Store {
    let json = r#"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"},
        "rooms": [{"name": "Hall A", "stream": "https://stream.example.org/a"}],
        "sessions": [{"id": "s1", "title": "Orals", "room": "Hall A",
         "start": "2021-05-04 11:00", "end": "2021-05-04 12:00",
         "talks": [{"id": "rec", "title": "Recorded", "start": "2021-05-04 11:00", "end": "2021-05-04 11:20",
                    "recording": "https://media.example.org/v/rec", "slides": "https://slides.example.org/rec.pdf"},
                   {"id": "secret", "title": "Off the record", "start": "2021-05-04 11:20", "end": "2021-05-04 11:40",
                    "recording": "https://media.example.org/v/secret", "do_not_record": true}]}]}"#;
    let program = import_str("linked", json, &ImportOptions::default()).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&program.program).unwrap();
    store
}

fn links(reply: &crate::reply::Reply) -> Vec<(&str, &str)> {
    reply
        .buttons
        .iter()
        .map(|b| (b.label.as_str(), b.url.as_str()))
        .collect()
}

#[test]
fn talk_shows_the_live_link_until_it_ends_then_the_recording_never_a_do_not_record_one() {
    let store = linked_program();
    let before = talk(&store, None, "rec", pdt(10, 0)).unwrap();
    assert_eq!(
        links(&before),
        [
            ("Watch", "https://stream.example.org/a"),
            ("Recording", "https://media.example.org/v/rec"),
            ("Slides", "https://slides.example.org/rec.pdf")
        ]
    );
    let after = talk(&store, None, "rec", pdt(13, 0)).unwrap();
    assert_eq!(
        links(&after)[0],
        ("Recording", "https://media.example.org/v/rec")
    );
    for at in [pdt(10, 0), pdt(11, 30), pdt(13, 0)] {
        let reply = talk(&store, None, "secret", at).unwrap();
        let shown = format!("{reply:?}");
        assert!(!shown.contains("media.example.org"), "{shown}");
    }
}

#[test]
fn now_and_next_show_each_ones_way_in() {
    let store = linked_program();
    let reply = now(&store, None, pdt(11, 5)).unwrap();
    assert!(
        reply.fields[0]
            .value
            .discord()
            .contains("Watch: <https://stream.example.org/a>"),
        "{:?}",
        reply.fields
    );
    let reply = next(&store, None, pdt(10, 0), 5, None).unwrap();
    assert!(reply.fields[0].value.discord().ends_with(
        "Watch: <https://stream.example.org/a> · Recording: <https://media.example.org/v/rec>"
    ));
    assert!(reply.fields[1]
        .value
        .discord()
        .ends_with("Watch: <https://stream.example.org/a>"));
}

#[test]
fn the_agenda_shows_each_talks_way_in_and_past_talks_recordings_never_a_do_not_record_one() {
    let store = linked_program();
    let me = crate::ids::UserId(1);
    for id in ["rec", "secret"] {
        agenda::remind(&store, pdt(10, 0), me, id, None).unwrap();
    }
    let ahead = agenda::agenda(&store, pdt(10, 0), me).unwrap().reply;
    assert!(ahead.fields.iter().all(|f| f
        .value
        .discord()
        .contains("Watch: <https://stream.example.org/a>")));
    let after = agenda::agenda(&store, pdt(13, 0), me).unwrap().reply;
    let recordings = after
        .fields
        .iter()
        .find(|f| f.name.discord() == "Recordings of past talks")
        .unwrap();
    assert_eq!(
        recordings.value.discord(),
        "Recorded: <https://media.example.org/v/rec>"
    );
}

#[test]
fn the_schedule_as_pictures_comes_with_its_text_and_names_the_day() {
    let day = NaiveDate::from_ymd_opt(2021, 5, 4);
    let (reply, files) = schedule_pictures(&store(), pdt(9, 0), day).unwrap();
    assert_eq!(reply, schedule(&store(), pdt(9, 0), day).unwrap());
    let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["schedule-2021-05-04.png"]);
    assert!(files[0].bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let other = NaiveDate::from_ymd_opt(2021, 5, 5);
    assert!(matches!(
        schedule_pictures(&store(), pdt(9, 0), other),
        Err(CommandError::User(_))
    ));
}

#[test]
fn routes_show_a_rooms_name_as_written_never_as_markdown_or_a_mention() {
    let room = format!("<@1> {}", crate::testing::HOSTILE_TITLE);
    let program = crate::testing::bundled_with(|sessions| {
        sessions[0].slot.room = Some(room.clone());
    });
    let store = crate::testing::store_of(&program);
    let guild = crate::ids::GuildId(1);
    let set = setup::set_route(&store, guild, &room, Some(crate::ids::ChannelId(7))).unwrap();
    let shown = setup::show(&store, guild, &crate::jobs::delivery::Rules::default()).unwrap();
    let removed = setup::set_route(&store, guild, &room, None).unwrap();
    let escaped = "\\<@1> \\*\\*Bold\\*\\* @everyone \\[click\\](https://evil.example) \\`code\\`";
    for said in [
        set.description.discord(),
        shown.fields[1].value.discord(),
        removed.description.discord(),
    ] {
        assert!(said.contains(escaped), "{said}");
    }
    let unknown = user_message(setup::set_route(&store, guild, "`**x**", None));
    assert!(unknown.contains("\\`\\*\\*x\\*\\*"), "{unknown}");
    assert!(unknown.contains(escaped), "{unknown}");
}

#[test]
fn setup_show_lists_every_rooms_route_and_places_whole_in_pages_discord_takes() {
    let rooms: Vec<String> = (1..=40)
        .map(|n| format!("Lecture Hall {n} (East Wing)"))
        .collect();
    let program = crate::testing::bundled_with(|sessions| {
        let first = sessions[0].clone();
        sessions.clear();
        for (i, room) in rooms.iter().enumerate() {
            let mut session = first.clone();
            session.slot.id = format!("s{i}").as_str().into();
            session.talks.clear();
            session.slot.room = Some(room.clone());
            sessions.push(session);
        }
    });
    let store = crate::testing::store_of(&program);
    let guild = crate::ids::GuildId(1);
    for (i, room) in rooms.iter().enumerate() {
        let channel = 1_579_696_125_596_663_808 + 2 * i as u64;
        store
            .set_route(guild, room, Some(crate::ids::ChannelId(channel)))
            .unwrap();
        store
            .set_event_room(guild, room, crate::ids::ChannelId(channel + 1), false)
            .unwrap();
    }
    let reply = setup::show(&store, guild, &crate::jobs::delivery::Rules::default()).unwrap();
    let per_page = setup::fields_per_page(&reply);
    let first = reply.page(per_page, 0);
    let mut shown = String::new();
    for index in 0..first.count {
        let page = reply.page(per_page, index).reply;
        assert!(page.embed_chars() <= limits::EMBED_TOTAL);
        let footer = page.footer.map(|f| f.discord()).unwrap_or_default();
        assert!(!footer.contains("not shown"), "{footer}");
        for field in &page.fields {
            let value = field.value.discord();
            assert!(!value.ends_with('…'), "a field cut short: {value}");
            shown += &value;
            shown += "\n";
        }
    }
    for room in &rooms {
        let escaped = crate::reply::Text::program(room).discord();
        assert_eq!(
            shown.matches(&format!("**{escaped}**")).count(),
            2,
            "{room}: {shown}"
        );
    }
    // A server with a room or two keeps one page.
    let small = crate::testing::store();
    let reply = setup::show(&small, guild, &crate::jobs::delivery::Rules::default()).unwrap();
    assert_eq!(reply.page(setup::fields_per_page(&reply), 0).count, 1);
}
