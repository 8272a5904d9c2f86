//! The core of Q&A, without Discord: which session or talk a `/qa open` means, what its thread
//! is called and says first, where a question goes, and what `/qa top` and `/qa close` show.
//! Opening a thread and posting happen on Discord (`discord/qa.rs`, `reminders/qa.rs`); these
//! functions decide and record.
//!
//! Authors are shown as user parts ([`Text::user`]), which Discord renders as names; every
//! message built from these sets no allowed mentions, so nobody is pinged.

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use super::CommandResult;
use crate::domain::ports::NewThread;
use crate::domain::qa::{
    give_up_opening, new_thread, record_opened, reserve_opening, Opened, Recorded, Subject,
};
use crate::error::CommandError;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, TalkId, UserId};
use crate::program::SessionSlot;
use crate::reply::{escaped, limits, truncate, Choice, Field, Reply, Text};
use crate::store::{QaState, QaThread, Question, Store};
use crate::{text, user_error};

/// How much of a question `/qa top` and the summary quote.
const QUOTE: usize = 200;
/// Questions listed by `/qa top` by default, and at most.
pub const DEFAULT_TOP: usize = 5;
pub const MAX_TOP: usize = 10;
/// Unanswered questions listed in the closing summary.
const SUMMARY_TOP: usize = 3;

/// What a `/qa open` names, as the moderator gave it: a session (by id or title), a talk (by
/// id), or neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Named<'a> {
    pub session: Option<&'a str>,
    pub talk: Option<&'a str>,
}

/// The session or talk a `/qa open` names; with neither, the session running now whose
/// announcements go to `here` (or any running session if the guild routes nothing anywhere).
pub fn subject(
    store: &Store,
    now: DateTime<Utc>,
    guild: GuildId,
    here: ChannelId,
    named: Named<'_>,
) -> Result<Subject, CommandError> {
    match (given(named.session), given(named.talk)) {
        (Some(_), Some(_)) => user_error!("Name a session or a talk, not both."),
        (None, Some(talk)) => {
            let Some(row) = store.talk(talk)? else {
                user_error!(
                    "No talk with id `{}`; pick one of the suggestions.",
                    truncate(talk, 100)
                );
            };
            Ok(Subject {
                session: row.session.clone(),
                talk: Some(row),
            })
        }
        (Some(session), None) => {
            let found = match store.session(session)? {
                Some(found) => Some(found),
                None => {
                    let mut titled = store.sessions_titled(session, now, 2)?;
                    (titled.len() == 1).then(|| titled.remove(0))
                }
            };
            match found {
                Some(session) => Ok(Subject {
                    session,
                    talk: None,
                }),
                None => user_error!(
                    "No session matches `{}`; pick one of the suggestions.",
                    truncate(session, 100)
                ),
            }
        }
        (None, None) => {
            let settings = store.guild_settings(guild)?;
            let routes_anywhere = !settings.channels().is_empty();
            let mut running: Vec<SessionSlot> = store
                .sessions_running_at(now)?
                .into_iter()
                .filter(|s| {
                    !routes_anywhere
                        || settings.channel_for(s.track.as_deref(), s.room.as_deref()) == Some(here)
                })
                .collect();
            match running.len() {
                0 => user_error!("No session announced in this channel is running now. Name one with the `session` option.",),
                1 => Ok(Subject {
                    session: running.remove(0),
                    talk: None,
                }),
                _ => user_error!(text: text![
                    "Several sessions are running now (",
                    Text::join(running.iter().map(|s| Text::program(&s.title)), ", "),
                    "). Name one with the `session` option."
                ]),
            }
        }
    }
}

/// An option's value, unless left blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// What `/qa open` should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Open {
    /// The subject already has a live thread.
    Existing(QaThread),
    /// Open this thread: the caller holds the reservation (see [`crate::domain::qa::reserve_opening`]).
    New(NewThread),
    /// Someone else is opening it right now: wait for their thread.
    Busy,
}

