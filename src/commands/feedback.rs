//! Feedback on talks: the "How was it?" prompt (posted by `jobs::feedback` when a talk ends,
//! and answered privately by `/feedback talk`), a rating or a comment, `/feedback summary`
//! for organisers, and `confbot export feedback` as CSV for their emails to speakers. Nothing
//! here shows who rated or wrote what.

use chrono::{DateTime, Utc};

use super::{conference, known_talk, CommandResult};
use crate::domain::feedback::{self, prompt};
use crate::error::CommandError;
use crate::ids::{TalkId, UserId};
use crate::picture::chart::{self, Columns, Slot};
use crate::reply::{limits, truncate, Attachment, Reply, Text};
use crate::store::{Rating, ScheduledTalk, Store, TalkFeedback};
use crate::{text, user_error};

/// The comments `/feedback summary` shows; the export has them all.
const COMMENTS_SHOWN: usize = 10;

/// `/feedback talk`: the prompt, for one person, for any talk that has started.
pub fn ask(store: &Store, now: DateTime<Utc>, talk_id: &str) -> CommandResult {
    let tz = conference(store)?.time_zone;
    Ok(prompt(&started(store, now, talk_id)?, tz))
}

/// The talk, if it has started by `now`: only a talk people saw is rated or commented on,
/// whichever way they got to it (a prompt shown before a reload moved the talk later too).
fn started(
    store: &Store,
    now: DateTime<Utc>,
    talk_id: &str,
) -> Result<ScheduledTalk, CommandError> {
    let row = known_talk(store, talk_id)?;
    if row.talk.start > now {
        user_error!(text: text![
            "**",
            Text::program(&row.talk.title),
            "** has not started yet: rate it once you have seen it."
        ]);
    }
    Ok(row)
}

/// A press of 1–5.
pub fn rate(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    talk_id: &TalkId,
    rating: Rating,
) -> CommandResult {
    let row = started(store, now, talk_id)?;
    let first = store.rate_talk(user, talk_id, rating, now)?;
    let verb = if first {
        "rated"
    } else {
        "changed your rating of"
    };
    Ok(Reply::new("Thank you").description(text![
        format!("You {verb} **"),
        Text::program(&row.talk.title),
        format!("** {rating}/5. Click another number to change it.")
    ]))
}

/// The title the comment modal shows (Discord's limit for a modal title is 45 characters).
pub fn modal_title(
    store: &Store,
    now: DateTime<Utc>,
    talk_id: &TalkId,
) -> Result<String, CommandError> {
    let row = started(store, now, talk_id)?;
    Ok(truncate(&format!("Comment on {}", row.talk.title), 45))
}

/// The modal, submitted.
pub fn comment(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    talk_id: &TalkId,
    written: &str,
) -> CommandResult {
    let row = started(store, now, talk_id)?;
    let written = match feedback::comment(written) {
        Ok(written) => written,
        Err(why) => user_error!("{why}"),
    };
    store.add_comment(user, talk_id, written, now)?;
    Ok(Reply::new("Thank you").description(text![
        "Your comment on **",
        Text::program(&row.talk.title),
        "** is stored. The organisers will pass it on without your name."
    ]))
}

/// `/feedback summary`: count, average, the distribution and the comments.
pub fn summary(store: &Store, talk_id: &str) -> CommandResult {
    let (row, feedback) = summarised(store, talk_id)?;
    Ok(summary_text(&row, &feedback))
}

/// [`summary`] and, once anyone has rated the talk, the distribution of its ratings as a small
/// chart (`feedback.png`): counts only, naming nobody.
pub fn summary_with_chart(
    store: &Store,
    talk_id: &str,
) -> Result<(Reply, Vec<Attachment>), CommandError> {
    let (row, feedback) = summarised(store, talk_id)?;
    let mut files = Vec::new();
    if feedback.ratings() > 0 {
        let ratings = Columns {
            // The counts first: a long title is what gets cut.
            title: format!("{} · {}", headline(&feedback), row.talk.title),
            slots: (1..=5)
                .zip(feedback.distribution)
                .map(|(rating, count)| Slot {
                    label: rating.to_string(),
                    count,
                })
                .collect(),
        };
        files.push(Attachment {
            filename: "feedback.png".into(),
            bytes: chart::columns(&ratings)?.0,
        });
    }
    Ok((summary_text(&row, &feedback), files))
}

fn summarised(store: &Store, talk_id: &str) -> Result<(ScheduledTalk, TalkFeedback), CommandError> {
    let row = known_talk(store, talk_id)?;
    let feedback = store.talk_feedback(&row.talk.id)?;
    Ok((row, feedback))
}

