//! A conference day as a timetable picture: rooms as columns, time down the side in the
//! conference's zone, each session a block with its talks inside at their times (title, then
//! speakers), breaks greyed, and the current time as a red line when it falls in the day.
//!
//! What goes in a column is decided by the caller ([`Day`] is plain data); here only where it
//! is drawn. A day of many rooms is split into several pictures of at most
//! [`COLUMNS_PER_PICTURE`] rooms each, more per picture only when that would be more than
//! Discord's attachments per message (up to [`MAX_COLUMNS_PER_PICTURE`]). Height is two pixels a minute, less when the day is so
//! long that a picture would pass [`MAX_HEIGHT`]; a day is drawn for at most 24 hours.

use chrono::{DateTime, Duration, DurationRound, Timelike, Utc};
use chrono_tz::Tz;

use super::canvas::palette::{ACCENT, BACKGROUND, INK, MUTED};
use super::canvas::{Area, Canvas, Rgb};
use super::font::Face;
use super::Png;
use crate::reply::limits;

/// Rooms side by side in one picture, unless the day has more than that many per attachment.
pub const COLUMNS_PER_PICTURE: usize = 5;
/// The most rooms in one picture (4,400 pixels wide): a day of more rooms than ten pictures
/// of this many hold shows its first ones, and says how many it has.
pub const MAX_COLUMNS_PER_PICTURE: usize = 20;
/// The tallest picture, in pixels: a day longer than fits at two pixels a minute is squeezed.
pub const MAX_HEIGHT: u32 = 4000;

const COLUMN_WIDTH: f32 = 220.0;
const GUTTER: f32 = 56.0;
const HEADER: f32 = 52.0;
const HEADINGS: f32 = 26.0;
const MARGIN: f32 = 12.0;
const PIXELS_PER_MINUTE: f32 = 2.0;

const RULE: Rgb = Rgb(229, 231, 235);
const SESSION: Rgb = Rgb(219, 234, 254);
const SESSION_EDGE: Rgb = Rgb(147, 197, 253);
const TALK: Rgb = Rgb(248, 250, 252);
const BREAK: Rgb = Rgb(229, 231, 235);
const BREAK_INK: Rgb = Rgb(107, 114, 128);
const NOW: Rgb = Rgb(220, 38, 38);

/// The day to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// The conference and the day, written atop each picture.
    pub title: String,
    pub zone: Tz,
    /// In the order they are drawn, left to right.
    pub columns: Vec<Column>,
    /// Breaks for everyone (no room of their own): greyed across every column.
    pub breaks: Vec<Block>,
    /// Marked with a line if it falls within the day.
    pub now: Option<DateTime<Utc>>,
}

/// A room's (or track's) column: its blocks do not overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A session; one without talks is a break, greyed.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub talks: Vec<Entry>,
}

/// A talk inside a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub title: String,
    /// Already written as one line ("Ada Lovelace, Alan Turing").
    pub speakers: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The day as one or more PNG pictures (at most Discord's attachments per message), the rooms
/// in order across them; a day with nothing in it is one empty grid.
pub fn render(day: &Day) -> anyhow::Result<Vec<Png>> {
    let scale = Scale::of(day);
    let count = day.columns.len();
    let chunks = split(&day.columns);
    let mut first = 1;
    let mut pictures = Vec::with_capacity(chunks.len());
    for columns in &chunks {
        let heading = if chunks.len() == 1 {
            day.title.clone()
        } else {
            let last = first + columns.len() - 1;
            format!("{} · rooms {first}–{last} of {count}", day.title)
        };
        first += columns.len();
        pictures.push(picture(day, columns, &heading, &scale)?);
    }
    Ok(pictures)
}

/// The rooms of each picture: [`COLUMNS_PER_PICTURE`] to a picture, more when there are more
/// than Discord's attachments' worth, up to [`MAX_COLUMNS_PER_PICTURE`]; no rooms, one picture.
fn split(columns: &[Column]) -> Vec<&[Column]> {
    if columns.is_empty() {
        return vec![&[]];
    }
    let per_picture = columns
        .len()
        .div_ceil(limits::ATTACHMENTS)
        .clamp(COLUMNS_PER_PICTURE, MAX_COLUMNS_PER_PICTURE);
    columns
        .chunks(per_picture)
        .take(limits::ATTACHMENTS)
        .collect()
}

/// Where an instant is drawn: the day's span, rounded out to the conference's whole hours.
struct Scale {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    pixels_per_minute: f32,
}

impl Scale {
    fn of(day: &Day) -> Scale {
        let blocks = || {
            day.columns
                .iter()
                .flat_map(|c| &c.blocks)
                .chain(&day.breaks)
        };
        let start = blocks().map(|b| b.start).min();
        let end = blocks().map(|b| b.end.max(b.start)).max();
        let (from, to) = match (start, end) {
            (Some(start), Some(end)) => (start, end),
            _ => {
                let at = day.now.unwrap_or(DateTime::UNIX_EPOCH);
                (at, at + Duration::hours(1))
            }
        };
        let from = local_hour(day.zone, from, -1);
        let to = local_hour(day.zone, to.min(from + Duration::hours(24)), 1)
            .max(from + Duration::hours(1));
        let minutes = (to - from).num_minutes() as f32;
        let room = MAX_HEIGHT as f32 - HEADER - HEADINGS - MARGIN;
        Scale {
            from,
            to,
            pixels_per_minute: PIXELS_PER_MINUTE.min(room / minutes),
        }
    }

    /// The y of `at`, clamped to the day.
    fn y(&self, at: DateTime<Utc>) -> f32 {
        let at = at.clamp(self.from, self.to);
        HEADER + HEADINGS + (at - self.from).num_seconds() as f32 / 60.0 * self.pixels_per_minute
    }

    fn height(&self) -> u32 {
        (self.y(self.to) + MARGIN).ceil() as u32
    }

    /// Each whole local hour of the day, for the time down the side.
    fn hours(&self, zone: Tz) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let quarters = (self.to - self.from).num_minutes() / 15;
        (0..=quarters)
            .map(|q| self.from + Duration::minutes(15 * q))
            .filter(move |at| at.with_timezone(&zone).minute() == 0)
    }
}