/// The live thread of `subject`, or the thread to open: in the session's announcement channel,
/// started from its latest announcement when there is one (a session's only: a message holds
/// one thread); otherwise in the session's routed channel, or `here`.
pub fn plan_open(
    store: &Store,
    guild: GuildId,
    subject: &Subject,
    here: ChannelId,
    now: DateTime<Utc>,
) -> Result<Open, CommandError> {
    if let Some(thread) = store.qa_thread_for(guild, &subject.session.id, subject.talk_id())? {
        return Ok(Open::Existing(thread));
    }
    if !reserve_opening(store, guild, subject, now)? {
        return Ok(Open::Busy);
    }
    let planned = thread_to_open(store, guild, subject, here);
    if planned.is_err() {
        give_up_opening(store, guild, subject)?;
    }
    Ok(Open::New(planned?))
}

/// Where `subject`'s new thread goes (see [`plan_open`]), with its name and intro.
fn thread_to_open(
    store: &Store,
    guild: GuildId,
    subject: &Subject,
    here: ChannelId,
) -> anyhow::Result<NewThread> {
    let announcement = match subject.talk {
        None => store.latest_announcement_message(guild, &subject.session.id)?,
        Some(_) => None,
    };
    let (channel_id, message_id) = match announcement {
        Some((channel, message)) => (channel, Some(message)),
        None => {
            let settings = store.guild_settings(guild)?;
            let routed = settings.channel_for(
                subject.session.track.as_deref(),
                subject.session.room.as_deref(),
            );
            (routed.unwrap_or(here), None)
        }
    };
    new_thread(store, subject, channel_id, message_id)
}

/// Waiting for someone else's thread: the subject's live thread once it is recorded.
pub fn opened_by_another(
    store: &Store,
    guild: GuildId,
    subject: &Subject,
) -> Result<Option<Reply>, CommandError> {
    let thread = store.qa_thread_for(guild, &subject.session.id, subject.talk_id())?;
    Ok(thread.as_ref().map(already_open))
}

/// Records a thread just opened and says where it is (or where the thread that won a race
/// to open the same Q&A is).
pub fn opened(store: &Store, opened: &Opened<'_>, now: DateTime<Utc>) -> CommandResult {
    Ok(match record_opened(store, opened, now)? {
        Recorded::Live => Reply::new("Q&A open").description(text![
            "Q&A for **",
            Text::program(opened.subject.title()),
            "**: ",
            Text::channel(opened.thread)
        ]),
        Recorded::Lost(existing) => already_open(&existing),
    })
}

/// The answer to opening a subject that already has a thread.
pub fn already_open(thread: &QaThread) -> Reply {
    let state = match thread.state {
        QaState::Open => "is already open",
        QaState::Closed => "was closed",
    };
    Reply::new("Q&A").description(text![
        "Q&A for **",
        Text::program(&thread.title),
        format!("** {state}: "),
        Text::channel(thread.thread_id)
    ])
}

/// The Q&A thread a command runs in, open or not.
pub fn thread_here(store: &Store, channel: ChannelId) -> Result<QaThread, CommandError> {
    match store.qa_thread_by_discord_id(channel)? {
        Some(thread) => Ok(thread),
        None => user_error!("Run this inside a Q&A thread (`/qa open` opens one)."),
    }
}

/// Where a question goes: the Q&A thread it is asked in, or the thread of the talk it names
/// (the talk's own, else its session's); and the talk it is about, if known.
pub fn ask_target(
    store: &Store,
    guild: GuildId,
    channel: ChannelId,
    talk: Option<&str>,
) -> Result<(QaThread, Option<TalkId>), CommandError> {
    let talk = match given(talk) {
        Some(id) => match store.talk(id)? {
            Some(row) => Some(row),
            None => {
                user_error!(
                    "No talk with id `{}`; pick one of the suggestions.",
                    truncate(id, 100)
                )
            }
        },
        None => None,
    };
    let thread = match (store.qa_thread_by_discord_id(channel)?, &talk) {
        (Some(thread), Some(row)) if thread.session_id != row.session.id => {
            user_error!(
                "**{}** is not in this thread's session; ask in its own Q&A thread.",
                escaped(&row.talk.title)
            )
        }
        (Some(thread), _) => thread,
        (None, Some(row)) => {
            match store.qa_thread_for(guild, &row.session.id, Some(&row.talk.id))? {
                Some(thread) => thread,
                None => match store.qa_thread_for(guild, &row.session.id, None)? {
                    Some(thread) => thread,
                    None => {
                        user_error!(
                            "Q&A for **{}** is not open yet; a moderator opens it with `/qa open`.",
                            escaped(&row.talk.title)
                        )
                    }
                },
            }
        }
        (None, None) => {
            user_error!("Ask inside a Q&A thread, or name the talk with the `talk` option.")
        }
    };
    if thread.state == QaState::Closed {
        user_error!("Q&A for **{}** is closed.", escaped(&thread.title));
    }
    let talk_id = talk.map(|row| row.talk.id).or(thread.talk_id.clone());
    Ok((thread, talk_id))
}

