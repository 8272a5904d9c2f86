//! A personal agenda: `/remind` and the "Remind me" buttons add a talk with a DM reminder some
//! minutes before it; `/agenda` lists the talks in time order with clashes marked, and lets
//! the user remove talks and pause or resume their reminders.
//!
//! Buttons and menus have stable custom ids ([`Action`]), so a "Remind me" button on a `/talk`
//! reply posted days ago still works after restarts and reloads: everything is in SQLite.

use chrono::{DateTime, Utc};

use super::{conference, known_talk, CommandResult};
use crate::domain::format::{day_and_time, stamp};
use crate::domain::rooms::Personal;
use crate::error::CommandError;
use crate::ids::{TalkId, UserId};
use crate::reply::{truncate, Choice, Reply, Style, Text};
use crate::store::{Bookmark, Store};
use crate::{text, user_error};

pub use crate::domain::agenda::Action;
use crate::domain::agenda::{due_at, DEFAULT_MINUTES, MAX_MINUTES};

/// What a user whose DMs Discord refused reads, once, on their next command.
pub const DMS_REFUSED: &str = "I could not send you a reminder: Discord says you do not accept direct messages from me. To get reminders, allow direct messages from this server's members (click the server's name → Privacy Settings → Direct Messages), then open `/agenda` so I try again.";

/// The agenda's note after DMs were refused: opening `/agenda` is what makes confbot try again.
const TRYING_AGAIN: &str = "⚠ My last reminder could not reach you: Discord refused the DM. Allow direct messages from this server's members (the server's name → Privacy Settings → Direct Messages); I will try again from now on.";

/// `/remind talk [minutes]`, and the "Remind me" buttons (`minutes: None`: keep the minutes
/// of an existing bookmark, else [`DEFAULT_MINUTES`]).
pub fn remind(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    talk_id: &str,
    minutes: Option<u32>,
) -> CommandResult {
    let tz = conference(store)?.time_zone;
    let talk_id = talk_id.trim();
    if let Some(minutes) = minutes.filter(|m| *m > MAX_MINUTES) {
        user_error!("A reminder can come 0 to {MAX_MINUTES} minutes before a talk, not {minutes}.");
    }
    let row = known_talk(store, talk_id)?;
    let talk = &row.talk;
    if talk.start <= now {
        user_error!(text: text![
            "**",
            Text::program(&talk.title),
            "** has already started (",
            stamp(talk.start, Style::Relative),
            "), so there is nothing to remind you of."
        ]);
    }
    let minutes = match minutes {
        Some(minutes) => minutes,
        None => store
            .bookmark_minutes(user, &talk.id)?
            .unwrap_or(DEFAULT_MINUTES),
    };
    let added = store.set_bookmark(user, &talk.id, minutes, now)?;
    let due = due_at(talk.start, minutes, now);
    let place = row
        .session
        .place()
        .map(|p| text![" in ", Text::program(p)])
        .unwrap_or_default();
    let when = if due <= now {
        "It starts in less than that, so I will DM you right away.".into()
    } else {
        text![
            "I will DM you ",
            stamp(due, Style::Time),
            " (",
            stamp(due, Style::Relative),
            ")."
        ]
    };
    let mut text = text![
        "**",
        Text::program(&talk.title),
        "** starts ",
        day_and_time(talk.start, tz),
        place,
        format!(".\nReminder: {minutes} minutes before. "),
        when
    ];
    if store.agenda_user(user)?.paused {
        text += "\nYour reminders are paused: resume them in `/agenda`.";
    }
    let title = if added {
        "Added to your agenda"
    } else {
        "Reminder changed"
    };
    Ok(Reply::new(title)
        .description(text)
        .footer("See all your talks with /agenda"))
}

