//! On stage now: what a room's voice channel status (or its live stage's topic) says at `now`
//! ([`says`]), and the one decision of what to send ([`step`]) so that each text is set once,
//! a status an organiser set is left alone, and a restart or a reload only sets what changed.
//!
//! What confbot set last is remembered (`store::StageRoom::last_set`); what the channel shows
//! is what the gateway last told ([`Shown`]). A channel showing something other than confbot's
//! last text has an organiser's: confbot leaves it until the talk on stage changes, and never
//! clears it when the session ends. Outside a room's sessions confbot sets nothing.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::ports::Shown;
use crate::program::{Person, SessionSlot};
use crate::reply::{limits, plain};
use crate::store::Store;

/// What to do with one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing to send or remember.
    Leave,
    /// Send this status (`None`: clear it), and remember it once Discord took it.
    Send(Option<String>),
    /// Only remember this as confbot's (`None`: nothing of confbot's is shown any more).
    Record(Option<String>),
}

/// The room's text at `now` while `session` runs in it: the talk on stage and its speakers; in
/// a gap between talks, what comes next and when (in the conference's time); else the
/// session's title. Plain, one line, within `max` characters.
pub fn says(
    store: &Store,
    session: &SessionSlot,
    now: DateTime<Utc>,
    tz: Tz,
    max: usize,
) -> anyhow::Result<String> {
    let (current, next) = store.current_and_next_talk(&session.id, now)?;
    let line = match (current, next) {
        (Some(on), _) => format!("On stage: {}", talk(&on.talk.title, &on.talk.speakers)),
        (None, Some(next)) => format!(
            "Next at {}: {}",
            next.talk.start.with_timezone(&tz).format("%H:%M"),
            talk(&next.talk.title, &next.talk.speakers)
        ),
        (None, None) => format!("Now: {}", session.title),
    };
    Ok(plain(&line, max))
}

fn talk(title: &str, speakers: &[Person]) -> String {
    const SHOWN: usize = 4;
    let names: Vec<&str> = speakers
        .iter()
        .take(SHOWN)
        .map(|p| p.name.as_str())
        .collect();
    match speakers.len() {
        0 => title.to_owned(),
        n if n > SHOWN => format!("{title} — {} and {} more", names.join(", "), n - SHOWN),
        _ => format!("{title} — {}", names.join(", ")),
    }
}

/// Discord's limit for the room's text: a stage's topic, or a voice channel's status.
pub fn limit(stage: bool) -> usize {
    if stage {
        limits::STAGE_TOPIC
    } else {
        limits::VOICE_STATUS
    }
}

/// What to do with a channel that should say `wanted` (`None`: no session runs there), shows
/// `shown`, and last got `last_set` from confbot. A stage's topic is never cleared (a live
/// stage always has one; ending it is the AV team's).
pub fn step(wanted: Option<&str>, shown: &Shown, last_set: Option<&str>, stage: bool) -> Step {
    let shown = match shown {
        // Before the gateway told what the channel shows, nothing is decided.
        Shown::Unknown => return Step::Leave,
        // No live stage, no topic: the next stage gets the text afresh.
        Shown::NotLive if last_set.is_some() => return Step::Record(None),
        Shown::NotLive => return Step::Leave,
        Shown::Text(shown) => shown.as_deref(),
    };
    let remember = |text: Option<&str>| match last_set == text {
        true => Step::Leave,
        false => Step::Record(text.map(str::to_owned)),
    };
    match wanted {
        Some(wanted) if shown == Some(wanted) => remember(Some(wanted)),
        // confbot set this, and someone replaced it: theirs stays until the next change.
        Some(wanted) if last_set == Some(wanted) => Step::Leave,
        Some(wanted) => Step::Send(Some(wanted.to_owned())),
        None if last_set.is_none() => Step::Leave,
        None if shown == last_set && !stage => Step::Send(None),
        None => Step::Record(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{import_str, ImportOptions};
    use crate::testing::store_of;

    fn text(s: &str) -> Shown {
        Shown::Text(Some(s.to_owned()))
    }

    #[test]
    fn a_text_is_sent_once_and_an_organisers_status_is_neither_overwritten_nor_cleared() {
        let send = |s: &str| Step::Send(Some(s.to_owned()));
        assert_eq!(step(Some("A"), &Shown::Text(None), None, false), send("A"));
        assert_eq!(step(Some("A"), &text("A"), Some("A"), false), Step::Leave);
        assert_eq!(
            step(Some("A"), &text("A"), None, false),
            Step::Record(Some("A".into())),
            "after a restart that lost the record, what shows is adopted, not sent again"
        );
        assert_eq!(step(Some("B"), &text("A"), Some("A"), false), send("B"));
        assert_eq!(
            step(Some("A"), &text("Sound check"), Some("A"), false),
            Step::Leave,
            "an organiser replaced confbot's: it stays until the talk changes"
        );
        assert_eq!(step(None, &text("A"), Some("A"), false), Step::Send(None));
        assert_eq!(
            step(None, &text("Lunch!"), Some("A"), false),
            Step::Record(None),
            "an organiser's status at the session's end is not cleared"
        );
        assert_eq!(step(None, &text("Lunch!"), None, false), Step::Leave);
        assert_eq!(step(Some("A"), &Shown::Unknown, None, false), Step::Leave);
    }

    #[test]
    fn a_stage_gets_the_text_only_while_live_and_its_topic_is_never_cleared() {
        assert_eq!(step(Some("A"), &Shown::NotLive, None, true), Step::Leave);
        assert_eq!(
            step(Some("A"), &Shown::NotLive, Some("A"), true),
            Step::Record(None)
        );
        assert_eq!(
            step(Some("A"), &text("Welcome"), None, true),
            Step::Send(Some("A".into()))
        );
        assert_eq!(step(None, &text("A"), Some("A"), true), Step::Record(None));
    }

    #[test]
    fn the_text_names_the_talk_on_stage_then_what_comes_next_in_a_gap() {
        let program = import_str(
            "room.json",
            r#"{"conference": {"name": "C", "time_zone": "Europe/Berlin"}, "sessions": [
            {"id": "s", "title": "Orals", "room": "Hall A",
             "start": "2026-06-01 10:00", "end": "2026-06-01 11:00",
             "talks": [
               {"id": "t1", "title": "<@1> **First**", "start": "2026-06-01 10:00",
                "end": "2026-06-01 10:20", "speakers": ["Ada", "Grace"]},
               {"id": "t2", "title": "Second", "start": "2026-06-01 10:30",
                "end": "2026-06-01 10:50", "speakers": []}]}]}"#,
            &ImportOptions::default(),
        )
        .unwrap()
        .program;
        let store = store_of(&program);
        let session = store.session("s").unwrap().unwrap();
        let tz = chrono_tz::Europe::Berlin;
        let says = |t: &str| says(&store, &session, t.parse().unwrap(), tz, 500).unwrap();
        assert_eq!(
            says("2026-06-01T08:05:00Z"),
            "On stage: ‹@1> **First** — Ada, Grace"
        );
        assert_eq!(says("2026-06-01T08:25:00Z"), "Next at 10:30: Second");
        assert_eq!(says("2026-06-01T08:55:00Z"), "Now: Orals");
    }
}