/// Who asked a question, as shown: a mention (which pings nobody: messages allow no mentions),
/// or for someone who used `/forget-me` (author 0) no one in particular.
fn asker(author: UserId) -> Text {
    if author == UserId(0) {
        "an attendee".into()
    } else {
        Text::user(author)
    }
}

/// A question as its message shows it; the vote button is added by the renderer.
pub fn question_message(store: &Store, question: &Question) -> anyhow::Result<Reply> {
    let mut reply = Reply::new("Question").description(&question.text).field(
        "Asked by",
        asker(question.author_id),
        true,
    );
    if let Some(talk) = &question.talk_id {
        if let Some(row) = store.talk(talk)? {
            reply = reply.field("About", Text::program(&row.talk.title), true);
        }
    }
    Ok(reply
        .footer(if question.answered {
            "✓ Answered".to_string()
        } else {
            "Vote ▲ if you want this answered".to_string()
        })
        .fitted())
}

/// `/qa top`: the unanswered questions by votes, for a moderator, and which they are.
pub fn top(
    store: &Store,
    thread: &QaThread,
    count: usize,
) -> Result<(Reply, Vec<Question>), CommandError> {
    let questions = store.questions_by_votes(thread.id, false, count.clamp(1, MAX_TOP))?;
    let (asked, answered) = store.question_counts(thread.id)?;
    let reply = Reply::new(text!["Top questions · ", Text::program(&thread.title)])
        .footer(format!("{asked} asked, {answered} answered"));
    if questions.is_empty() {
        return Ok((reply.description("No unanswered questions."), questions));
    }
    let fields = questions.iter().enumerate().map(|(i, q)| Field {
        name: format!("{}. ▲ {}", i + 1, votes(q.votes)).into(),
        value: text![truncate(&q.text, QUOTE), " — ", asker(q.author_id)],
        inline: false,
        talks: Vec::new(),
    });
    Ok((
        reply
            .description(
                "Most votes first. Mark a question answered once the speaker has taken it.",
            )
            .fields(fields)
            .fitted(),
        questions,
    ))
}

/// `/qa close`: what the thread got, and the best questions left unanswered.
pub fn summary(store: &Store, thread: &QaThread) -> anyhow::Result<Reply> {
    let (asked, answered) = store.question_counts(thread.id)?;
    let left = store.questions_by_votes(thread.id, false, SUMMARY_TOP)?;
    let mut reply =
        Reply::new(text!["Q&A closed · ", Text::program(&thread.title)]).description(format!(
            "{} asked, {answered} answered. Thank you all!",
            match asked {
                1 => "1 question".to_string(),
                n => format!("{n} questions"),
            }
        ));
    if !left.is_empty() {
        let lines = left.iter().map(|q| {
            text![
                format!("▲ {} · {}", q.votes, truncate(&q.text, QUOTE)),
                " — ",
                asker(q.author_id)
            ]
        });
        reply = reply.field("Top unanswered", Text::join(lines, "\n"), false);
    }
    Ok(reply.fitted())
}

fn votes(n: u32) -> String {
    match n {
        1 => "1 vote".to_string(),
        n => format!("{n} votes"),
    }
}

/// A `/ask`: who asks what, where.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub author: UserId,
    pub question: &'a str,
    pub talk: Option<&'a str>,
}

