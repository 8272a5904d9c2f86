//! `confbot export ics` and the agenda's "Calendar file": talks as an iCalendar file.

use chrono::{DateTime, Utc};

use super::conference;
use crate::domain::ics::calendar;
use crate::domain::rooms::{Personal, Rooms};
use crate::error::CommandError;
use crate::ids::UserId;
use crate::reply::truncate;
use crate::store::{ScheduledTalk, Store};
use crate::user_error;

/// The whole program (no ids) or the talks named, as an iCalendar file. An id that is not in
/// the program is an error naming it.
pub fn program_ics(
    store: &Store,
    now: DateTime<Utc>,
    talk_ids: &[String],
) -> Result<String, CommandError> {
    let conference = conference(store)?;
    let talks = if talk_ids.is_empty() {
        store.all_talks()?
    } else {
        let talks = store.talks_by_id(talk_ids)?;
        if let Some(missing) = talk_ids
            .iter()
            .find(|id| !talks.iter().any(|t| t.talk.id.as_str() == id.as_str()))
        {
            user_error!(
                "There is no talk with id `{}` in the program.",
                truncate(missing, 100)
            );
        }
        talks
    };
    let rooms = Rooms::of(store, None)?;
    let way_in = |row: &ScheduledTalk, at| Ok(rooms.way_in(&row.session, Some(&row.talk), at));
    Ok(calendar(&conference, &talks, way_in, now)?)
}

/// The user's agenda as an iCalendar file (past talks too: a calendar keeps history).
pub fn agenda_ics(store: &Store, now: DateTime<Utc>, user: UserId) -> Result<String, CommandError> {
    let conference = conference(store)?;
    let talks: Vec<_> = store.bookmarks(user)?.into_iter().map(|b| b.talk).collect();
    if talks.is_empty() {
        user_error!("Your agenda is empty: add talks with `/remind` first.");
    }
    let mut personal = Personal::new(store);
    let way_in = |row: &ScheduledTalk, at| personal.way_in(row, at);
    Ok(calendar(&conference, &talks, way_in, now)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{Person, Program};
    use crate::testing::{bundled, pdt};

    #[test]
    fn a_calendar_shows_speakers_names_as_written_without_markdown_escapes() {
        let program = bundled();
        let mut sessions = program.sessions().to_vec();
        sessions[0].talks[0].speakers = vec![Person {
            name: "Ada_Lovelace *the* #1".to_string(),
        }];
        let talk = sessions[0].talks[0].id.to_string();
        let store = Store::open_in_memory().unwrap();
        store
            .replace_program(&Program::new(program.conference().clone(), sessions).unwrap())
            .unwrap();
        let ics = program_ics(&store, pdt(9, 0), &[talk]).unwrap();
        assert!(
            ics.replace("\r\n ", "")
                .contains(r"Speakers: Ada_Lovelace *the* #1\n"),
            "{ics}"
        );
    }

    #[test]
    fn a_talk_without_a_room_is_located_at_its_stream_and_its_url_is_the_way_to_watch() {
        let program = bundled();
        let mut sessions = program.sessions().to_vec();
        sessions[0].slot.room = None;
        sessions[0].slot.track = None;
        sessions[0].slot.stream =
            Some(crate::program::Link::parse("https://live.example.org/s").unwrap());
        let mut recorded = sessions[0].talks[1].clone();
        recorded.links.recording =
            Some(crate::program::Link::parse("https://media.example.org/v/2").unwrap());
        sessions[0].talks[1] = recorded.clone();
        let ids = [sessions[0].talks[0].id.to_string(), recorded.id.to_string()];
        let store = Store::open_in_memory().unwrap();
        store
            .replace_program(&Program::new(program.conference().clone(), sessions).unwrap())
            .unwrap();
        let ics = program_ics(&store, pdt(9, 0), &ids)
            .unwrap()
            .replace("\r\n ", "");
        assert_eq!(
            ics.matches("LOCATION:https://live.example.org/s").count(),
            2,
            "{ics}"
        );
        assert_eq!(
            ics.matches("URL:https://live.example.org/s").count(),
            2,
            "{ics}"
        );
        let after = program_ics(&store, recorded.end, &ids)
            .unwrap()
            .replace("\r\n ", "");
        assert!(
            after.contains("URL:https://media.example.org/v/2"),
            "{after}"
        );
    }
}
