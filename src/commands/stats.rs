//! `/stats` (admins): what organisers learn from the bot. The upcoming talks most people have
//! in their agenda, the busiest Q&A threads, the talks with the most feedback and their
//! average, and interactions per hour over the last day. Counts only: no user is named.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::feedback::headline;
use super::{conference, CommandResult};
use crate::domain::format::day_and_time;
use crate::domain::rooms::Rooms;
use crate::error::CommandError;
use crate::ids::GuildId;
use crate::picture::chart::{self, Bar, Bars, Columns, Slot};
use crate::reply::{truncate, Attachment, Reply, Text};
use crate::store::{Bookmarked, BusyThread, Store, TalkFeedback};
use crate::text;

/// Rows in each list.
const SHOWN: usize = 5;

/// What the stats are made of, read once for the text and the charts.
struct Seen {
    tz: Tz,
    /// Each talk with the seats of its room, where known (`Rooms::seats`).
    bookmarked: Vec<(Bookmarked, Option<u32>)>,
    threads: Vec<BusyThread>,
    feedback: Vec<TalkFeedback>,
}

fn seen(store: &Store, guild: GuildId, now: DateTime<Utc>) -> Result<Seen, CommandError> {
    let rooms = Rooms::of(store, Some(guild))?;
    let bookmarked = (store.most_bookmarked(now, SHOWN)?.into_iter())
        .map(|b| {
            let seats = rooms.seats(b.room.as_deref(), b.track.as_deref());
            (b, seats)
        })
        .collect();
    Ok(Seen {
        tz: conference(store)?.time_zone,
        bookmarked,
        threads: store.busiest_threads(guild, SHOWN)?,
        feedback: store.all_feedback()?.into_iter().take(SHOWN).collect(),
    })
}

/// `guild`'s stats at `now` (the bot's time), with `hours` of interactions as `ops::activity`
/// counted them in real time (a rehearsal's clock runs elsewhere).
pub fn stats(
    store: &Store,
    guild: GuildId,
    now: DateTime<Utc>,
    hours: &[(DateTime<Utc>, u32)],
) -> CommandResult {
    Ok(text(&seen(store, guild, now)?, hours))
}

/// [`stats`] and its lists as bar charts (`stats-agendas.png`, `stats-qa.png`,
/// `stats-feedback.png`, each when its list has anything) and the interactions per hour
/// (`stats-activity.png`). Titles only: no chart names a user.
pub fn stats_with_charts(
    store: &Store,
    guild: GuildId,
    now: DateTime<Utc>,
    hours: &[(DateTime<Utc>, u32)],
) -> Result<(Reply, Vec<Attachment>), CommandError> {
    let seen = seen(store, guild, now)?;
    Ok((text(&seen, hours), charts(&seen, hours)?))
}

