//! The day as a timetable: which column each of a day's sessions goes in, for
//! `picture::timetable` to draw.
//!
//! A session goes in its place's column (its room, else its track), the places in the order
//! their first sessions start; a session without a place has a column of its own, "No room",
//! unless it has no talks either: then it is a break for everyone, greyed across every column.
//! Sessions of one place that overlap go side by side, in a column "Hall A (2)" beside "Hall A",
//! so no block hides another.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::format::people_line;
use crate::picture::timetable::{Block, Column, Day, Entry};
use crate::program::SessionSlot;
use crate::store::ScheduledTalk;

/// What the timetable is made of: the day's sessions in start order, each with its talks.
pub type Sessions = [(SessionSlot, Vec<ScheduledTalk>)];

/// The grid of `sessions`; `now` is marked if it falls within the day.
pub fn grid(title: String, zone: Tz, sessions: &Sessions, now: DateTime<Utc>) -> Day {
    let mut places: Vec<(String, Vec<Column>)> = Vec::new();
    let mut breaks = Vec::new();
    for (slot, talks) in sessions {
        let block = Block {
            title: slot.title.clone(),
            start: slot.start,
            end: slot.end,
            talks: talks
                .iter()
                .map(|row| Entry {
                    title: row.talk.title.clone(),
                    speakers: people_line(&row.talk.speakers),
                    start: row.talk.start,
                    end: row.talk.end,
                })
                .collect(),
        };
        let place = match slot.place() {
            Some(place) => place,
            None if talks.is_empty() => {
                breaks.push(block);
                continue;
            }
            None => "No room",
        };
        let lanes = match places.iter().position(|(name, _)| name == place) {
            Some(i) => &mut places[i].1,
            None => {
                places.push((place.to_string(), Vec::new()));
                &mut places.last_mut().expect("just pushed").1
            }
        };
        let free = lanes.iter().position(|lane| {
            lane.blocks
                .last()
                .is_none_or(|last| last.end <= block.start)
        });
        match free {
            Some(lane) => lanes[lane].blocks.push(block),
            None => lanes.push(Column {
                heading: match lanes.len() {
                    0 => place.to_string(),
                    n => format!("{place} ({})", n + 1),
                },
                blocks: vec![block],
            }),
        }
    }
    Day {
        title,
        zone,
        columns: places.into_iter().flat_map(|(_, lanes)| lanes).collect(),
        breaks,
        now: Some(now),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::testing::{pdt, store};

    fn slot(id: &str, room: Option<&str>, start: DateTime<Utc>, minutes: i64) -> SessionSlot {
        SessionSlot {
            id: id.into(),
            title: id.into(),
            track: None,
            room: room.map(Into::into),
            start,
            end: start + Duration::minutes(minutes),
            stream: None,
        }
    }

    #[test]
    fn sessions_go_in_their_rooms_columns_and_placeless_breaks_across_all() {
        let talks = store().all_talks().unwrap();
        let some = || talks[..2].to_vec();
        let sessions = vec![
            (slot("a1", Some("Hall A"), pdt(9, 0), 60), some()),
            (slot("b1", Some("Hall B"), pdt(9, 0), 30), some()),
            (slot("lunch", None, pdt(12, 0), 60), Vec::new()),
            (slot("a2", Some("Hall A"), pdt(10, 0), 60), some()),
            (slot("a3", Some("Hall A"), pdt(10, 30), 60), some()),
            (slot("hall", None, pdt(13, 0), 60), some()),
        ];
        let day = grid("Day".into(), chrono_tz::UTC, &sessions, pdt(9, 30));
        let columns: Vec<(&str, Vec<&str>)> = day
            .columns
            .iter()
            .map(|c| {
                let blocks = c.blocks.iter().map(|b| b.title.as_str()).collect();
                (c.heading.as_str(), blocks)
            })
            .collect();
        assert_eq!(
            columns,
            [
                ("Hall A", vec!["a1", "a2"]),
                ("Hall A (2)", vec!["a3"]),
                ("Hall B", vec!["b1"]),
                ("No room", vec!["hall"]),
            ]
        );
        assert_eq!(day.breaks.len(), 1);
        assert_eq!(day.breaks[0].title, "lunch");
        let talk = &day.columns[0].blocks[0].talks[0];
        assert_eq!(talk.title, talks[0].talk.title);
        assert_eq!(talk.speakers, people_line(&talks[0].talk.speakers));
        assert_eq!(day.now, Some(pdt(9, 30)));
    }
}
