//! Autocomplete for `/talk` and `/speaker`: at most 25 choices of at most 100 characters,
//! fast enough to answer every keystroke.

use chrono::{DateTime, Utc};

use super::conference;
use crate::error::CommandError;
use crate::reply::{limits, truncate, Choice};
use crate::store::Store;

/// Talks whose title or speakers start with the words typed; the value is the talk id.
pub fn talk_choices(
    store: &Store,
    now: DateTime<Utc>,
    partial: &str,
) -> Result<Vec<Choice>, CommandError> {
    let tz = conference(store)?.time_zone;
    let choices = store.talk_choices(partial, now, limits::AUTOCOMPLETE_CHOICES)?;
    Ok(choices
        .into_iter()
        .map(|c| {
            let when = c.start.with_timezone(&tz).format("%a %H:%M");
            let suffix = match &c.first_speaker {
                Some(speaker) => format!(" — {speaker} · {when}"),
                None => format!(" · {when}"),
            };
            let room = limits::CHOICE_NAME
                .saturating_sub(suffix.chars().count())
                .max(20);
            Choice::new(&format!("{}{suffix}", truncate(&c.title, room)), &c.id)
        })
        .collect())
}

/// People whose names start with the words typed; the value is the name.
pub fn speaker_choices(store: &Store, partial: &str) -> Result<Vec<Choice>, CommandError> {
    let people = store.people_named(partial, limits::AUTOCOMPLETE_CHOICES)?;
    Ok(people
        .into_iter()
        .map(|p| {
            let label = match p.talks {
                0 => format!("{} (moderator)", p.name),
                1 => format!("{} (1 talk)", p.name),
                n => format!("{} ({n} talks)", p.name),
            };
            Choice::new(&label, &p.name)
        })
        .collect())
}