/// The "Remind me about…" menus and a session announcement's button: adds each talk (keeping
/// minutes already chosen); one talk answers as `/remind`, several with a line each.
pub fn remind_many(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    talk_ids: &[TalkId],
) -> CommandResult {
    if let [one] = talk_ids {
        return remind(store, now, user, one, None);
    }
    if talk_ids.is_empty() {
        user_error!("There are no talks to add.");
    }
    let mut lines = Vec::new();
    let mut added = 0;
    for id in talk_ids {
        let title = store.talk(id)?.map_or_else(
            || format!("`{}`", truncate(id, 100)).into(),
            |row| Text::program(row.talk.title),
        );
        match remind(store, now, user, id, None) {
            Ok(_) => {
                added += 1;
                lines.push(text!["✓ ", title]);
            }
            Err(CommandError::User(error)) => lines.push(text!["✗ ", title, ": ", error.0]),
            Err(internal) => return Err(internal),
        }
    }
    Ok(Reply::new(format!(
        "Added {added} of {} talks to your agenda",
        talk_ids.len()
    ))
    .description(Text::join(lines, "\n"))
    .footer(format!(
        "Reminders come {DEFAULT_MINUTES} minutes before unless you chose otherwise · /agenda"
    )))
}

/// A session announcement's "Remind me": the session's talks that have not started.
pub fn remind_session(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    session_id: &str,
) -> CommandResult {
    let ids: Vec<TalkId> = store
        .talks_of_session(session_id)?
        .into_iter()
        .filter(|row| row.talk.start > now)
        .map(|row| row.talk.id)
        .collect();
    if ids.is_empty() {
        user_error!("This session's talks have all started, or it is no longer in the program.");
    }
    remind_many(store, now, user, &ids)
}

/// What `/agenda` shows: the reply, and the talks its menu can remove.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaView {
    pub reply: Reply,
    /// Upcoming talks, as menu options (at most 25, Discord's limit).
    pub removable: Vec<Choice>,
    pub paused: bool,
}

/// `/agenda`: my talks in time order, clashes marked, past ones folded into a count.
pub fn agenda(store: &Store, now: DateTime<Utc>, user: UserId) -> Result<AgendaView, CommandError> {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let paused = store.agenda_user(user)?.paused;
    let refused = store.dms_refused_at(user)?.is_some();
    if refused {
        store.clear_dms_refused(user)?;
    }
    let bookmarks = store.bookmarks(user)?;
    let (past, upcoming): (Vec<&Bookmark>, Vec<&Bookmark>) =
        bookmarks.iter().partition(|b| b.talk.talk.end <= now);
    if upcoming.is_empty() {
        let mut text = "Nothing ahead. Add talks with `/remind`, or the **Remind me** button of a `/talk` reply.".to_string();
        if refused {
            text = format!("{TRYING_AGAIN}\n{text}");
        }
        if !past.is_empty() {
            text.push_str(&format!("\n{}.", past_count(past.len())));
        }
        return Ok(AgendaView {
            reply: with_recordings(Reply::new("Your agenda").description(text), &past),
            removable: Vec::new(),
            paused,
        });
    }
    let mut reply = Reply::new("Your agenda");
    let mut notes = Vec::new();
    if refused {
        notes.push(TRYING_AGAIN.to_string());
    }
    if !past.is_empty() {
        notes.push(format!("{}.", past_count(past.len())));
    }
    if paused {
        notes.push("Reminders are **paused**: no DMs until you resume them.".to_string());
    }
    let mut clashes = 0;
    let mut personal = Personal::new(store);
    for (i, bookmark) in upcoming.iter().enumerate() {
        let (talk, session) = (&bookmark.talk.talk, &bookmark.talk.session);
        let clashing: Vec<Text> = upcoming
            .iter()
            .enumerate()
            .filter(|(j, other)| {
                *j != i && other.talk.talk.start < talk.end && talk.start < other.talk.talk.end
            })
            .map(|(_, other)| Text::program(&other.talk.talk.title))
            .collect();
        let mut value = text![
            day_and_time(talk.start, tz),
            " – ",
            stamp(talk.end, Style::Time)
        ];
        if let Some(place) = session.place() {
            value += text![" · ", Text::program(place)];
        }
        value += text!["\nin ", Text::program(&session.title)];
        if let Some(line) = personal.way_in(&bookmark.talk, now)?.line() {
            value += text!["\n", line];
        }
        if talk.start > now {
            let due = due_at(talk.start, bookmark.minutes, now);
            value += text![
                format!("\nReminder {} min before (", bookmark.minutes),
                stamp(due, Style::Relative),
                ")"
            ];
        } else {
            value += "\nRunning now";
        }
        let name = if clashing.is_empty() {
            Text::program(&talk.title)
        } else {
            clashes += 1;
            value += text!["\n⚠ Clashes with ", Text::join(clashing, ", ")];
            text!["⚠ ", Text::program(&talk.title)]
        };
        reply = reply.field(name, value, false);
    }
    if clashes > 0 {
        notes.push(format!("⚠ marks talks that overlap ({clashes})."));
    }
    let reply = with_recordings(reply, &past);
    let removable = upcoming
        .iter()
        .take(crate::reply::limits::EMBED_FIELDS)
        .map(|b| {
            let when = b.talk.talk.start.with_timezone(&tz).format("%a %H:%M");
            Choice::new(&format!("{when} · {}", b.talk.talk.title), &b.talk.talk.id)
        })
        .collect();
    Ok(AgendaView {
        reply: reply.description(notes.join("\n")).footer(conference.name),
        removable,
        paused,
    })
}

