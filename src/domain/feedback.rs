//! Feedback's controls: the "How was it?" prompt (posted when a talk ends, and answered to
//! `/feedback talk`), the custom ids of its buttons and of the comment modal, which the router
//! in `discord/gateway.rs` reads back whenever they are pressed (the prompt outlives restarts
//! and reloads, like the agenda's buttons), and the one rule for a comment.

use crate::domain::format::{people, span};
use crate::ids::TalkId;
use crate::reply::{Reply, Text};
use crate::store::{Rating, ScheduledTalk};
use crate::text;

/// The longest comment the modal takes (Discord's text input allows up to 4,000).
pub const COMMENT_MAX: usize = 1000;

const PREFIX: &str = "feedback:";

/// A press of a feedback control, or the comment modal's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// One of the 1–5 buttons.
    Rate(TalkId, Rating),
    /// "Comment": opens the modal.
    Comment(TalkId),
    /// The modal, submitted.
    Written(TalkId),
}

impl Press {
    /// The custom id; program ids are at most `program::MAX_ID_LEN` (80) characters, so it
    /// stays within Discord's 100.
    pub fn custom_id(&self) -> String {
        match self {
            Press::Rate(talk, rating) => format!("{PREFIX}rate:{rating}:{talk}"),
            Press::Comment(talk) => format!("{PREFIX}comment:{talk}"),
            Press::Written(talk) => format!("{PREFIX}modal:{talk}"),
        }
    }

    /// The press of a custom id, or `None` if it is not feedback's.
    pub fn parse(custom_id: &str) -> Option<Press> {
        let rest = custom_id.strip_prefix(PREFIX)?;
        let (kind, rest) = rest.split_once(':')?;
        let talk = |id: &str| (!id.is_empty()).then(|| TalkId::from(id));
        match kind {
            "rate" => {
                let (rating, id) = rest.split_once(':')?;
                let rating = Rating::new(rating.parse().ok()?)?;
                Some(Press::Rate(talk(id)?, rating))
            }
            "comment" => Some(Press::Comment(talk(rest)?)),
            "modal" => Some(Press::Written(talk(rest)?)),
            _ => None,
        }
    }
}

/// The prompt: the talk, and its 1–5 buttons and "Comment".
pub fn prompt(row: &ScheduledTalk, tz: chrono_tz::Tz) -> Reply {
    let t = &row.talk;
    let mut reply = Reply::new(text!["How was it? ", Text::program(&t.title)]).description(text![
        span(t.start, t.end, tz),
        if t.speakers.is_empty() {
            Text::from("")
        } else {
            text![" · ", people(&t.speakers)]
        },
        "\nRate it from 1 (poor) to 5 (excellent); click again to change your rating. ",
        "Comments reach the organisers and speakers without your name."
    ]);
    for rating in Rating::all() {
        reply = reply.action(
            rating.to_string(),
            Press::Rate(t.id.clone(), rating).custom_id(),
        );
    }
    reply.action("Comment", Press::Comment(t.id.clone()).custom_id())
}

/// A comment as it will be stored: trimmed, not empty, at most [`COMMENT_MAX`] characters
/// (Discord enforces the maximum in the modal; this holds whatever arrives).
pub fn comment(text: &str) -> Result<&str, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Err("The comment was empty: nothing was stored.")
    } else if text.chars().count() > COMMENT_MAX {
        Err("A comment can be at most 1,000 characters: nothing was stored.")
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_read_back_and_stay_within_discords_limit() {
        let long = TalkId::from("t".repeat(crate::program::MAX_ID_LEN).as_str());
        for press in [
            Press::Rate(long.clone(), Rating::new(5).unwrap()),
            Press::Comment(long.clone()),
            Press::Written(long),
            Press::Rate("a:b".into(), Rating::new(1).unwrap()),
        ] {
            let id = press.custom_id();
            assert!(id.chars().count() <= 100, "{id}");
            assert_eq!(Press::parse(&id), Some(press));
        }
        for other in [
            "feedback:rate:6:t",
            "feedback:rate:0:t",
            "feedback:rate:3:",
            "feedback:comment:",
            "feedback:vote:t",
            "agenda:remind:t",
        ] {
            assert_eq!(Press::parse(other), None, "{other}");
        }
    }

    #[test]
    fn a_comment_is_trimmed_and_neither_empty_nor_too_long() {
        assert_eq!(comment("  good talk \n"), Ok("good talk"));
        assert!(comment(" \n ").is_err());
        assert!(comment(&"é".repeat(COMMENT_MAX)).is_ok());
        assert!(comment(&"é".repeat(COMMENT_MAX + 1)).is_err());
    }
}