/// The nearest whole hour of `zone` at or before (`step` -1) or after (`step` 1) `at`. Every
/// zone's offset is a whole number of quarter hours, so it is on a quarter hour of UTC.
fn local_hour(zone: Tz, at: DateTime<Utc>, step: i64) -> DateTime<Utc> {
    let quarter = Duration::minutes(15);
    let mut at = match at.duration_trunc(quarter) {
        Ok(down) if step < 0 || down == at => down,
        Ok(down) => down + quarter,
        Err(_) => at,
    };
    for _ in 0..4 {
        if at.with_timezone(&zone).minute() == 0 {
            break;
        }
        at += quarter * step as i32;
    }
    at
}

fn picture(day: &Day, columns: &[Column], heading: &str, scale: &Scale) -> anyhow::Result<Png> {
    let width = (GUTTER + COLUMN_WIDTH * columns.len().max(1) as f32 + MARGIN).ceil();
    let height = scale.height();
    let mut canvas = Canvas::new(width as u32, height, BACKGROUND)?;
    let title = Area {
        x: MARGIN,
        y: 8.0,
        width: width - 2.0 * MARGIN,
        height: HEADER - 8.0,
    };
    let used = canvas.lines(title, &[heading.to_string()], Face::bold(16.0), INK);
    let zone = format!("Times in {}", day.zone);
    canvas.lines(
        Area {
            y: title.y + used,
            ..title
        },
        &[zone],
        Face::regular(11.0),
        MUTED,
    );
    let grid = Area {
        x: GUTTER,
        y: HEADER + HEADINGS,
        width: width - GUTTER - MARGIN,
        height: scale.y(scale.to) - HEADER - HEADINGS,
    };
    for hour in scale.hours(day.zone) {
        let y = scale.y(hour);
        canvas.fill(
            Area {
                y,
                height: 1.0,
                ..grid
            },
            RULE,
        );
        let label = hour.with_timezone(&day.zone).format("%H:%M").to_string();
        let area = Area {
            x: 6.0,
            y: y - 6.0,
            width: GUTTER - 10.0,
            height: 14.0,
        };
        canvas.lines(area, &[label], Face::regular(11.0), MUTED);
    }
    for block in &day.breaks {
        let (top, bottom) = (scale.y(block.start), scale.y(block.end));
        draw_block(
            &mut canvas,
            block,
            Area {
                y: top,
                height: bottom - top,
                ..grid
            },
            scale,
        );
    }
    for (i, column) in columns.iter().enumerate() {
        let x = GUTTER + COLUMN_WIDTH * i as f32;
        let head = Area {
            x: x + 4.0,
            y: HEADER + 4.0,
            width: COLUMN_WIDTH - 8.0,
            height: HEADINGS - 4.0,
        };
        let name = Face::bold(12.0).wrap(&column.heading, head.width, 1);
        canvas.lines(head, &name, Face::bold(12.0), INK);
        canvas.fill(
            Area {
                x,
                width: 1.0,
                ..grid
            },
            RULE,
        );
        for block in &column.blocks {
            let (top, bottom) = (scale.y(block.start), scale.y(block.end));
            let area = Area {
                x: x + 3.0,
                y: top,
                width: COLUMN_WIDTH - 6.0,
                height: (bottom - top).max(2.0),
            };
            draw_block(&mut canvas, block, area, scale);
        }
    }
    if let Some(now) = day.now.filter(|now| (scale.from..=scale.to).contains(now)) {
        let y = scale.y(now).floor();
        canvas.fill(
            Area {
                y: y - 1.0,
                height: 2.0,
                ..grid
            },
            NOW,
        );
        let label = Area {
            x: 2.0,
            y: y - 8.0,
            width: GUTTER - 4.0,
            height: 16.0,
        };
        canvas.fill(label, NOW);
        let now = format!("now {}", now.with_timezone(&day.zone).format("%H:%M"));
        canvas.lines(label.inset(1.0), &[now], Face::bold(10.0), BACKGROUND);
    }
    canvas.png()
}

