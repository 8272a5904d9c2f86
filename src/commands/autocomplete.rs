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

/// People whose names start with the words typed (before anything is typed, the speakers of
/// the next talks); the value is the name.
pub fn speaker_choices(
    store: &Store,
    now: DateTime<Utc>,
    partial: &str,
) -> Result<Vec<Choice>, CommandError> {
    let people = match partial.trim() {
        "" => store.next_speakers(now, limits::AUTOCOMPLETE_CHOICES)?,
        partial => store.people_named(partial, limits::AUTOCOMPLETE_CHOICES)?,
    };
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

/// Tracks and rooms containing what was typed; the value is the name.
pub fn track_choices(store: &Store, partial: &str) -> Result<Vec<Choice>, CommandError> {
    let partial = partial.trim().to_lowercase();
    Ok(store
        .tracks_and_rooms()?
        .into_iter()
        .filter(|t| t.to_lowercase().contains(&partial))
        .take(limits::AUTOCOMPLETE_CHOICES)
        .map(|t| Choice::new(&t, &t))
        .collect())
}

/// The conference days matching what was typed (`tue`, `4 may`, `2021-05-04`); the value is
/// the ISO date.
pub fn day_choices(store: &Store, partial: &str) -> Result<Vec<Choice>, CommandError> {
    let tz = conference(store)?.time_zone;
    let partial = partial.trim().to_lowercase();
    Ok(super::conference_days(store, tz)?
        .into_iter()
        .map(|day| {
            (
                day.format("%A %-d %B %Y").to_string(),
                day.format("%Y-%m-%d").to_string(),
            )
        })
        .filter(|(name, value)| {
            name.to_lowercase().contains(&partial) || value.starts_with(&partial)
        })
        .take(limits::AUTOCOMPLETE_CHOICES)
        .map(|(name, value)| Choice::new(&name, &value))
        .collect())
}
