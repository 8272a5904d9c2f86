//! `confbot export ics` and the agenda's "Calendar file": talks as an iCalendar file; and
//! `confbot export feedback`: what the audience thought of each talk, as CSV.

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

/// The feedback as CSV for the organisers' speaker emails, naming nobody: a header, then a row
/// per comment (`talk_id`, `title`, `ratings`, `average` to two decimals, `comment`), or one
/// row with no comment for a talk rated but not commented on. A cell that a spreadsheet would
/// read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`: comments are anyone's text.
pub fn feedback_csv(store: &Store) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["talk_id", "title", "ratings", "average", "comment"])?;
    for talk in store.feedback()? {
        let ratings = talk.ratings.to_string();
        let average = talk.average.map(|a| format!("{a:.2}")).unwrap_or_default();
        let title = talk.title.unwrap_or_default();
        let comments = match talk.comments.is_empty() {
            true => vec![String::new()],
            false => talk.comments,
        };
        for comment in &comments {
            let row = [&talk.talk_id, &title, &ratings, &average, comment];
            out.write_record(row.map(|cell| inert(cell)))?;
        }
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// `cell`, so that no spreadsheet runs it as a formula.
fn inert(cell: &str) -> String {
    match cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{cell}"),
        false => cell.to_string(),
    }
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
    fn the_feedback_csv_parses_back_with_commas_quotes_new_lines_and_formulas_intact() {
        use crate::ids::UserId;
        use crate::store::Rating;
        let store = crate::testing::store();
        let (vani, weihs) = ("2021-05-04-1100-vani", "2021-05-04-1115-weihs");
        let (ada, bob) = (UserId(1), UserId(2));
        let stars = |n| Rating::new(n).unwrap();
        store.rate(ada, vani, stars(2), pdt(11, 20)).unwrap();
        store.rate(ada, vani, stars(5), pdt(11, 21)).unwrap();
        store.rate(bob, vani, stars(4), pdt(11, 22)).unwrap();
        store.rate(bob, weihs, stars(3), pdt(11, 30)).unwrap();
        let tricky = "Great, \"really\" great;\nsecond line";
        store.comment(ada, vani, tricky, pdt(11, 23)).unwrap();
        store
            .comment(bob, vani, "=HYPERLINK(\"x\")", pdt(11, 24))
            .unwrap();
        store
            .comment(bob, "gone-talk", "no longer in the program", pdt(11, 25))
            .unwrap();

        let csv = feedback_csv(&store).unwrap();
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let title = store.talk(vani).unwrap().unwrap().talk.title;
        let weihs_title = store.talk(weihs).unwrap().unwrap().talk.title;
        let row = |cells: [&str; 5]| cells.map(String::from).to_vec();
        assert_eq!(
            rows,
            [
                row([vani, &title, "2", "4.50", tricky]),
                row([vani, &title, "2", "4.50", "'=HYPERLINK(\"x\")"]),
                row([weihs, &weihs_title, "1", "3.00", ""]),
                row(["gone-talk", "", "0", "", "no longer in the program"]),
            ]
        );
        assert!(Rating::new(0).is_none() && Rating::new(6).is_none());
        assert!(store
            .comment(ada, vani, &"x".repeat(1001), pdt(12, 0))
            .is_err());
        assert!(store.comment(ada, vani, "  ", pdt(12, 0)).is_err());
    }

    #[test]
    fn forgetting_a_user_removes_their_ratings_and_comments_and_no_one_elses() {
        use crate::ids::UserId;
        use crate::store::Rating;
        let store = crate::testing::store();
        let vani = "2021-05-04-1100-vani";
        let five = Rating::new(5).unwrap();
        for user in [UserId(1), UserId(2)] {
            store.rate(user, vani, five, pdt(11, 20)).unwrap();
            store.comment(user, vani, "good", pdt(11, 20)).unwrap();
        }
        assert_eq!(store.forget_user(UserId(1)).unwrap().feedback, 2);
        let left = store.feedback().unwrap();
        assert_eq!((left[0].ratings, left[0].comments.len()), (1, 1));
        assert_eq!(store.forget_user(UserId(1)).unwrap().feedback, 0);
    }
}
