//! Bar charts from plain data. [`Bars`]: one horizontal bar per item (a talk), its label above
//! it, its value written at its end, and an optional marker (a room's capacity) that turns the
//! bar a warning colour when the value passes it. [`Columns`]: one vertical bar per slot (an
//! hour of the day, a rating), labelled underneath, its count above.
//!
//! The caller writes every label and value; here only where they are drawn. Labels are untrusted
//! program text (titles): they go through the same font handling as the timetable's, each cut
//! to one line with an ellipsis, and nothing is drawn outside its box.

use super::canvas::palette::{ACCENT, BACKGROUND, INK, MUTED};
use super::canvas::{Area, Canvas, Rgb};
use super::font::Face;
use super::Png;

/// A [`Bars`] chart's width, in pixels.
pub const WIDTH: u32 = 720;
/// The most bars drawn (the first ones), so a chart stays a readable height.
pub const MAX_BARS: usize = 25;
/// The most columns drawn (the first ones): a day of hours and then some.
pub const MAX_COLUMNS: usize = 48;

const MARGIN: f32 = 16.0;
const TITLE: f32 = 34.0;
/// Room right of the longest bar for its value.
const VALUE_ROOM: f32 = 170.0;
const LABEL: f32 = 16.0;
const BAR: f32 = 18.0;
const ROW: f32 = LABEL + BAR + 12.0;
const COLUMN: f32 = 28.0;
const PLOT_MIN_WIDTH: f32 = 300.0;
const PLOT_HEIGHT: f32 = 150.0;
const COUNTS: f32 = 16.0;
const SLOT_LABELS: f32 = 18.0;

const TRACK: Rgb = Rgb(241, 245, 249);
const FILL: Rgb = ACCENT;
const WARNING: Rgb = Rgb(234, 88, 12);
const MARKER: Rgb = INK;

/// Horizontal bars, drawn top to bottom in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub title: String,
    pub bars: Vec<Bar>,
    /// The value a full-length bar stands for (5 for averages of 1–5); by default the largest
    /// value or marker.
    pub full: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Written at the bar's end ("42 bookmarks · 30 seats").
    pub shown: String,
    /// Drawn as a line across the bar; a value past it is a warning.
    pub marker: Option<f64>,
}

impl Bar {
    /// Whether the value passes the marker (a talk likely to overflow its room).
    pub fn passes_marker(&self) -> bool {
        self.marker.is_some_and(|marker| self.value > marker)
    }
}

/// Vertical bars, drawn left to right in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub title: String,
    pub slots: Vec<Slot>,
}

/// One column: a short label under it ("14", "5") and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub label: String,
    pub count: u32,
}

