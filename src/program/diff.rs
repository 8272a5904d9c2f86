//! What changed between two programs, by stable id: added, removed (cancelled), moved (time or
//! room), retitled, or otherwise edited. `confbot import --dry-run` and `/program reload` show
//! it; the store records the material part (moves and cancellations of sessions) so the bot
//! can announce them.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::time::local_clock;
use super::{Link, Program, Session, Talk};

/// Sessions and talks are diffed alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Session,
    Talk,
}

/// Where and when an item is, as far as a change matters to attendees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The room (a talk's is its session's).
    pub room: Option<String>,
    pub track: Option<String>,
    /// A talk's recording that attendees may see (none when it is do-not-record).
    pub recording: Option<Link>,
}

/// One item that differs: `before` is `None` if it was added, `after` if it was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    pub item: Item,
    pub id: String,
    pub before: Option<Slot>,
    pub after: Option<Slot>,
}

impl ItemChange {
    pub fn is_added(&self) -> bool {
        self.before.is_none()
    }

    pub fn is_removed(&self) -> bool {
        self.after.is_none()
    }

    /// Its start or room changed.
    pub fn is_moved(&self) -> bool {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => b.start != a.start || b.room != a.room,
            _ => false,
        }
    }

    /// A talk's recording appeared (or was replaced by another).
    pub fn recording_published(&self) -> Option<&Link> {
        let after = self.after.as_ref()?.recording.as_ref()?;
        let before = self.before.as_ref().and_then(|b| b.recording.as_ref());
        (before != Some(after)).then_some(after)
    }

    pub fn is_retitled(&self) -> bool {
        matches!((&self.before, &self.after), (Some(b), Some(a)) if b.title != a.title)
    }

    /// A move or a cancellation of a session: what attendees must be told.
    pub fn is_material(&self) -> bool {
        self.item == Item::Session && (self.is_removed() || self.is_moved())
    }

    /// One line for people, times in the conference zone.
    pub fn describe(&self, tz: Tz) -> String {
        let what = match self.item {
            Item::Session => "session",
            Item::Talk => "talk",
        };
        let when = |slot: &Slot| {
            let day = slot.start.with_timezone(&tz).format("%a %-d %b");
            format!("{day} {}", local_clock(slot.start, tz))
        };
        match (&self.before, &self.after) {
            (None, Some(a)) => format!("Added {what} “{}”, {}", a.title, when(a)),
            (Some(b), None) => format!("Cancelled {what} “{}” (was {})", b.title, when(b)),
            (Some(b), Some(a)) => {
                let mut parts = Vec::new();
                if b.start != a.start {
                    parts.push(format!("now {} (was {})", when(a), when(b)));
                }
                if b.room != a.room {
                    let room = |r: &Option<String>| r.clone().unwrap_or_else(|| "no room".into());
                    parts.push(format!("now in {} (was {})", room(&a.room), room(&b.room)));
                }
                if b.title != a.title {
                    parts.push(format!("retitled from “{}”", b.title));
                }
                if self.recording_published().is_some() {
                    parts.push("its recording is published".into());
                }
                if parts.is_empty() {
                    parts.push("details edited".into());
                }
                let verb = if self.is_moved() { "Moved" } else { "Changed" };
                format!("{verb} {what} “{}”: {}", a.title, parts.join(", "))
            }
            (None, None) => unreachable!("a change has a before or an after"),
        }
    }
}

/// Every item that differs between two programs, sessions first, each in program order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramDiff {
    pub changes: Vec<ItemChange>,
}

impl ProgramDiff {
    /// The diff from `old` (none: an empty database) to `new`.
    pub fn between(old: Option<&Program>, new: &Program) -> ProgramDiff {
        let mut changes = Vec::new();
        let empty = Vec::new();
        let old_sessions = old.map_or(&empty[..], |p| p.sessions());
        diff_items(
            Item::Session,
            old_sessions.iter().map(session_item),
            new.sessions().iter().map(session_item),
            &mut changes,
        );
        let talks = |sessions: &[Session]| -> Vec<(String, Slot, String)> {
            sessions
                .iter()
                .flat_map(|s| s.talks.iter().map(move |t| talk_item(s, t)))
                .collect()
        };
        diff_items(
            Item::Talk,
            talks(old_sessions),
            talks(new.sessions()),
            &mut changes,
        );
        ProgramDiff { changes }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many items of `item` were added, changed and removed.
    pub fn counts(&self, item: Item) -> (usize, usize, usize) {
        let of = self.changes.iter().filter(|c| c.item == item);
        let added = of.clone().filter(|c| c.is_added()).count();
        let removed = of.clone().filter(|c| c.is_removed()).count();
        (added, of.count() - added - removed, removed)
    }
}

impl fmt::Display for ProgramDiff {
    /// "Sessions: 1 added, 2 changed, 0 removed. Talks: …", or "Nothing changed."
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("Nothing changed.");
        }
        let (sa, sc, sr) = self.counts(Item::Session);
        let (ta, tc, tr) = self.counts(Item::Talk);
        write!(
            f,
            "Sessions: {sa} added, {sc} changed, {sr} removed. Talks: {ta} added, {tc} changed, {tr} removed."
        )
    }
}