/// A session with its title atop and its talks at their times; a break greyed.
fn draw_block(canvas: &mut Canvas, block: &Block, area: Area, scale: &Scale) {
    if block.talks.is_empty() {
        canvas.fill(area, BREAK);
        write(
            canvas,
            area.inset(3.0),
            &block.title,
            Face::regular(11.0),
            BREAK_INK,
        );
        return;
    }
    canvas.fill(area, SESSION);
    canvas.frame(area, SESSION_EDGE);
    let inner = area.inset(2.0);
    let header = Face::bold(10.0);
    let title = header.wrap(&block.title, inner.width - 4.0, 1);
    let used = canvas.lines(
        Area {
            x: inner.x + 2.0,
            ..inner
        },
        &title,
        header,
        Rgb(30, 64, 175),
    );
    let first = inner.y + used;
    let bottom = inner.y + inner.height;
    for talk in &block.talks {
        let top = scale.y(talk.start).max(first);
        let end = scale.y(talk.end).min(bottom);
        if end - top < 2.0 {
            continue;
        }
        let card = Area {
            x: inner.x,
            y: top,
            width: inner.width,
            height: end - top - 1.0,
        };
        canvas.fill(card, TALK);
        canvas.fill(Area { width: 3.0, ..card }, ACCENT);
        let text = Area {
            x: card.x + 6.0,
            y: card.y + 2.0,
            width: card.width - 9.0,
            height: card.height - 3.0,
        };
        let (title, speakers) = (Face::bold(12.0), Face::regular(11.0));
        // The title takes the lines the speakers' line leaves, when there is room for both.
        let with_speakers = !talk.speakers.is_empty()
            && text.height >= title.line_height() + speakers.line_height();
        let room = text.height
            - if with_speakers {
                speakers.line_height()
            } else {
                0.0
            };
        let lines = title.wrap(
            &talk.title,
            text.width,
            (room / title.line_height()) as usize,
        );
        let used = canvas.lines(text, &lines, title, INK);
        if with_speakers {
            let rest = Area {
                y: text.y + used,
                height: text.height - used,
                ..text
            };
            write(canvas, rest, &talk.speakers, speakers, MUTED);
        }
    }
}