/// `chart` as a PNG [`WIDTH`] pixels wide, [`ROW`] pixels a bar; no bars is a chart saying so.
pub fn bars(chart: &Bars) -> anyhow::Result<Png> {
    let bars = &chart.bars[..chart.bars.len().min(MAX_BARS)];
    let rows = bars.len().max(1) as f32;
    let height = (MARGIN + TITLE + ROW * rows + MARGIN).ceil();
    let mut canvas = Canvas::new(WIDTH, height as u32, BACKGROUND)?;
    let inner = WIDTH as f32 - 2.0 * MARGIN;
    title(&mut canvas, &chart.title, inner);
    let top = MARGIN + TITLE;
    if bars.is_empty() {
        let area = Area {
            x: MARGIN,
            y: top,
            width: inner,
            height: ROW,
        };
        canvas.lines(area, &["None yet.".to_string()], Face::regular(12.0), MUTED);
        return canvas.png();
    }
    let track = inner - VALUE_ROOM;
    let full = bars
        .iter()
        .flat_map(|b| [Some(b.value), b.marker])
        .chain([chart.full])
        .flatten()
        .map(finite)
        .fold(0.0, f64::max);
    let length = |value: f64| match full > 0.0 {
        true => (finite(value).min(full) / full) as f32 * track,
        false => 0.0,
    };
    for (i, bar) in bars.iter().enumerate() {
        let y = top + ROW * i as f32;
        let label = Area {
            x: MARGIN,
            y,
            width: inner,
            height: LABEL,
        };
        let face = Face::bold(12.0);
        canvas.lines(label, &face.wrap(&bar.label, inner, 1), face, INK);
        let whole = Area {
            x: MARGIN,
            y: y + LABEL,
            width: track,
            height: BAR,
        };
        canvas.fill(whole, TRACK);
        let colour = if bar.passes_marker() { WARNING } else { FILL };
        let end = length(bar.value);
        canvas.fill(
            Area {
                width: end,
                ..whole
            },
            colour,
        );
        if let Some(marker) = bar.marker {
            let x = (MARGIN + length(marker)).min(MARGIN + track - 2.0);
            canvas.fill(
                Area {
                    x,
                    y: whole.y - 3.0,
                    width: 2.0,
                    height: BAR + 6.0,
                },
                MARKER,
            );
        }
        let value = Area {
            x: MARGIN + end + 6.0,
            y: whole.y + 1.0,
            width: inner - end - 6.0,
            height: BAR,
        };
        let face = Face::regular(12.0);
        canvas.lines(value, &face.wrap(&bar.shown, value.width, 1), face, MUTED);
    }
    canvas.png()
}

/// `chart` as a PNG of [`COLUMN`] pixels a slot (wider when there are few), the tallest column
/// the busiest slot; all zero is a flat chart.
pub fn columns(chart: &Columns) -> anyhow::Result<Png> {
    let slots = &chart.slots[..chart.slots.len().min(MAX_COLUMNS)];
    let plot_width = (COLUMN * slots.len() as f32).max(PLOT_MIN_WIDTH);
    let width = (plot_width + 2.0 * MARGIN).ceil();
    let height = (MARGIN + TITLE + COUNTS + PLOT_HEIGHT + SLOT_LABELS + MARGIN).ceil();
    let mut canvas = Canvas::new(width as u32, height as u32, BACKGROUND)?;
    title(&mut canvas, &chart.title, plot_width);
    let most = slots.iter().map(|s| s.count).max().unwrap_or(0).max(1);
    let base = MARGIN + TITLE + COUNTS + PLOT_HEIGHT;
    let each = plot_width / slots.len().max(1) as f32;
    for (i, slot) in slots.iter().enumerate() {
        let x = MARGIN + each * i as f32;
        let tall = PLOT_HEIGHT * slot.count as f32 / most as f32;
        canvas.fill(
            Area {
                x: x + 3.0,
                y: base - tall,
                width: each - 6.0,
                height: tall,
            },
            FILL,
        );
        let face = Face::regular(10.0);
        if slot.count > 0 {
            let count = slot.count.to_string();
            centred(&mut canvas, &count, x, base - tall - COUNTS, each, face);
        }
        centred(&mut canvas, &slot.label, x, base + 3.0, each, face);
    }
    canvas.fill(
        Area {
            x: MARGIN,
            y: base,
            width: plot_width,
            height: 1.0,
        },
        MUTED,
    );
    canvas.png()
}

fn title(canvas: &mut Canvas, text: &str, width: f32) {
    let face = Face::bold(16.0);
    let area = Area {
        x: MARGIN,
        y: MARGIN,
        width,
        height: TITLE,
    };
    canvas.lines(area, &face.wrap(text, width, 1), face, INK);
}

/// One line of `text` centred in a box `width` wide from `x`, cut to fit.
fn centred(canvas: &mut Canvas, text: &str, x: f32, y: f32, width: f32, face: Face) {
    let lines = face.wrap(text, width, 1);
    let used = lines.first().map_or(0.0, |line| face.width(line));
    let area = Area {
        x: x + (width - used) / 2.0,
        y,
        width: used.min(width),
        height: face.line_height(),
    };
    canvas.lines(area, &lines, face, MUTED);
}

