//! The core of Q&A, without Discord: which session or talk a `/qa open` means, what its thread
//! is called and says first, where a question goes, and what `/qa top` and `/qa close` show.
//! Opening a thread and posting happen on Discord (`discord/qa.rs`, `reminders/qa.rs`); these
//! functions decide and record.
//!
//! Authors are shown as `<@id>` mentions, which Discord renders as names; every message built
//! from these sets no allowed mentions, so nobody is pinged.

use chrono::{DateTime, Utc};

use super::format::{people, stamp};
use super::CommandResult;
use crate::error::{user_error, CommandError};
use crate::reminders::NewThread;
use crate::reply::{limits, truncate, truncate_at_word, Choice, Field, Reply};
use crate::store::{QaState, QaThread, Question, SessionInfo, Store, TalkRow};

/// How much of an abstract the thread's first message quotes.
const EXCERPT: usize = 300;
/// How much of a question `/qa top` and the summary quote.
const QUOTE: usize = 200;
/// Questions listed by `/qa top` by default, and at most.
pub const DEFAULT_TOP: usize = 5;
pub const MAX_TOP: usize = 10;
/// Unanswered questions listed in the closing summary.
const SUMMARY_TOP: usize = 3;

/// What a Q&A thread is about: a session, or one of its talks.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub session: SessionInfo,
    pub talk: Option<TalkRow>,
}

impl Subject {
    pub fn title(&self) -> &str {
        match &self.talk {
            Some(row) => &row.talk.title,
            None => &self.session.title,
        }
    }

    pub fn talk_id(&self) -> Option<&str> {
        self.talk.as_ref().map(|row| row.talk.id.as_str())
    }
}