fn text(seen: &Seen, hours: &[(DateTime<Utc>, u32)]) -> Reply {
    let tz = seen.tz;
    let lines = |items: Vec<Text>| match items.is_empty() {
        true => Text::from("None yet."),
        false => Text::join(items, "\n"),
    };
    let bookmarked = seen
        .bookmarked
        .iter()
        .map(|(b, seats)| {
            text![
                format!("**{}** · ", b.bookmarks),
                Text::program(truncate(&b.title, 80)),
                " · ",
                day_and_time(b.starts_at, tz),
                match &b.room {
                    Some(room) => text![" · ", Text::program(truncate(room, 40))],
                    None => Text::from(""),
                },
                match seats {
                    Some(seats) => text![" · ", seats_for(b.bookmarks, *seats)],
                    None => Text::from(""),
                }
            ]
        })
        .collect();
    let threads = seen
        .threads
        .iter()
        .map(|t| {
            text![
                Text::program(truncate(&t.title, 80)),
                format!(" · {}", asked(t))
            ]
        })
        .collect();
    let feedback = seen
        .feedback
        .iter()
        .map(|f| {
            text![
                Text::program(truncate(title_of(f), 80)),
                " · ",
                headline(f),
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
    Reply::new("Stats")
        .field("Upcoming talks most in agendas", lines(bookmarked), false)
        .field("Busiest Q&A threads", lines(threads), false)
        .field("Most feedback", lines(feedback), false)
        .field("Interactions per hour", activity, false)
}

/// "40 seats, likely to overflow" when more have the talk in their agenda than its room seats.
fn seats_for(bookmarks: u32, seats: u32) -> String {
    match bookmarks > seats {
        true => format!("{seats} seats, **likely to overflow**"),
        false => format!("{seats} seats"),
    }
}

fn asked(thread: &BusyThread) -> String {
    format!("{} questions, {} votes", thread.questions, thread.votes)
}

/// A talk's title, or its id if a reload removed it.
fn title_of(feedback: &TalkFeedback) -> &str {
    feedback
        .title
        .as_deref()
        .unwrap_or(feedback.talk_id.as_str())
}

/// The charts of [`stats_with_charts`], in the order of the text's fields.
fn charts(seen: &Seen, hours: &[(DateTime<Utc>, u32)]) -> anyhow::Result<Vec<Attachment>> {
    let agendas = Bars {
        title: "Upcoming talks most in agendas".into(),
        bars: (seen.bookmarked.iter())
            .map(|(b, seats)| agenda_bar(b, *seats))
            .collect(),
        full: None,
    };
    let qa = Bars {
        title: "Busiest Q&A threads: questions".into(),
        bars: (seen.threads.iter())
            .map(|t| Bar {
                label: t.title.clone(),
                value: f64::from(t.questions),
                shown: asked(t),
                marker: None,
            })
            .collect(),
        full: None,
    };
    let feedback = Bars {
        title: "Most feedback: average rating".into(),
        bars: (seen.feedback.iter())
            .map(|f| Bar {
                label: title_of(f).to_string(),
                value: f.average().unwrap_or(0.0),
                shown: headline(f),
                marker: None,
            })
            .collect(),
        full: Some(5.0),
    };
    let mut files = Vec::new();
    for (name, bars) in [("agendas", agendas), ("qa", qa), ("feedback", feedback)] {
        if !bars.bars.is_empty() {
            files.push(png(name, chart::bars(&bars)?));
        }
    }
    let activity = Columns {
        title: format!("Interactions per hour, the last 24 hours ({})", seen.tz),
        slots: hours
            .iter()
            .map(|(hour, count)| Slot {
                label: hour.with_timezone(&seen.tz).format("%H").to_string(),
                count: *count,
            })
            .collect(),
    };
    files.push(png("activity", chart::columns(&activity)?));
    Ok(files)
}

/// A bookmarked talk's bar, against its room's seats where known.
fn agenda_bar(talk: &Bookmarked, seats: Option<u32>) -> Bar {
    let in_agendas = format!("{} in agendas", talk.bookmarks);
    Bar {
        label: talk.title.clone(),
        value: f64::from(talk.bookmarks),
        shown: match seats {
            Some(seats) => format!("{in_agendas} · {seats} seats"),
            None => in_agendas,
        },
        marker: seats.map(f64::from),
    }
}

fn png(name: &str, png: crate::picture::Png) -> Attachment {
    Attachment {
        filename: format!("stats-{name}.png"),
        bytes: png.0,
    }
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
    use crate::ids::{TalkId, UserId};
    use crate::picture::decoded::size;
    use crate::program::{Program, RoomFacts};
    use crate::testing;
    use crate::testing::rating;

    /// `program` (the bundled one, or as a test changed it) at 6:00, three people with its
    /// second talk in their agenda; its talks' ids.
    fn three_have_the_second_talk(program: Program) -> (Store, Vec<TalkId>, DateTime<Utc>) {
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
        (store, talks, now)
    }

    #[test]
    fn stats_count_bookmarks_on_a_known_agenda() {
        let (store, talks, now) = three_have_the_second_talk(testing::bundled());
        store.set_bookmark(UserId(1), &talks[0], 10, now).unwrap();
        let guild = GuildId(1);
        let room = testing::bundled().sessions()[0]
            .slot
            .place()
            .unwrap()
            .to_string();
        let seats = crate::store::RoomChange {
            capacity: Some(2),
            ..Default::default()
        };
        store.change_room(guild, &room, &seats).unwrap();
        let reply = stats(&store, guild, now, &[]).unwrap();
        let most = reply.fields[0].value.discord();
        let lines: Vec<&str> = most.lines().collect();
        assert_eq!(lines.len(), 2, "{most}");
        assert!(lines[0].starts_with("**3** · "), "{most}");
        assert!(
            lines[0].ends_with("2 seats, **likely to overflow**"),
            "{most}"
        );
        assert!(lines[1].starts_with("**1** · "), "{most}");
        assert!(lines[1].ends_with(" · 2 seats"), "{most}");
        // Elsewhere nobody said how many the room holds.
        let elsewhere = stats(&store, GuildId(2), now, &[]).unwrap();
        assert!(!elsewhere.fields[0].value.discord().contains("seats"));
        assert_eq!(reply.fields[1].value.discord(), "None yet.");
    }

    #[test]
    fn a_rooms_capacity_from_the_program_counts_unless_the_guild_set_its_own() {
        let bundled = testing::bundled();
        let mut sessions = bundled.sessions().to_vec();
        sessions[0].slot.room = Some("Hall A".into());
        let seats = RoomFacts {
            stream: None,
            capacity: Some(2),
        };
        let program = Program::new(bundled.conference().clone(), sessions)
            .unwrap()
            .with_rooms([("Hall A".to_string(), seats)].into());
        let (store, _, now) = three_have_the_second_talk(program);
        let most = |guild| {
            stats(&store, guild, now, &[]).unwrap().fields[0]
                .value
                .discord()
        };
        assert!(
            most(GuildId(1)).ends_with("2 seats, **likely to overflow**"),
            "{}",
            most(GuildId(1))
        );
        let own = crate::store::RoomChange {
            capacity: Some(500),
            ..Default::default()
        };
        store.change_room(GuildId(1), "hall a", &own).unwrap();
        assert!(
            most(GuildId(1)).ends_with(" · 500 seats"),
            "{}",
            most(GuildId(1))
        );
        assert!(most(GuildId(2)).ends_with("2 seats, **likely to overflow**"));
    }

    #[test]
    fn stats_come_with_a_chart_of_each_list_that_has_rows_and_of_the_hours() {
        let (store, talks, now) = three_have_the_second_talk(testing::bundled());
        store
            .rate_talk(UserId(1), &talks[0], rating(4), now)
            .unwrap();
        let hours: Vec<_> = (0..24)
            .map(|h| (now - chrono::TimeDelta::hours(23 - h), h as u32 % 5))
            .collect();
        let (reply, files) = stats_with_charts(&store, GuildId(1), now, &hours).unwrap();
        assert_eq!(reply, stats(&store, GuildId(1), now, &hours).unwrap());
        let names: Vec<_> = files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(
            names,
            [
                "stats-agendas.png",
                "stats-feedback.png",
                "stats-activity.png"
            ],
            "no Q&A thread, no Q&A chart"
        );
        assert_eq!(size(&files[0].bytes).0, chart::WIDTH as usize);
        assert_eq!(size(&files[1].bytes).0, chart::WIDTH as usize);
        assert_eq!(size(&files[2].bytes).0, 24 * 28 + 2 * 16);

        // The same stats draw the same bytes; one more bookmark, another chart.
        assert_eq!(
            stats_with_charts(&store, GuildId(1), now, &hours)
                .unwrap()
                .1,
            files
        );
        store.set_bookmark(UserId(4), &talks[1], 10, now).unwrap();
        let (_, again) = stats_with_charts(&store, GuildId(1), now, &hours).unwrap();
        assert_ne!(again[0], files[0]);
        assert_eq!(again[1..], files[1..]);
    }

    #[test]
    fn a_talk_with_more_in_agendas_than_its_room_seats_is_marked_to_overflow() {
        let talk = Bookmarked {
            talk_id: "t1".into(),
            title: "Learning to learn".into(),
            session_id: "s1".into(),
            room: Some("Hall A".into()),
            track: None,
            starts_at: testing::pdt(9, 0),
            bookmarks: 41,
        };
        assert_eq!(seats_for(41, 40), "40 seats, **likely to overflow**");
        assert_eq!(seats_for(40, 40), "40 seats");
        let bar = agenda_bar(&talk, Some(40));
        assert!(bar.passes_marker());
        assert_eq!(bar.shown, "41 in agendas · 40 seats");
        let bar = agenda_bar(&talk, None);
        assert!(!bar.passes_marker());
        assert_eq!(bar.shown, "41 in agendas");
    }

    #[test]
    fn the_sparkline_scales_to_the_busiest_hour() {
        let at = testing::pdt(1, 0);
        let hours = [(at, 0), (at, 1), (at, 7)];
        assert_eq!(sparkline(&hours), "▁▂█");
    }
}
