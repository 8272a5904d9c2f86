//! The rules of a personal agenda that the commands (`commands::agenda`), the DM tick
//! (`jobs::reminders`) and announcements (their "Remind me" button) share: how many minutes
//! before a talk a reminder may come, when it is due (the store's `due_bookmarks` asks SQLite
//! the same question in SQL), and the stable custom ids of the agenda's buttons and menus.

use crate::ids::{SessionId, TalkId};
use chrono::{DateTime, TimeDelta, Utc};

/// Minutes before a talk that its reminder comes, unless the user says otherwise.
pub const DEFAULT_MINUTES: u32 = 10;
/// The most minutes `/remind` accepts.
pub const MAX_MINUTES: u32 = 120;

/// When the reminder for a talk at `start` comes, if it was set at `set_at` with `minutes`:
/// never before it was set, so a talk bookmarked at the last minute is reminded at once.
pub fn due_at(start: DateTime<Utc>, minutes: u32, set_at: DateTime<Utc>) -> DateTime<Utc> {
    (start - TimeDelta::minutes(minutes.into())).max(set_at)
}

/// A press of one of the agenda's buttons or menus, by custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// "Remind me" on a talk: add it to the presser's own agenda.
    Remind(TalkId),
    /// The `/agenda` menu of talks to remove.
    Remove,
    /// Pause all my reminders.
    Pause,
    /// Resume them.
    Resume,
    /// The agenda as an `.ics` file.
    Calendar,
    /// `/forget-me`'s confirmation.
    Forget,
    /// The "Remind me about…" menu of a list of talks: add the picked ones.
    Pick,
    /// "Remind me" on a session's announcement: add its talks.
    RemindSession(SessionId),
}

const PREFIX: &str = "agenda:";

impl Action {
    pub fn custom_id(&self) -> String {
        match self {
            Action::Remind(talk) => format!("{PREFIX}remind:{talk}"),
            Action::Remove => format!("{PREFIX}remove"),
            Action::Pause => format!("{PREFIX}pause"),
            Action::Resume => format!("{PREFIX}resume"),
            Action::Calendar => format!("{PREFIX}ics"),
            Action::Forget => format!("{PREFIX}forget"),
            Action::Pick => format!("{PREFIX}pick"),
            Action::RemindSession(session) => format!("{PREFIX}session:{session}"),
        }
    }

    /// The action of a custom id, or `None` if it is not one of the agenda's.
    pub fn parse(custom_id: &str) -> Option<Action> {
        let rest = custom_id.strip_prefix(PREFIX)?;
        match rest {
            "remove" => Some(Action::Remove),
            "pause" => Some(Action::Pause),
            "resume" => Some(Action::Resume),
            "ics" => Some(Action::Calendar),
            "forget" => Some(Action::Forget),
            "pick" => Some(Action::Pick),
            _ => {
                let (kind, id) = rest.split_once(':')?;
                let id = (!id.is_empty()).then_some(id)?;
                match kind {
                    "remind" => Some(Action::Remind(id.into())),
                    "session" => Some(Action::RemindSession(id.into())),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_others_are_not_ours() {
        for action in [
            Action::Remind("t-1:x".into()),
            Action::Remove,
            Action::Pause,
            Action::Resume,
            Action::Calendar,
            Action::Forget,
            Action::Pick,
            Action::RemindSession("orals-1".into()),
        ] {
            assert_eq!(Action::parse(&action.custom_id()), Some(action));
        }
        for other in [
            "qa:vote:1",
            "agenda:",
            "agenda:remind:",
            "agenda:pin",
            "123:next",
        ] {
            assert_eq!(Action::parse(other), None, "{other}");
        }
    }
}