/// The session or talk a `/qa open` names; with neither, the session running now whose
/// announcements go to `here` (or any running session if the guild routes nothing anywhere).
pub fn subject(
    store: &Store,
    now: DateTime<Utc>,
    guild: u64,
    here: u64,
    session: Option<&str>,
    talk: Option<&str>,
) -> Result<Subject, CommandError> {
    match (given(session), given(talk)) {
        (Some(_), Some(_)) => user_error("Name a session or a talk, not both."),
        (None, Some(talk)) => {
            let Some(row) = store.talk(talk)? else {
                return user_error(format!(
                    "No talk with id `{}`; pick one of the suggestions.",
                    truncate(talk, 100)
                ));
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
                None => user_error(format!(
                    "No session matches `{}`; pick one of the suggestions.",
                    truncate(session, 100)
                )),
            }
        }
        (None, None) => {
            let settings = store.guild_settings(guild)?;
            let routes_anywhere = !settings.channels().is_empty();
            let mut running: Vec<SessionInfo> = store
                .sessions_running_at(now)?
                .into_iter()
                .filter(|s| {
                    !routes_anywhere
                        || settings.channel_for(s.track.as_deref(), s.room.as_deref()) == Some(here)
                })
                .collect();
            match running.len() {
                0 => user_error(
                    "No session announced in this channel is running now. Name one with the `session` option.",
                ),
                1 => Ok(Subject {
                    session: running.remove(0),
                    talk: None,
                }),
                _ => user_error(format!(
                    "Several sessions are running now ({}). Name one with the `session` option.",
                    running
                        .iter()
                        .map(|s| s.title.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
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
    /// Open this thread.
    New(NewThread),
}

/// The live thread of `subject`, or the thread to open: in the session's announcement channel,
/// started from its latest announcement when there is one (a session's only: a message holds
/// one thread); otherwise in the session's routed channel, or `here`.
pub fn plan_open(
    store: &Store,
    guild: u64,
    subject: &Subject,
    here: u64,
) -> Result<Open, CommandError> {
    if let Some(thread) = store.qa_thread_for(guild, &subject.session.id, subject.talk_id())? {
        return Ok(Open::Existing(thread));
    }
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
    Ok(Open::New(new_thread(
        store, subject, channel_id, message_id,
    )?))
}

/// The thread for `subject` in `channel_id`, on `message_id` if given.
pub fn new_thread(
    store: &Store,
    subject: &Subject,
    channel_id: u64,
    message_id: Option<u64>,
) -> anyhow::Result<NewThread> {
    Ok(NewThread {
        channel_id,
        message_id,
        name: thread_name(subject.title()),
        intro: intro(store, subject)?,
    })
}

/// `Q&A · <title>`, cut at a word within Discord's 100 characters for a channel name.
pub fn thread_name(title: &str) -> String {
    let title: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate_at_word(&format!("Q&A · {title}"), limits::CHANNEL_NAME)
}

/// The thread's first message: the talk(s), speakers, the session's moderators, an abstract
/// excerpt and how to ask.
pub fn intro(store: &Store, subject: &Subject) -> anyhow::Result<Reply> {
    let talks = match &subject.talk {
        Some(row) => vec![row.clone()],
        None => store.talks_of_session(&subject.session.id)?,
    };
    let moderators = store.moderators(&subject.session.id)?;
    let mut description = vec![match &subject.talk {
        Some(_) => format!(
            "Questions for this talk of **{}**, {}.",
            subject.session.title,
            stamp(subject.session.start, 'f')
        ),
        None => format!(
            "Questions for the talks of this session, {}.",
            stamp(subject.session.start, 'f')
        ),
    }];
    if !moderators.is_empty() {
        description.push(format!("Moderated by {}.", people(&moderators)));
    }
    description.push(
        "**How to ask:** `/ask` in this thread. Vote ▲ for the questions you want answered (click again to take your vote back); the moderators pick the best for the speakers."
            .to_string(),
    );
    let fields = talks.iter().map(|row| {
        let mut value = format!("by {}", people(&row.talk.speakers));
        let excerpt = row.talk.abstract_text.trim();
        if !excerpt.is_empty() {
            value.push_str(&format!("\n> {}", truncate(excerpt, EXCERPT)));
        }
        Field {
            name: row.talk.title.clone(),
            value,
            inline: false,
        }
    });
    Ok(Reply::new(format!("Q&A · {}", subject.title()))
        .description(description.join("\n"))
        .fields(fields)
        .fitted())
}

/// Records a thread just opened for `subject` and says where it is.
pub fn opened(
    store: &Store,
    guild: u64,
    subject: &Subject,
    channel_id: u64,
    thread_id: u64,
    now: DateTime<Utc>,
) -> CommandResult {
    let recorded = store.qa_thread_opened(
        guild,
        &subject.session.id,
        subject.talk_id(),
        subject.title(),
        channel_id,
        thread_id,
        now,
    );
    if let Err(error) = recorded {
        // Someone opened the same Q&A at the same moment and recorded theirs first (one live
        // thread per subject): theirs stands, and is the one to point to.
        return match store.qa_thread_for(guild, &subject.session.id, subject.talk_id())? {
            Some(existing) => Ok(already_open(&existing)),
            None => Err(error.into()),
        };
    }
    Ok(Reply::new("Q&A open")
        .description(format!("Q&A for **{}**: <#{thread_id}>", subject.title())))
}

/// The answer to opening a subject that already has a thread.
pub fn already_open(thread: &QaThread) -> Reply {
    let state = match thread.state {
        QaState::Open => "is already open",
        QaState::Closed => "was closed",
    };
    Reply::new("Q&A").description(format!(
        "Q&A for **{}** {state}: <#{}>",
        thread.title, thread.thread_id
    ))
}

/// The Q&A thread a command runs in, open or not.
pub fn thread_here(store: &Store, channel: u64) -> Result<QaThread, CommandError> {
    match store.qa_thread_by_discord_id(channel)? {
        Some(thread) => Ok(thread),
        None => user_error("Run this inside a Q&A thread (`/qa open` opens one)."),
    }
}

/// Where a question goes: the Q&A thread it is asked in, or the thread of the talk it names
/// (the talk's own, else its session's); and the talk it is about, if known.
pub fn ask_target(
    store: &Store,
    guild: u64,
    channel: u64,
    talk: Option<&str>,
) -> Result<(QaThread, Option<String>), CommandError> {
    let talk = match given(talk) {
        Some(id) => match store.talk(id)? {
            Some(row) => Some(row),
            None => {
                return user_error(format!(
                    "No talk with id `{}`; pick one of the suggestions.",
                    truncate(id, 100)
                ))
            }
        },
        None => None,
    };
    let thread = match (store.qa_thread_by_discord_id(channel)?, &talk) {
        (Some(thread), Some(row)) if thread.session_id != row.session.id => {
            return user_error(format!(
                "**{}** is not in this thread's session; ask in its own Q&A thread.",
                row.talk.title
            ))
        }
        (Some(thread), _) => thread,
        (None, Some(row)) => {
            match store.qa_thread_for(guild, &row.session.id, Some(&row.talk.id))? {
                Some(thread) => thread,
                None => match store.qa_thread_for(guild, &row.session.id, None)? {
                    Some(thread) => thread,
                    None => {
                        return user_error(format!(
                            "Q&A for **{}** is not open yet; a moderator opens it with `/qa open`.",
                            row.talk.title
                        ))
                    }
                },
            }
        }
        (None, None) => {
            return user_error("Ask inside a Q&A thread, or name the talk with the `talk` option.")
        }
    };
    if thread.state == QaState::Closed {
        return user_error(format!("Q&A for **{}** is closed.", thread.title));
    }
    let talk_id = talk.map(|row| row.talk.id).or(thread.talk_id.clone());
    Ok((thread, talk_id))
}

/// A question as its message shows it; the vote button is added by the renderer.
pub fn question_message(store: &Store, question: &Question) -> anyhow::Result<Reply> {
    let mut reply = Reply::new("Question").description(&question.text).field(
        "Asked by",
        format!("<@{}>", question.author_id),
        true,
    );
    if let Some(talk) = &question.talk_id {
        if let Some(row) = store.talk(talk)? {
            reply = reply.field("About", row.talk.title, true);
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
    let reply = Reply::new(format!("Top questions · {}", thread.title))
        .footer(format!("{asked} asked, {answered} answered"));
    if questions.is_empty() {
        return Ok((reply.description("No unanswered questions."), questions));
    }
    let fields = questions.iter().enumerate().map(|(i, q)| Field {
        name: format!("{}. ▲ {}", i + 1, votes(q.votes)),
        value: format!("{} — <@{}>", truncate(&q.text, QUOTE), q.author_id),
        inline: false,
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
    let mut reply = Reply::new(format!("Q&A closed · {}", thread.title)).description(format!(
        "{} asked, {answered} answered. Thank you all!",
        match asked {
            1 => "1 question".to_string(),
            n => format!("{n} questions"),
        }
    ));
    if !left.is_empty() {
        let lines: Vec<String> = left
            .iter()
            .map(|q| {
                format!(
                    "▲ {} · {} — <@{}>",
                    q.votes,
                    truncate(&q.text, QUOTE),
                    q.author_id
                )
            })
            .collect();
        reply = reply.field("Top unanswered", lines.join("\n"), false);
    }
    Ok(reply.fitted())
}

fn votes(n: u32) -> String {
    match n {
        1 => "1 vote".to_string(),
        n => format!("{n} votes"),
    }
}

/// `/setup qa`.
pub fn set_auto_open(store: &Store, guild: u64, auto_open: bool) -> CommandResult {
    store.set_qa_auto_open(guild, auto_open)?;
    Ok(Reply::new("Q&A set").description(if auto_open {
        "Announcing a session opens its Q&A thread, started from the announcement."
    } else {
        "Q&A threads open only when a moderator runs `/qa open`."
    }))
}

/// `/setup moderators`.
pub fn set_moderator_role(store: &Store, guild: u64, role: Option<u64>) -> CommandResult {
    store.set_qa_moderator_role(guild, role)?;
    Ok(Reply::new("Q&A moderators set").description(match role {
        Some(role) => format!(
            "Members with <@&{role}> or the Manage Threads permission moderate Q&A. To let them see `/qa`, allow the role in Server Settings → Integrations → confbot."
        ),
        None => "Members with the Manage Threads permission moderate Q&A.".to_string(),
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

    #[test]
    fn a_long_title_makes_a_thread_name_cut_at_a_word_within_100_characters() {
        let title = "Towards a Unified Theory of Everything in Representation Learning: Hopfield Networks, Restricted Boltzmann Machines and Beyond";
        let name = thread_name(title);
        assert!(name.chars().count() <= limits::CHANNEL_NAME, "{name}");
        assert!(name.starts_with("Q&A · Towards a Unified"));
        assert!(name.ends_with('…'));
        let kept = name.trim_start_matches("Q&A · ").trim_end_matches('…');
        assert!(title.starts_with(kept));
        assert_eq!(
            title[kept.len()..].chars().next(),
            Some(' '),
            "cut before a space, not inside a word: {name}"
        );
        assert_eq!(thread_name("Orals\n 1"), "Q&A · Orals 1");
    }

    #[test]
    fn two_moderators_opening_at_once_both_get_the_thread_recorded_first() {
        let store = Store::open_in_memory().unwrap();
        let program =
            crate::program::import_str("b", crate::DEFAULT_PROGRAM, &Default::default()).unwrap();
        store.replace_program(&program.program).unwrap();
        let session = store.session("2021-05-04-1100-session").unwrap().unwrap();
        let subject = Subject {
            session,
            talk: None,
        };
        let now = chrono::DateTime::from_timestamp(1_620_150_000, 0).unwrap();
        let first = opened(&store, 1, &subject, 10, 100, now).unwrap();
        assert_eq!(first.title, "Q&A open");
        let second = opened(&store, 1, &subject, 10, 101, now).unwrap();
        assert!(
            second.description.ends_with("is already open: <#100>"),
            "{}",
            second.description
        );
    }
}