/// (id, slot, everything else as a comparable fingerprint).
fn session_item(s: &Session) -> (String, Slot, String) {
    let slot = Slot {
        title: s.slot.title.clone(),
        start: s.slot.start,
        end: s.slot.end,
        room: s.slot.room.clone(),
        track: s.slot.track.clone(),
        recording: None,
    };
    (
        s.slot.id.to_string(),
        slot,
        format!(
            "{:?}",
            (&s.slot.end, &s.slot.track, &s.moderators, &s.slot.stream)
        ),
    )
}

fn talk_item(s: &Session, t: &Talk) -> (String, Slot, String) {
    let slot = Slot {
        title: t.title.clone(),
        start: t.start,
        end: t.end,
        room: s.slot.room.clone(),
        track: s.slot.track.clone(),
        recording: t.links.published_recording().cloned(),
    };
    let rest = format!(
        "{:?}",
        (
            &s.slot.id,
            &t.end,
            &t.kind,
            &t.speakers,
            &t.abstract_text,
            &t.url,
            &t.links
        )
    );
    (t.id.to_string(), slot, rest)
}

fn diff_items(
    item: Item,
    old: impl IntoIterator<Item = (String, Slot, String)>,
    new: impl IntoIterator<Item = (String, Slot, String)>,
    changes: &mut Vec<ItemChange>,
) {
    let mut old: HashMap<String, (Slot, String)> = old
        .into_iter()
        .map(|(id, slot, rest)| (id, (slot, rest)))
        .collect();
    for (id, slot, rest) in new {
        match old.remove(&id) {
            Some((before, before_rest)) if before == slot && before_rest == rest => {}
            before => changes.push(ItemChange {
                item,
                id,
                before: before.map(|(slot, _)| slot),
                after: Some(slot),
            }),
        }
    }
    let mut removed: Vec<(String, Slot)> =
        old.into_iter().map(|(id, (slot, _))| (id, slot)).collect();
    removed.sort_by(|a, b| (a.1.start, &a.0).cmp(&(b.1.start, &b.0)));
    changes.extend(removed.into_iter().map(|(id, slot)| ItemChange {
        item,
        id,
        before: Some(slot),
        after: None,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::bundled;
    use chrono::TimeDelta;

    #[test]
    fn the_same_program_has_no_diff_and_a_first_import_adds_everything() {
        assert!(ProgramDiff::between(Some(&bundled()), &bundled()).is_empty());
        let first = ProgramDiff::between(None, &bundled());
        assert_eq!(first.counts(Item::Session), (1, 0, 0));
        assert_eq!(first.counts(Item::Talk), (12, 0, 0));
        assert_eq!(
            first.to_string(),
            "Sessions: 1 added, 0 changed, 0 removed. Talks: 12 added, 0 changed, 0 removed."
        );
    }

    #[test]
    fn moves_cancellations_and_retitles_are_told_apart() {
        let old = bundled();
        let mut sessions = old.sessions().to_vec();
        let mut other = sessions[0].clone();
        other.slot.id = "other".into();
        other.slot.title = "Other".into();
        other.talks.clear();
        sessions.push(other);
        let old = Program::new(old.conference().clone(), sessions.clone()).unwrap();

        let shift = TimeDelta::minutes(30);
        sessions[0].slot.start += shift;
        sessions[0].slot.end += shift;
        for talk in &mut sessions[0].talks {
            talk.start += shift;
            talk.end += shift;
        }
        sessions[0].talks[1].title = "New title".into();
        sessions.pop();
        let new = Program::new(old.conference().clone(), sessions).unwrap();

        let diff = ProgramDiff::between(Some(&old), &new);
        let tz = new.conference().time_zone;
        let material: Vec<String> = diff
            .changes
            .iter()
            .filter(|c| c.is_material())
            .map(|c| c.describe(tz))
            .collect();
        assert_eq!(
            material,
            [
                "Moved session “Orals & Spotlights: Representations, Architectures and Theory”: now Tue 4 May 11:30 PDT (was Tue 4 May 11:00 PDT)",
                "Cancelled session “Other” (was Tue 4 May 11:00 PDT)"
            ]
        );
        assert_eq!(diff.counts(Item::Talk), (0, 12, 0));
        assert!(diff
            .changes
            .iter()
            .any(|c| c.is_retitled() && c.id == "2021-05-04-1115-weihs"));
    }

    #[test]
    fn a_recording_appearing_is_told_and_a_do_not_record_one_never() {
        let old = bundled();
        let mut sessions = old.sessions().to_vec();
        let recording = Link::parse("https://media.example.org/v/1").unwrap();
        sessions[0].talks[0].links.recording = Some(recording.clone());
        sessions[0].talks[1].links.recording = Some(recording.clone());
        sessions[0].talks[1].links.do_not_record = true;
        let new = Program::new(old.conference().clone(), sessions).unwrap();
        let diff = ProgramDiff::between(Some(&old), &new);
        let published: Vec<&str> = diff
            .changes
            .iter()
            .filter(|c| c.recording_published().is_some())
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(published, [new.sessions()[0].talks[0].id.as_str()]);
        let tz = new.conference().time_zone;
        assert!(diff.changes[0]
            .describe(tz)
            .ends_with("its recording is published"));
        assert_eq!(diff.counts(Item::Talk), (0, 2, 0), "both are edited");
    }
}