fn summary_text(row: &ScheduledTalk, feedback: &TalkFeedback) -> Reply {
    let reply = Reply::new(text!["Feedback: ", Text::program(&row.talk.title)]);
    if feedback.ratings() == 0 && feedback.comments.is_empty() {
        return reply.description("No ratings or comments yet.");
    }
    let (shown, left_out) = comments_shown(&feedback.comments);
    let reply = reply
        .description(text![headline(feedback), "\n", distribution(feedback)])
        .field(
            format!("Comments ({})", feedback.comments.len()),
            match feedback.comments.is_empty() {
                true => Text::from("None."),
                false => shown,
            },
            false,
        );
    match left_out {
        0 => reply,
        n => reply.footer(format!("{n} more in `confbot export feedback`.")),
    }
}

/// The first comments, each cut at 300 characters, as many whole ones (up to
/// [`COMMENTS_SHOWN`]) as fit in an embed field, and how many are left out: a field cut by
/// Discord's limit would drop comments without saying so.
fn comments_shown(comments: &[String]) -> (Text, usize) {
    let mut lines: Vec<Text> = Vec::new();
    let mut used = 0;
    for comment in comments.iter().take(COMMENTS_SHOWN) {
        let line = text!["• ", Text::program(truncate(comment, 300))];
        let len = line.discord_len() + usize::from(!lines.is_empty());
        if used + len > limits::FIELD_VALUE {
            break;
        }
        used += len;
        lines.push(line);
    }
    let left_out = comments.len() - lines.len();
    (Text::join(lines, "\n"), left_out)
}

/// "12 ratings, average 4.2 / 5".
pub fn headline(feedback: &TalkFeedback) -> String {
    match feedback.average() {
        Some(average) => format!(
            "{} rating{}, average {average:.1} / 5",
            feedback.ratings(),
            if feedback.ratings() == 1 { "" } else { "s" }
        ),
        None => "No ratings".to_string(),
    }
}

/// One line per rating, with a bar of its share, for readers of the text.
fn distribution(feedback: &TalkFeedback) -> Text {
    let most = feedback
        .distribution
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    Text::join(
        (1..=5).rev().map(|rating| {
            let n = feedback.distribution[rating - 1];
            let bar = "█".repeat((n * 10).div_ceil(most) as usize);
            Text::from(format!("`{rating}` {bar} {n}"))
        }),
        "\n",
    )
}