/// `text` wrapped into `area` in as many lines as fit; the height used.
fn write(canvas: &mut Canvas, area: Area, text: &str, face: Face, colour: Rgb) -> f32 {
    let lines = (area.height / face.line_height()).floor() as usize;
    let lines = face.wrap(text, area.width, lines);
    canvas.lines(area, &lines, face, colour)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::picture::decoded::{decode, hostile, pixel};

    const ZONE: Tz = chrono_tz::Europe::Berlin;

    /// 4 May 2021 at `hh:mm` in Berlin (UTC+2).
    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 5, 4, hour - 2, minute, 0)
            .unwrap()
    }

    fn talk(title: &str, start: DateTime<Utc>, minutes: i64) -> Entry {
        Entry {
            title: title.into(),
            speakers: "Ada Lovelace, Алан Тьюринг".into(),
            start,
            end: start + Duration::minutes(minutes),
        }
    }

    fn session(title: &str, start: DateTime<Utc>, talks: Vec<Entry>) -> Block {
        let end = talks
            .last()
            .map_or(start + Duration::minutes(30), |t| t.end);
        Block {
            title: title.into(),
            start,
            end,
            talks,
        }
    }

    /// Two rooms from 9:00 to 11:00, a break for everyone at 10:00.
    fn day() -> Day {
        let hall = Column {
            heading: "Hall A".into(),
            blocks: vec![session(
                "Orals 1",
                at(9, 0),
                vec![
                    talk("Learning to learn", at(9, 0), 30),
                    talk("Ωμέγα", at(9, 30), 30),
                ],
            )],
        };
        let room = Column {
            heading: "Зал Б".into(),
            blocks: vec![session(
                "Posters",
                at(10, 30),
                vec![talk("Posters", at(10, 30), 30)],
            )],
        };
        Day {
            title: "ICLR 2021 · Tuesday 4 May 2021".into(),
            zone: ZONE,
            columns: vec![hall, room],
            breaks: vec![session("Coffee", at(10, 0), Vec::new())],
            now: None,
        }
    }

    #[test]
    fn a_day_decodes_at_two_pixels_a_minute_with_a_column_per_room() {
        let pictures = render(&day()).unwrap();
        assert_eq!(pictures.len(), 1);
        let (width, height, pixels) = decode(&pictures[0]);
        assert_eq!(width, (GUTTER + 2.0 * COLUMN_WIDTH + MARGIN) as usize);
        let two_hours = 120.0 * PIXELS_PER_MINUTE;
        assert_eq!(height, (HEADER + HEADINGS + two_hours + MARGIN) as usize);
        assert_eq!(pixels.len(), width * height * 4);
    }

    #[test]
    fn the_same_day_gives_the_same_bytes_and_a_moved_talk_another_picture() {
        let first = render(&day()).unwrap();
        assert_eq!(render(&day()).unwrap(), first);
        let mut moved = day();
        moved.columns[0].blocks[0].talks[1].start = at(9, 40);
        assert_ne!(render(&moved).unwrap(), first);
    }

    #[test]
    fn breaks_are_greyed_across_the_rooms_and_talks_drawn_in_their_room() {
        let picture = decode(&render(&day()).unwrap()[0]);
        let scale = Scale::of(&day());
        let second_column = GUTTER + COLUMN_WIDTH * 1.9;
        for x in [GUTTER + 10.0, second_column] {
            assert_eq!(pixel(&picture, x, scale.y(at(10, 20))), BREAK);
        }
        assert_eq!(pixel(&picture, second_column, scale.y(at(10, 45))), TALK);
        assert_eq!(
            pixel(&picture, second_column, scale.y(at(9, 45))),
            BACKGROUND
        );
    }

    #[test]
    fn the_current_time_is_a_red_line_only_when_it_is_within_the_day() {
        let scale = Scale::of(&day());
        let x = GUTTER + COLUMN_WIDTH * 1.5;
        let during = Day {
            now: Some(at(9, 15)),
            ..day()
        };
        let picture = decode(&render(&during).unwrap()[0]);
        assert_eq!(pixel(&picture, x, scale.y(at(9, 15)) - 0.5), NOW);
        for now in [None, Some(at(20, 0))] {
            let picture = decode(&render(&Day { now, ..day() }).unwrap()[0]);
            assert_ne!(pixel(&picture, x, scale.y(at(9, 15)) - 0.5), NOW);
        }
    }

    #[test]
    fn many_rooms_are_split_into_pictures_within_discords_attachments() {
        let rooms = |n: usize| Day {
            columns: (0..n)
                .map(|i| Column {
                    heading: format!("Room {i}"),
                    blocks: vec![session("S", at(9, 0), vec![talk("T", at(9, 0), 60)])],
                })
                .collect(),
            ..day()
        };
        let widths = |n| -> Vec<usize> {
            render(&rooms(n))
                .unwrap()
                .iter()
                .map(|p| decode(p).0)
                .collect()
        };
        let columns = |n: f32| (GUTTER + COLUMN_WIDTH * n + MARGIN) as usize;
        assert_eq!(widths(12), [columns(5.0), columns(5.0), columns(2.0)]);
        let sizes =
            |n| -> Vec<usize> { split(&rooms(n).columns).iter().map(|c| c.len()).collect() };
        assert_eq!(sizes(0), [0]);
        assert_eq!(sizes(101), [11, 11, 11, 11, 11, 11, 11, 11, 11, 2]);
        assert_eq!(sizes(250), [20; 10], "the first 200 rooms");
    }

    #[test]
    fn a_long_day_is_squeezed_and_a_day_without_sessions_is_an_empty_grid() {
        let mut long = day();
        long.columns[0].blocks[0].end = at(9, 0) + Duration::days(3);
        let (_, height, _) = decode(&render(&long).unwrap()[0]);
        assert!(height <= MAX_HEIGHT as usize, "{height}");
        let empty = Day {
            columns: Vec::new(),
            breaks: Vec::new(),
            ..day()
        };
        assert_eq!(render(&empty).unwrap().len(), 1);
    }

    #[test]
    fn hostile_titles_render_without_panic() {
        let mut day = day();
        for title in &hostile() {
            day.columns[0].heading = title.clone();
            day.columns[0].blocks[0].title = title.clone();
            day.columns[0].blocks[0].talks[0].title = title.clone();
            day.columns[0].blocks[0].talks[0].speakers = title.clone();
            day.breaks[0].title = title.clone();
            let pictures = render(&day).unwrap();
            let picture = decode(&pictures[0]);
            assert!(pictures[0].0.len() < limits::ATTACHMENT_BYTES);
            assert_eq!(picture.0, (GUTTER + 2.0 * COLUMN_WIDTH + MARGIN) as usize);
        }
    }
}
