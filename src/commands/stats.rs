//! `/stats` (admins): what organisers learn from the bot. The upcoming talks most people have
//! in their agenda, the busiest Q&A threads, the talks with the most feedback and their
//! average, and interactions per hour over the last day. Counts only: no user is named.

use chrono::{DateTime, Utc};

use super::feedback::headline;
use super::{conference, CommandResult};
use crate::domain::format::day_and_time;
use crate::ids::GuildId;
use crate::reply::{truncate, Reply, Text};
use crate::store::Store;
use crate::text;

/// Rows in each list.
const SHOWN: usize = 5;

/// The share of a room's seats bookmarked from which a talk is marked likely to overflow: not
/// everyone who comes bookmarks, so four in five seats bookmarked already fills the room.
const OVERFLOW_SHARE: f64 = 0.8;

/// Whether `bookmarks` for a room of `capacity` seats means people will be turned away.
pub fn likely_to_overflow(bookmarks: u32, capacity: u32) -> bool {
    f64::from(bookmarks) >= OVERFLOW_SHARE * f64::from(capacity)
}

/// `guild`'s stats at `now` (the bot's time), with `hours` of interactions as `ops::activity`
/// counted them in real time (a rehearsal's clock runs elsewhere).
pub fn stats(
    store: &Store,
    guild: GuildId,
    now: DateTime<Utc>,
    hours: &[(DateTime<Utc>, u32)],
) -> CommandResult {
    let tz = conference(store)?.time_zone;
    let lines = |items: Vec<Text>| match items.is_empty() {
        true => Text::from("None yet."),
        false => Text::join(items, "\n"),
    };
    let bookmarked = store
        .most_bookmarked(guild, now, SHOWN)?
        .into_iter()
        .map(|b| {
            text![
                format!("**{}** · ", b.bookmarks),
                Text::program(truncate(&b.title, 80)),
                " · ",
                day_and_time(b.starts_at, tz),
                match &b.room {
                    Some(room) => text![" · ", Text::program(truncate(room, 40))],
                    None => Text::from(""),
                },
                match b.capacity {
                    Some(seats) if likely_to_overflow(b.bookmarks, seats) => {
                        Text::from(format!(" · ⚠ likely to overflow ({seats} seats)"))
                    }
                    Some(seats) => Text::from(format!(" · {seats} seats")),
                    None => Text::from(""),
                }
            ]
        })
        .collect();
    let threads = store
        .busiest_threads(SHOWN)?
        .into_iter()
        .map(|t| {
            text![
                Text::program(truncate(&t.title, 80)),
                format!(" · {} questions, {} votes", t.questions, t.votes)
            ]
        })
        .collect();
    let feedback = store
        .all_feedback()?
        .into_iter()
        .take(SHOWN)
        .map(|f| {
            text![
                Text::program(truncate(
                    f.title.as_deref().unwrap_or(f.talk_id.as_str()),
                    80
                )),
                " · ",
                headline(&f),
                format!(", {} comments", f.comments.len())
            ]
        })
        .collect();
    let total: u32 = hours.iter().map(|(_, n)| n).sum();
    let busiest = hours.iter().max_by_key(|(_, n)| *n).filter(|(_, n)| *n > 0);
    let activity = text![
        format!("{total} in the last 24 hours"),
        match busiest {
            Some((hour, n)) => text![
                ", the busiest hour ",
                day_and_time(*hour, tz),
                format!(" ({n})")
            ],
            None => Text::from(""),
        },
        format!("\n`{}`", sparkline(hours)),
        "\n(counted since the bot last started)"
    ];
    Ok(Reply::new("Stats")
        .field("Upcoming talks most in agendas", lines(bookmarked), false)
        .field("Busiest Q&A threads", lines(threads), false)
        .field("Most feedback", lines(feedback), false)
        .field("Interactions per hour", activity, false))
}

/// One block per hour, its height the hour's share of the busiest.
fn sparkline(hours: &[(DateTime<Utc>, u32)]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let most = hours.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    hours
        .iter()
        .map(|(_, n)| BLOCKS[(*n * 7).div_ceil(most) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::testing;

    #[test]
    fn stats_count_bookmarks_on_a_known_agenda() {
        let program = testing::bundled();
        let store = testing::store_of(&program);
        let now = testing::pdt(6, 0);
        let talks: Vec<_> = program.sessions()[0]
            .talks
            .iter()
            .map(|t| t.id.clone())
            .collect();
        for user in 1..=3 {
            store
                .set_bookmark(UserId(user), &talks[1], 10, now)
                .unwrap();
        }
        store.set_bookmark(UserId(1), &talks[0], 10, now).unwrap();
        let guild = GuildId(1);
        let room = program.sessions()[0].slot.place().unwrap().to_string();
        let seats = crate::store::RoomChange {
            capacity: Some(3),
            ..Default::default()
        };
        store.change_room(guild, &room, &seats).unwrap();
        let reply = stats(&store, guild, now, &[]).unwrap();
        let most = reply.fields[0].value.discord();
        let lines: Vec<&str> = most.lines().collect();
        assert_eq!(lines.len(), 2, "{most}");
        assert!(lines[0].starts_with("**3** · "), "{most}");
        assert!(
            lines[0].ends_with("⚠ likely to overflow (3 seats)"),
            "{most}"
        );
        assert!(lines[1].starts_with("**1** · "), "{most}");
        assert!(lines[1].ends_with(" · 3 seats"), "{most}");
        // Elsewhere nobody said how many the room holds.
        let elsewhere = stats(&store, GuildId(2), now, &[]).unwrap();
        assert!(!elsewhere.fields[0].value.discord().contains("seats"));
        assert_eq!(reply.fields[1].value.discord(), "None yet.");
    }

    #[test]
    fn four_in_five_seats_bookmarked_is_likely_to_overflow() {
        assert!(likely_to_overflow(80, 100));
        assert!(!likely_to_overflow(79, 100));
        assert!(likely_to_overflow(1, 1));
    }

    #[test]
    fn the_sparkline_scales_to_the_busiest_hour() {
        let at = testing::pdt(1, 0);
        let hours = [(at, 0), (at, 1), (at, 7)];
        assert_eq!(sparkline(&hours), "▁▂█");
    }
}