/// `confbot export feedback`: the feedback as CSV for the organisers' speaker emails, naming
/// nobody: a header, then a row per comment (`talk_id`, `title`, `ratings`, `average` to two
/// decimals, `comment`), or one row without a comment for a talk rated but not commented on.
/// A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`: comments are anyone's text.
pub fn export_csv(store: &Store) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["talk_id", "title", "ratings", "average", "comment"])?;
    for talk in store.all_feedback()? {
        let ratings = talk.ratings().to_string();
        let average = talk
            .average()
            .map(|a| format!("{a:.2}"))
            .unwrap_or_default();
        let title = talk.title.clone().unwrap_or_default();
        let comments = match talk.comments.is_empty() {
            true => vec![String::new()],
            false => talk.comments,
        };
        for comment in &comments {
            let row = [talk.talk_id.as_str(), &title, &ratings, &average, comment];
            out.write_record(row.map(inert))?;
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
    use crate::testing;
    use crate::testing::rating;

    use crate::domain::feedback::Press;

    #[test]
    fn the_prompt_has_five_ratings_and_a_comment_and_reads_its_presses_back() {
        let store = testing::store();
        let talk = testing::bundled().sessions()[0].talks[0].id.clone();
        let row = store.talk(&talk).unwrap().unwrap();
        let reply = prompt(&row, chrono_tz::America::Los_Angeles);
        let ids: Vec<_> = reply
            .actions
            .iter()
            .map(|a| Press::parse(&a.custom_id))
            .collect();
        assert_eq!(ids.len(), 6);
        assert_eq!(
            ids[0],
            Some(Press::Rate(
                talk.clone(),
                crate::store::Rating::new(1).unwrap()
            ))
        );
        assert_eq!(
            ids[4],
            Some(Press::Rate(
                talk.clone(),
                crate::store::Rating::new(5).unwrap()
            ))
        );
        assert_eq!(ids[5], Some(Press::Comment(talk)));
    }

    #[test]
    fn the_summary_counts_and_shows_comments_without_names() {
        let store = testing::store();
        let now = testing::pdt(18, 0);
        let talk = testing::bundled().sessions()[0].talks[0].id.clone();
        for (user, stars) in [(1, 5), (2, 4), (3, 4)] {
            rate(&store, now, UserId(user), &talk, rating(stars)).unwrap();
        }
        comment(&store, now, UserId(2), &talk, "@everyone *loved* it").unwrap();
        let reply = summary(&store, &talk).unwrap();
        let shown = format!("{reply:?}");
        assert!(reply
            .description
            .discord()
            .contains("3 ratings, average 4.3 / 5"));
        assert!(
            reply.description.discord().contains("`4` ██████████ 2"),
            "{shown}"
        );
        assert!(!shown.contains("UserId(2)"));
        assert!(comment(&store, now, UserId(2), &talk, "  ").is_err());

        let (with_chart, files) = summary_with_chart(&store, &talk).unwrap();
        assert_eq!(with_chart, reply);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "feedback.png");
        assert_eq!(
            crate::picture::decoded::size(&files[0].bytes),
            (300 + 2 * 16, 16 + 34 + 16 + 150 + 18 + 16)
        );
        rate(&store, now, UserId(4), &talk, rating(1)).unwrap();
        assert_ne!(summary_with_chart(&store, &talk).unwrap().1, files);
        let unrated = testing::bundled().sessions()[0].talks[1].id.clone();
        let (_, none) = summary_with_chart(&store, &unrated).unwrap();
        assert!(none.is_empty(), "no ratings, no chart");
    }

    #[test]
    fn the_summary_shows_whole_comments_and_says_how_many_it_left_out() {
        let store = testing::store();
        let now = testing::pdt(18, 0);
        let talk = testing::bundled().sessions()[0].talks[0].id.clone();
        for user in 1..=5 {
            let written = format!("Comment {user}: {}", "so much to say ".repeat(60));
            comment(&store, now, UserId(user), &talk, &written).unwrap();
        }
        let reply = summary(&store, &talk).unwrap().fitted();
        let shown = reply.fields[0].value.discord();
        // Each comment is shown as far as the summary shows one, none cut off by the field.
        let widths: Vec<usize> = shown.lines().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{shown}");
        let lines = widths.len();
        assert!((1..5).contains(&lines), "{shown}");
        let footer = reply.footer.map(|f| f.discord()).unwrap_or_default();
        assert!(
            footer.contains(&format!("{} more in `confbot export feedback`", 5 - lines)),
            "{footer}"
        );
    }

    #[test]
    fn a_talk_moved_later_is_not_rated_or_commented_from_an_earlier_prompt() {
        let store = testing::store();
        let talk = testing::bundled().sessions()[0].talks[0].id.clone();
        let start = store.talk(&talk).unwrap().unwrap().talk.start;
        let before = start - chrono::TimeDelta::minutes(1);
        for refused in [
            rate(&store, before, UserId(1), &talk, rating(5)).map(|_| ()),
            comment(&store, before, UserId(1), &talk, "great").map(|_| ()),
        ] {
            match refused {
                Err(CommandError::User(e)) => {
                    assert!(e.0.discord().contains("has not started yet"), "{e:?}")
                }
                other => panic!("expected a user error, got {other:?}"),
            }
        }
        let feedback = store.talk_feedback(&talk).unwrap();
        assert_eq!((feedback.ratings(), feedback.comments.len()), (0, 0));
    }

    #[test]
    fn the_csv_parses_back_with_commas_quotes_new_lines_and_formulas_inert() {
        let store = testing::store();
        let (vani, weihs) = (
            TalkId::from("2021-05-04-1100-vani"),
            TalkId::from("2021-05-04-1115-weihs"),
        );
        let at = testing::pdt(11, 20);
        store.rate_talk(UserId(1), &vani, rating(2), at).unwrap();
        store.rate_talk(UserId(1), &vani, rating(5), at).unwrap();
        store.rate_talk(UserId(2), &vani, rating(4), at).unwrap();
        store.rate_talk(UserId(2), &weihs, rating(3), at).unwrap();
        let tricky = "Great, \"really\" great;\nsecond line";
        store.add_comment(UserId(1), &vani, tricky, at).unwrap();
        store
            .add_comment(UserId(2), &vani, "=HYPERLINK(\"x\")", at)
            .unwrap();
        let gone = TalkId::from("gone-talk");
        store
            .add_comment(UserId(2), &gone, "no longer in the program", at)
            .unwrap();

        let csv = export_csv(&store).unwrap();
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let title = |t: &TalkId| store.talk(t).unwrap().unwrap().talk.title;
        let row = |cells: [&str; 5]| cells.map(String::from).to_vec();
        assert_eq!(
            rows,
            [
                row([vani.as_str(), &title(&vani), "2", "4.50", tricky]),
                row([
                    vani.as_str(),
                    &title(&vani),
                    "2",
                    "4.50",
                    "'=HYPERLINK(\"x\")"
                ]),
                row([weihs.as_str(), &title(&weihs), "1", "3.00", ""]),
                row(["gone-talk", "", "0", "", "no longer in the program"]),
            ]
        );
    }
}