/// A value a bar can be drawn for: not negative, not NaN, not infinite.
fn finite(value: f64) -> f64 {
    match value.is_finite() {
        true => value.max(0.0),
        false => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::decoded::{decode, hostile, pixel};
    use crate::reply::limits;

    fn talks() -> Bars {
        Bars {
            title: "Upcoming talks most in agendas".into(),
            bars: vec![
                Bar {
                    label: "Learning to learn".into(),
                    value: 40.0,
                    shown: "40 · 30 seats".into(),
                    marker: Some(30.0),
                },
                Bar {
                    label: "Ωμέγα и Привет".into(),
                    value: 20.0,
                    shown: "20 · 50 seats".into(),
                    marker: Some(50.0),
                },
                Bar {
                    label: "Posters".into(),
                    value: 10.0,
                    shown: "10".into(),
                    marker: None,
                },
            ],
            full: None,
        }
    }

    fn hours() -> Columns {
        Columns {
            title: "Interactions per hour".into(),
            slots: (0..24)
                .map(|h| Slot {
                    label: format!("{h:02}"),
                    count: h * 3 % 7,
                })
                .collect(),
        }
    }

    /// The middle of bar `i`'s row, `along` of the way along its track.
    fn on_bar(i: usize, along: f32) -> (f32, f32) {
        let track = WIDTH as f32 - 2.0 * MARGIN - VALUE_ROOM;
        let y = MARGIN + TITLE + ROW * i as f32 + LABEL + BAR / 2.0;
        (MARGIN + track * along, y)
    }

    #[test]
    fn bars_decode_at_their_size_a_row_per_bar() {
        let (width, height, _) = decode(&bars(&talks()).unwrap());
        assert_eq!(width, WIDTH as usize);
        assert_eq!(height, (2.0 * MARGIN + TITLE + 3.0 * ROW) as usize);
        let many = Bars {
            bars: vec![talks().bars[2].clone(); 100],
            ..talks()
        };
        let (_, height, _) = decode(&bars(&many).unwrap());
        assert_eq!(
            height,
            (2.0 * MARGIN + TITLE + MAX_BARS as f32 * ROW) as usize
        );
        let none = Bars {
            bars: Vec::new(),
            ..talks()
        };
        let (_, height, _) = decode(&bars(&none).unwrap());
        assert_eq!(height, (2.0 * MARGIN + TITLE + ROW) as usize);
    }

    #[test]
    fn a_bar_past_its_marker_is_a_warning_and_lengths_follow_the_values() {
        let picture = decode(&bars(&talks()).unwrap());
        // The longest bar is the largest of values and markers: 40 of 50 (the second marker).
        let (x, y) = on_bar(0, 0.79);
        assert_eq!(pixel(&picture, x, y), WARNING);
        let (x, y) = on_bar(0, 0.81);
        assert_ne!(pixel(&picture, x, y), WARNING);
        let (x, y) = on_bar(1, 0.39);
        assert_eq!(pixel(&picture, x, y), FILL);
        let (x, y) = on_bar(1, 0.41);
        assert_eq!(pixel(&picture, x, y), TRACK);
        let (x, y) = on_bar(2, 0.19);
        assert_eq!(pixel(&picture, x, y), FILL);
        // The second bar's marker, at its full length.
        let (x, y) = on_bar(1, 1.0);
        assert_eq!(pixel(&picture, x - 1.0, y), MARKER);
        assert!(talks().bars[0].passes_marker());
        assert!(!talks().bars[1].passes_marker() && !talks().bars[2].passes_marker());
    }

    #[test]
    fn a_fixed_full_length_scales_every_bar_to_it() {
        let averages = Bars {
            bars: vec![Bar {
                label: "A talk".into(),
                value: 2.5,
                shown: "2.5 / 5".into(),
                marker: None,
            }],
            full: Some(5.0),
            ..talks()
        };
        let picture = decode(&bars(&averages).unwrap());
        let (x, y) = on_bar(0, 0.49);
        assert_eq!(pixel(&picture, x, y), FILL);
        let (x, y) = on_bar(0, 0.51);
        assert_eq!(pixel(&picture, x, y), TRACK);
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes_and_a_changed_count_another() {
        let first = bars(&talks()).unwrap();
        assert_eq!(bars(&talks()).unwrap(), first);
        let mut changed = talks();
        changed.bars[2].value = 11.0;
        assert_ne!(bars(&changed).unwrap(), first);

        let first = columns(&hours()).unwrap();
        assert_eq!(columns(&hours()).unwrap(), first);
        let mut changed = hours();
        changed.slots[5].count += 1;
        assert_ne!(columns(&changed).unwrap(), first);
    }

    #[test]
    fn columns_decode_a_column_per_slot_the_tallest_the_busiest() {
        let picture = decode(&columns(&hours()).unwrap());
        assert_eq!(picture.0, (24.0 * COLUMN + 2.0 * MARGIN) as usize);
        let height = 2.0 * MARGIN + TITLE + COUNTS + PLOT_HEIGHT + SLOT_LABELS;
        assert_eq!(picture.1, height as usize);
        let base = MARGIN + TITLE + COUNTS + PLOT_HEIGHT;
        // Inside a column's bar, clear of its count written above it.
        let middle = |slot: usize| MARGIN + COLUMN * slot as f32 + 5.0;
        // Hour 2 counts 6 of the busiest 6: the full height; hour 0 counts none.
        assert_eq!(pixel(&picture, middle(2), base - PLOT_HEIGHT + 1.0), FILL);
        assert_eq!(pixel(&picture, middle(0), base - 2.0), BACKGROUND);
        // Hour 1 counts 3: half.
        assert_eq!(pixel(&picture, middle(1), base - PLOT_HEIGHT * 0.45), FILL);
        assert_eq!(
            pixel(&picture, middle(1), base - PLOT_HEIGHT * 0.55),
            BACKGROUND
        );
        // A few columns (ratings 1–5) take a chart of the smallest width; none, the same.
        let ratings = Columns {
            title: "Ratings".into(),
            slots: (1..=5)
                .map(|r| Slot {
                    label: r.to_string(),
                    count: 0,
                })
                .collect(),
        };
        let small = (PLOT_MIN_WIDTH + 2.0 * MARGIN) as usize;
        assert_eq!(decode(&columns(&ratings).unwrap()).0, small);
        let empty = Columns {
            slots: Vec::new(),
            ..ratings
        };
        assert_eq!(decode(&columns(&empty).unwrap()).0, small);
    }

    #[test]
    fn hostile_labels_and_values_render_without_panic() {
        for text in &hostile() {
            let chart = Bars {
                title: text.clone(),
                bars: [f64::NAN, f64::INFINITY, -3.0, 1e300]
                    .into_iter()
                    .map(|value| Bar {
                        label: text.clone(),
                        value,
                        shown: text.clone(),
                        marker: Some(-value),
                    })
                    .collect(),
                full: Some(f64::NAN),
            };
            let png = bars(&chart).unwrap();
            assert_eq!(decode(&png).0, WIDTH as usize);
            assert!(png.0.len() < limits::ATTACHMENT_BYTES);
            let chart = Columns {
                title: text.clone(),
                slots: vec![
                    Slot {
                        label: text.clone(),
                        count: u32::MAX,
                    };
                    100
                ],
            };
            let png = columns(&chart).unwrap();
            assert_eq!(
                decode(&png).0,
                (MAX_COLUMNS as f32 * COLUMN + 2.0 * MARGIN) as usize
            );
        }
    }
}