/// `reply` with the past talks' recordings that may be shown, latest first, one per line.
fn with_recordings(reply: Reply, past: &[&Bookmark]) -> Reply {
    const SHOWN: usize = 10;
    let lines: Vec<Text> = past
        .iter()
        .rev()
        .filter_map(|b| {
            let recording = b.talk.talk.links.published_recording()?;
            Some(text![
                Text::program(&b.talk.talk.title),
                ": ",
                Text::link(recording.as_str())
            ])
        })
        .take(SHOWN)
        .collect();
    if lines.is_empty() {
        return reply;
    }
    reply.field("Recordings of past talks", Text::join(lines, "\n"), false)
}

fn past_count(n: usize) -> String {
    match n {
        1 => "1 past talk not shown".to_string(),
        n => format!("{n} past talks not shown"),
    }
}

/// `/forget-me`: what it will delete, and the button that confirms it.
pub fn forget_me_prompt() -> Reply {
    Reply::new("Forget me?")
        .description(
            "This deletes everything confbot keeps about you: your agenda, your reminders and \
             their state, your DM channel, DMs not yet sent, your Q&A votes, and your talk \
             ratings and comments. Questions you asked stay in their threads but no longer name \
             you. It cannot be undone.",
        )
        .action("Yes, forget me", Action::Forget.custom_id())
}

/// `/forget-me`'s button: deletes it all and says what went.
pub fn forget_me(store: &Store, user: UserId) -> CommandResult {
    let forgotten = store.forget_user(user)?;
    let count = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    Ok(Reply::new("Forgotten").description(format!(
        "Deleted your agenda ({}), your reminders and their state, your DM channel and any \
         DM not yet sent, {}, {} and {}. {} now no longer name you (messages already posted \
         on Discord are Discord's). confbot keeps nothing else about you.",
        count(forgotten.bookmarks, "talk", "talks"),
        count(forgotten.votes, "Q&A vote", "Q&A votes"),
        count(forgotten.ratings, "rating", "ratings"),
        count(forgotten.comments, "comment", "comments"),
        count(
            forgotten.questions,
            "question you asked",
            "questions you asked"
        ),
    )))
}

/// The agenda's menu: removes the picked talks; the agenda afterwards.
pub fn remove(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    talk_ids: &[String],
) -> Result<AgendaView, CommandError> {
    store.remove_bookmarks(user, talk_ids)?;
    agenda(store, now, user)
}

