//! The Q&A domain that both `/qa` (`commands/qa.rs`) and automatic Q&A on announcement
//! (`reminders/qa.rs`) need: what a thread is about, what it is called and says first, and
//! recording a thread once Discord has opened it (one live thread per subject), and the custom
//! ids of the Q&A buttons (they come back from Discord, so their parsing is fuzzed).

use chrono::{DateTime, Utc};

use crate::domain::format::{abstract_text, people, stamp};
use crate::domain::ports::NewThread;
use crate::ids::{ChannelId, GuildId, MessageId, TalkId};
use crate::program::SessionSlot;
use crate::reply::{limits, truncate, truncate_at_word, Field, Reply, Style, Text};
use crate::store::{OpenedThread, QaThread, ScheduledTalk, Store};
use crate::text;

/// How much of an abstract the thread's first message quotes.
const EXCERPT: usize = 300;

/// What a Q&A thread is about: a session, or one of its talks.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub session: SessionSlot,
    pub talk: Option<ScheduledTalk>,
}

impl Subject {
    pub fn title(&self) -> &str {
        match &self.talk {
            Some(row) => &row.talk.title,
            None => &self.session.title,
        }
    }

    pub fn talk_id(&self) -> Option<&TalkId> {
        self.talk.as_ref().map(|row| &row.talk.id)
    }
}

/// The thread for `subject` in `channel_id`, on `message_id` if given.
pub fn new_thread(
    store: &Store,
    subject: &Subject,
    channel_id: ChannelId,
    message_id: Option<MessageId>,
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
        Some(_) => text![
            "Questions for this talk of **",
            Text::program(&subject.session.title),
            "**, ",
            stamp(subject.session.start, Style::DateTime),
            "."
        ],
        None => text![
            "Questions for the talks of this session, ",
            stamp(subject.session.start, Style::DateTime),
            "."
        ],
    }];
    if !moderators.is_empty() {
        description.push(text!["Moderated by ", people(&moderators), "."]);
    }
    description.push(
        "**How to ask:** `/ask` in this thread. Vote ▲ for the questions you want answered (click again to take your vote back); the moderators pick the best for the speakers."
            .into(),
    );
    let fields = talks.iter().map(|row| {
        let mut value = text!["by ", people(&row.talk.speakers)];
        let excerpt = row.talk.abstract_text.trim();
        if !excerpt.is_empty() {
            let excerpt = abstract_text(&truncate(excerpt, EXCERPT)).replace('\n', "\n> ");
            value += format!("\n> {excerpt}");
        }
        Field {
            name: Text::program(&row.talk.title),
            value,
            inline: false,
            talks: Vec::new(),
        }
    });
    Ok(Reply::new(text!["Q&A · ", Text::program(subject.title())])
        .description(Text::join(description, "\n"))
        .fields(fields)
        .fitted())
}

/// Takes the right to open `subject`'s thread on Discord, for one caller at a time: moderators
/// opening the same Q&A at once, or `/qa open` racing an announcement's automatic Q&A, must
/// make one thread, not one each. Released by [`record_opened`] or [`give_up_opening`].
pub fn reserve_opening(
    store: &Store,
    guild: GuildId,
    subject: &Subject,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    store.reserve_qa_opening(guild, &subject.session.id, subject.talk_id(), now)
}

/// Discord did not open the thread: another caller may try.
pub fn give_up_opening(store: &Store, guild: GuildId, subject: &Subject) -> anyhow::Result<()> {
    store.release_qa_opening(guild, &subject.session.id, subject.talk_id())
}

/// A thread Discord has just opened for `subject`.
#[derive(Debug, Clone, Copy)]
pub struct Opened<'a> {
    pub guild: GuildId,
    pub subject: &'a Subject,
    pub channel: ChannelId,
    pub thread: ChannelId,
}

/// What recording an opened thread came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// It is the subject's live thread now.
    Live,
    /// Someone opened the same Q&A at the same moment and recorded theirs first (one live
    /// thread per subject): theirs stands, and is the one to point to.
    Lost(QaThread),
}

/// Records a thread just opened on Discord as its subject's live thread.
pub fn record_opened(
    store: &Store,
    opened: &Opened<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Recorded> {
    let subject = opened.subject;
    let recorded = store.qa_thread_opened(
        &OpenedThread {
            guild: opened.guild,
            session_id: &subject.session.id,
            talk_id: subject.talk_id(),
            title: subject.title(),
            channel: opened.channel,
            thread: opened.thread,
        },
        now,
    );
    match recorded {
        Ok(_) => Ok(Recorded::Live),
        Err(error) => {
            match store.qa_thread_for(opened.guild, &subject.session.id, subject.talk_id())? {
                Some(existing) => Ok(Recorded::Lost(existing)),
                None => Err(error),
            }
        }
    }
}

/// A press of one of the Q&A buttons, by custom id: `qa:vote:<question>` or
/// `qa:answered:<question>:<count>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    Vote(i64),
    /// The question, and how many questions the `/qa top` it came from lists.
    Answered(i64, usize),
}

impl Press {
    pub fn custom_id(self) -> String {
        match self {
            Press::Vote(question) => format!("qa:vote:{question}"),
            Press::Answered(question, count) => format!("qa:answered:{question}:{count}"),
        }
    }

    /// The press of a custom id, or `None` if it is not a well-formed Q&A button's.
    pub fn parse(custom_id: &str) -> Option<Press> {
        let mut parts = custom_id.strip_prefix("qa:")?.split(':');
        let press = match (parts.next()?, parts.next()?.parse().ok()?) {
            ("vote", id) => Press::Vote(id),
            ("answered", id) => Press::Answered(id, parts.next()?.parse().ok()?),
            _ => return None,
        };
        parts.next().is_none().then_some(press)
    }
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
    fn only_well_formed_qa_button_ids_are_ours() {
        assert_eq!(Press::parse("qa:vote:12"), Some(Press::Vote(12)));
        assert_eq!(
            Press::parse("qa:answered:12:5"),
            Some(Press::Answered(12, 5))
        );
        for press in [Press::Vote(-3), Press::Answered(i64::MAX, usize::MAX)] {
            assert_eq!(Press::parse(&press.custom_id()), Some(press));
        }
        for other in [
            "123:next",
            "qa:vote",
            "qa:vote:x",
            "qa:vote:1:2",
            "qa:answered:1",
            "qa:pin:1",
        ] {
            assert_eq!(Press::parse(other), None, "{other}");
        }
    }
}