/// A question recorded and ready to post into its thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub thread: QaThread,
    pub question: Question,
    pub message: Reply,
}

/// `/ask`: records the question in the thread it goes to. It is recorded before it is posted
/// (its id is in the vote button); the caller then reports [`question_posted`] or
/// [`question_not_posted`].
pub fn ask(store: &Store, ask: &Ask<'_>, now: DateTime<Utc>) -> Result<Asked, CommandError> {
    let (thread, talk_id) = ask_target(store, ask.guild, ask.channel, ask.talk)?;
    let id = store.ask_question(thread.id, talk_id.as_ref(), ask.author, ask.question, now)?;
    let question = store.question(id)?.context("a question just asked")?;
    let message = question_message(store, &question)?;
    Ok(Asked {
        thread,
        question,
        message,
    })
}

/// The question's message is in its thread: remember it, and tell the asker where.
pub fn question_posted(
    store: &Store,
    asked: &Asked,
    message: MessageId,
    link: &str,
) -> CommandResult {
    store.question_posted(asked.question.id, message)?;
    Ok(Reply::new("Question posted").description(text![
        "Your question is in ",
        Text::channel(asked.thread.thread_id),
        format!(": {link}")
    ]))
}

/// The question could not be posted: it is dropped, and a deleted thread is forgotten so that a
/// moderator can open a new one.
pub fn question_not_posted(
    store: &Store,
    asked: &Asked,
    thread_deleted: bool,
) -> Result<(), CommandError> {
    store.forget_question(asked.question.id)?;
    if thread_deleted {
        store.qa_thread_gone(asked.thread.thread_id)?;
        user_error!(
            "The Q&A thread of **{}** was deleted. A moderator can open a new one with `/qa open`.",
            escaped(&asked.thread.title)
        );
    }
    Ok(())
}

/// A question whose message is shown again after a vote or an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub question: Question,
    pub message: Reply,
}

/// The question behind a button, if it is still known.
fn pressed(store: &Store, id: i64) -> Result<Question, CommandError> {
    match store.question(id)? {
        Some(question) => Ok(question),
        None => user_error!("This question is no longer known."),
    }
}

/// A vote button: one vote per user, a second click takes it back; only while the Q&A is open.
pub fn vote(store: &Store, id: i64, user: UserId) -> Result<Shown, CommandError> {
    let question = pressed(store, id)?;
    let open = store
        .qa_thread(question.thread)?
        .is_some_and(|t| t.state == QaState::Open);
    if !open {
        user_error!("This Q&A is closed.");
    }
    store.toggle_vote(id, user)?;
    let question = store.question(id)?.context("a question just voted on")?;
    let message = question_message(store, &question)?;
    Ok(Shown { question, message })
}

/// The role that moderates a guild's Q&A besides Manage Threads, if any.
pub fn moderator_role(store: &Store, guild: GuildId) -> anyhow::Result<Option<RoleId>> {
    Ok(store.qa_settings(guild)?.moderator_role)
}

/// What marking a question answered from a `/qa top` list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The question, to show as answered in its thread.
    pub shown: Shown,
    /// Where it is.
    pub thread: ChannelId,
    /// The `/qa top` list again, without it.
    pub top: Reply,
    pub top_questions: Vec<Question>,
}