/// The agenda's pause/resume button; the agenda afterwards.
pub fn set_paused(
    store: &Store,
    now: DateTime<Utc>,
    user: UserId,
    paused: bool,
) -> Result<AgendaView, CommandError> {
    store.set_reminders_paused(user, paused)?;
    agenda(store, now, user)
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::reply::escaped;
    use crate::testing::{bundled_with, pdt, store, store_of, HOSTILE_TITLE};

    const ME: UserId = UserId(42);

    #[test]
    fn a_talk_that_already_started_is_named_as_written_not_as_markdown() {
        let store = store_of(&bundled_with(|sessions| {
            sessions[0].talks[0].title = HOSTILE_TITLE.into();
        }));
        let talk = store.load_program().unwrap().unwrap().sessions()[0].talks[0].clone();
        let error = user_message(remind(&store, talk.start, ME, &talk.id, None));
        assert!(error.contains(&escaped(HOSTILE_TITLE)), "{error}");
        assert!(!error.contains(HOSTILE_TITLE), "{error}");
    }

    fn user_message<T: std::fmt::Debug>(result: Result<T, CommandError>) -> String {
        match result {
            Err(CommandError::User(error)) => error.0.discord(),
            other => panic!("expected a user error, got {other:?}"),
        }
    }

    /// The first talk of the bundled program starting at or after `at`.
    fn talk_at(store: &Store, at: DateTime<Utc>) -> TalkId {
        store.talks_starting_after(at, 1, None).unwrap()[0]
            .talk
            .id
            .clone()
    }

    #[test]
    fn remind_adds_then_changes_the_minutes_and_says_when_the_dm_comes() {
        let store = store();
        let talk = talk_at(&store, pdt(10, 55));
        let start = store.talk(&talk).unwrap().unwrap().talk.start;
        let added = remind(&store, pdt(9, 0), ME, &talk, None).unwrap();
        assert_eq!(added.title.discord(), "Added to your agenda");
        let due = (start - TimeDelta::minutes(10)).timestamp();
        assert!(
            added
                .description
                .discord()
                .contains(&format!("<t:{due}:t>")),
            "{}",
            added.description.discord()
        );
        let changed = remind(&store, pdt(9, 0), ME, &talk, Some(30)).unwrap();
        assert_eq!(changed.title.discord(), "Reminder changed");
        assert!(changed.description.discord().contains("30 minutes before"));
        // A button press keeps the minutes the user chose.
        remind(&store, pdt(9, 0), ME, &talk, None).unwrap();
        assert_eq!(store.bookmark_minutes(ME, &talk).unwrap(), Some(30));
        assert_eq!(store.bookmarks(ME).unwrap().len(), 1);
    }

    #[test]
    fn remind_refuses_unknown_started_and_silly_input() {
        let store = store();
        let talk = talk_at(&store, pdt(10, 55));
        assert!(user_message(remind(&store, pdt(9, 0), ME, "nope", None)).contains("no talk"));
        assert!(
            user_message(remind(&store, pdt(9, 0), ME, &talk, Some(121)))
                .contains("0 to 120 minutes")
        );
        assert!(
            user_message(remind(&store, pdt(12, 0), ME, &talk, None)).contains("already started")
        );
        assert!(store.bookmarks(ME).unwrap().is_empty());
    }

    #[test]
    fn a_talk_bookmarked_at_the_last_minute_is_reminded_at_once() {
        let store = store();
        let talk = talk_at(&store, pdt(10, 55));
        let reply = remind(&store, pdt(10, 55), ME, &talk, Some(10)).unwrap();
        assert!(
            reply.description.discord().contains("right away"),
            "{}",
            reply.description.discord()
        );
        let start = store.talk(&talk).unwrap().unwrap().talk.start;
        assert_eq!(due_at(start, 10, pdt(10, 55)), pdt(10, 55));
    }

    /// Two parallel sessions at 11:00 (a clash) and a talk at 12:00, on 4 May 2021 in LA.
    fn parallel() -> Store {
        let json = r#"{"conference": {"name": "Test Conf", "time_zone": "America/Los_Angeles"}, "sessions": [
            {"id": "a", "title": "Orals A", "room": "Hall A", "start": "2021-05-04 09:00", "end": "2021-05-04 12:30",
             "talks": [{"id": "early", "title": "Early", "start": "2021-05-04 09:00", "end": "2021-05-04 09:30"},
                       {"id": "a1", "title": "A one", "start": "2021-05-04 11:00", "end": "2021-05-04 11:30"},
                       {"id": "later", "title": "Later", "start": "2021-05-04 12:00", "end": "2021-05-04 12:30"}]},
            {"id": "b", "title": "Orals B", "room": "Hall B", "start": "2021-05-04 11:15", "end": "2021-05-04 11:45",
             "talks": [{"id": "b1", "title": "B one", "start": "2021-05-04 11:15", "end": "2021-05-04 11:45"}]}]}"#;
        let program = crate::program::import_str("parallel", json, &Default::default())
            .unwrap()
            .program;
        let store = Store::open_in_memory().unwrap();
        store.replace_program(&program).unwrap();
        store
    }

    #[test]
    fn agenda_orders_marks_clashes_folds_the_past_and_removes() {
        let store = parallel();
        for id in ["later", "b1", "a1", "early"] {
            remind(&store, pdt(8, 0), ME, id, None).unwrap();
        }
        let view = agenda(&store, pdt(10, 55), ME).unwrap();
        let names: Vec<String> = view.reply.fields.iter().map(|f| f.name.discord()).collect();
        assert_eq!(names, ["⚠ A one", "⚠ B one", "Later"]);
        assert!(view.reply.fields[0]
            .value
            .discord()
            .contains("Clashes with B one"));
        assert!(view.reply.fields[0].value.discord().contains("Hall A"));
        assert!(view
            .reply
            .description
            .discord()
            .contains("1 past talk not shown"));
        let options: Vec<&str> = view.removable.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(options, ["a1", "b1", "later"]);

        let view = remove(&store, pdt(10, 55), ME, &["a1".to_string()]).unwrap();
        let names: Vec<String> = view.reply.fields.iter().map(|f| f.name.discord()).collect();
        assert_eq!(names, ["B one", "Later"]);
    }

    #[test]
    fn pausing_is_shown_and_remembered() {
        let store = store();
        let talk = talk_at(&store, pdt(10, 55));
        remind(&store, pdt(9, 0), ME, &talk, None).unwrap();
        let view = set_paused(&store, pdt(9, 0), ME, true).unwrap();
        assert!(view.paused);
        assert!(view.reply.description.discord().contains("paused"));
        let again = remind(&store, pdt(9, 0), ME, &talk, None).unwrap();
        assert!(again.description.discord().contains("paused"));
        assert!(!set_paused(&store, pdt(9, 0), ME, false).unwrap().paused);
    }

    #[test]
    fn opening_the_agenda_after_refused_dms_says_so_and_tries_again() {
        let store = store();
        let talk = talk_at(&store, pdt(10, 55));
        remind(&store, pdt(9, 0), ME, &talk, None).unwrap();
        store.dms_refused(ME, pdt(9, 1)).unwrap();
        let view = agenda(&store, pdt(9, 2), ME).unwrap();
        assert!(view
            .reply
            .description
            .discord()
            .contains("could not reach you"));
        assert_eq!(store.dms_refused_at(ME).unwrap(), None);
        assert!(
            !store.take_refusal_notice(ME).unwrap(),
            "told by /agenda itself"
        );
        let view = agenda(&store, pdt(9, 3), ME).unwrap();
        assert!(!view
            .reply
            .description
            .discord()
            .contains("could not reach you"));
    }

    #[test]
    fn an_empty_agenda_says_how_to_fill_it() {
        let view = agenda(&store(), pdt(9, 0), ME).unwrap();
        assert!(view.reply.description.discord().contains("/remind"));
        assert!(view.removable.is_empty());
    }
}
