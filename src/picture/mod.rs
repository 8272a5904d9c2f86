//! Pictures confbot draws itself, in-process: the day as a timetable (`timetable.rs`) and bar
//! charts of what organisers learn (`chart.rs`), drawn on a canvas (`canvas.rs`) with the
//! bundled typeface (`font.rs`). No browser, no service.
//!
//! Why these crates: tiny-skia (linebender, the rasteriser of resvg) fills and strokes shapes
//! anti-aliased and writes PNG, with no system library; ab_glyph rasterises the glyphs of a
//! TrueType font we ship, so a picture is the same bytes on every machine. Neither shapes text
//! (no ligatures, no bidi): Latin, Greek and Cyrillic need none, and what does is drawn letter
//! by letter rather than refused (`font.rs` says what happens to text the font cannot show).

mod canvas;
pub mod chart;
#[cfg(test)]
pub(crate) mod decoded;
mod font;
pub mod timetable;

/// A PNG file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png(pub Vec<u8>);