/// An "answered" button of a `/qa top` list of `count` questions (a moderator's).
pub fn answer(
    store: &Store,
    id: i64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<Answered, CommandError> {
    let question = pressed(store, id)?;
    let thread = store
        .qa_thread(question.thread)?
        .context("a question's thread")?;
    store.mark_answered(id, now)?;
    let question = store.question(id)?.context("a question just answered")?;
    let message = question_message(store, &question)?;
    let (top, top_questions) = top(store, &thread, count)?;
    Ok(Answered {
        shown: Shown { question, message },
        thread: thread.thread_id,
        top,
        top_questions,
    })
}

/// `/qa close`, before Discord: the thread it runs in (if still open) and its summary.
pub fn close(store: &Store, channel: ChannelId) -> Result<(QaThread, Reply), CommandError> {
    let thread = thread_here(store, channel)?;
    if thread.state == QaState::Closed {
        user_error!("This Q&A is already closed.");
    }
    let summary = summary(store, &thread)?;
    Ok((thread, summary))
}

/// `/qa close`, after the summary is posted and the thread archived and locked.
pub fn closed(store: &Store, thread: &QaThread, now: DateTime<Utc>) -> CommandResult {
    store.qa_thread_closed(thread.id, now)?;
    Ok(Reply::new("Q&A closed").description(text![
        "Summary posted; **",
        Text::program(&thread.title),
        "** is archived and locked."
    ]))
}

/// `/setup qa`.
pub fn set_auto_open(store: &Store, guild: GuildId, auto_open: bool) -> CommandResult {
    store.set_qa_auto_open(guild, auto_open)?;
    Ok(Reply::new("Q&A set").description(if auto_open {
        "Announcing a session opens its Q&A thread, started from the announcement."
    } else {
        "Q&A threads open only when a moderator runs `/qa open`."
    }))
}

/// `/setup moderators`.
pub fn set_moderator_role(store: &Store, guild: GuildId, role: Option<RoleId>) -> CommandResult {
    store.set_qa_moderator_role(guild, role)?;
    Ok(Reply::new("Q&A moderators set").description(match role {
        Some(role) => text![
            "Members with ",
            Text::role(role),
            " or the Manage Threads permission moderate Q&A. To let them see `/qa`, allow the role in Server Settings → Integrations → confbot."
        ],
        None => "Members with the Manage Threads permission moderate Q&A.".into(),
    }))
}

/// Sessions whose title contains what was typed, nearest in time first; the value is the id.
pub fn session_choices(
    store: &Store,
    now: DateTime<Utc>,
    partial: &str,
) -> Result<Vec<Choice>, CommandError> {
    let tz = super::conference(store)?.time_zone;
    Ok(store
        .sessions_titled(partial, now, limits::AUTOCOMPLETE_CHOICES)?
        .into_iter()
        .map(|s| {
            let suffix = format!(" · {}", s.start.with_timezone(&tz).format("%a %H:%M"));
            let room = limits::CHOICE_NAME - suffix.chars().count();
            Choice::new(&format!("{}{suffix}", truncate(&s.title, room)), &s.id)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::escaped;
    use crate::testing::{bundled_with, store_of, HOSTILE_TITLE};

    #[test]
    fn sessions_running_at_once_are_named_as_written_not_as_markdown() {
        let store = store_of(&bundled_with(|sessions| {
            let mut parallel = sessions[0].clone();
            parallel.slot.id = "parallel".into();
            parallel.slot.title = HOSTILE_TITLE.into();
            parallel.talks.clear();
            sessions.push(parallel);
        }));
        let session = store.session("parallel").unwrap().unwrap();
        let Err(CommandError::User(error)) = subject(
            &store,
            session.start,
            GuildId(1),
            ChannelId(10),
            Named::default(),
        ) else {
            panic!("several sessions run: a user error")
        };
        let error = error.0.discord();
        assert!(
            error.starts_with("Several sessions are running now"),
            "{error}"
        );
        assert!(error.contains(&escaped(HOSTILE_TITLE)), "{error}");
        assert!(!error.contains(HOSTILE_TITLE), "{error}");
    }

    #[test]
    fn two_moderators_opening_at_once_both_get_the_thread_recorded_first() {
        let store = crate::testing::store();
        let session = store.session("2021-05-04-1100-session").unwrap().unwrap();
        let subject = Subject {
            session,
            talk: None,
        };
        let now = chrono::DateTime::from_timestamp(1_620_150_000, 0).unwrap();
        let opening = |thread| Opened {
            guild: GuildId(1),
            subject: &subject,
            channel: ChannelId(10),
            thread: ChannelId(thread),
        };
        let first = opened(&store, &opening(100), now).unwrap();
        assert_eq!(first.title.discord(), "Q&A open");
        let second = opened(&store, &opening(101), now)
            .unwrap()
            .description
            .discord();
        assert!(second.ends_with("is already open: <#100>"), "{second}");
    }
}
