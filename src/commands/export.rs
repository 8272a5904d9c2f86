//! `confbot export ics` and the agenda's "Calendar file": talks as an iCalendar file.

use chrono::{DateTime, Utc};

use super::conference;
use crate::error::CommandError;
use crate::ids::UserId;
use crate::reply::truncate;
use crate::store::Store;
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
    Ok(crate::domain::ics::calendar(&conference, &talks, now))
}

/// The user's agenda as an iCalendar file (past talks too: a calendar keeps history).
pub fn agenda_ics(store: &Store, now: DateTime<Utc>, user: UserId) -> Result<String, CommandError> {
    let conference = conference(store)?;
    let talks: Vec<_> = store.bookmarks(user)?.into_iter().map(|b| b.talk).collect();
    if talks.is_empty() {
        user_error!("Your agenda is empty: add talks with `/remind` first.");
    }
    Ok(crate::domain::ics::calendar(&conference, &talks, now))
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
}
