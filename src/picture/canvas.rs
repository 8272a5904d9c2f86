//! An opaque RGB canvas (a tiny-skia pixmap) that fills rectangles and writes lines of text
//! clipped to a box, then becomes a PNG.

use anyhow::Context;
use tiny_skia::{Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke, Transform};

use super::font::Face;
use super::Png;

/// An opaque colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The colours every picture shares: a white page, dark text, grey for what is secondary,
/// blue for what is counted or scheduled.
pub mod palette {
    use super::Rgb;

    pub const BACKGROUND: Rgb = Rgb(255, 255, 255);
    pub const INK: Rgb = Rgb(17, 24, 39);
    pub const MUTED: Rgb = Rgb(75, 85, 99);
    pub const ACCENT: Rgb = Rgb(59, 130, 246);
}

/// A box on the canvas, in pixels: `x`, `y` its top left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Area {
    /// The same box less `by` on every side.
    pub fn inset(self, by: f32) -> Area {
        Area {
            x: self.x + by,
            y: self.y + by,
            width: (self.width - 2.0 * by).max(0.0),
            height: (self.height - 2.0 * by).max(0.0),
        }
    }

    fn rect(self) -> Option<Rect> {
        Rect::from_xywh(self.x, self.y, self.width, self.height)
    }
}

pub struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    pub fn new(width: u32, height: u32, background: Rgb) -> anyhow::Result<Canvas> {
        let mut pixmap = Pixmap::new(width, height)
            .with_context(|| format!("a {width}×{height} picture is too large"))?;
        pixmap.fill(tiny_skia::Color::from_rgba8(
            background.0,
            background.1,
            background.2,
            255,
        ));
        Ok(Canvas { pixmap })
    }

    pub fn fill(&mut self, area: Area, colour: Rgb) {
        if let Some(rect) = area.rect() {
            self.pixmap
                .fill_rect(rect, &paint(colour), Transform::identity(), None);
        }
    }

    /// A one-pixel outline inside `area`.
    pub fn frame(&mut self, area: Area, colour: Rgb) {
        if let Some(rect) = area.inset(0.5).rect() {
            let path = PathBuilder::from_rect(rect);
            self.pixmap.stroke_path(
                &path,
                &paint(colour),
                &Stroke::default(),
                Transform::identity(),
                None,
            );
        }
    }

    /// `lines` of `face` from the top of `area` down, as many as fit; nothing is drawn outside
    /// `area`. Returns the height used.
    pub fn lines(&mut self, area: Area, lines: &[String], face: Face, colour: Rgb) -> f32 {
        let mut top = area.y;
        for line in lines {
            if top + face.line_height() > area.y + area.height + 0.5 {
                break;
            }
            self.text(area, line, (area.x, top + face.ascent()), face, colour);
            top += face.line_height();
        }
        top - area.y
    }

    /// One line of text from `at` (its baseline's left end), clipped to `clip`. Glyph coverage
    /// is blended into the opaque pixels: no layer, no mask.
    fn text(&mut self, clip: Area, text: &str, at: (f32, f32), face: Face, colour: Rgb) {
        let width = self.pixmap.width() as i64;
        let height = self.pixmap.height() as i64;
        let left = (clip.x.floor() as i64).max(0);
        let top = (clip.y.floor() as i64).max(0);
        let right = ((clip.x + clip.width).ceil() as i64).min(width);
        let bottom = ((clip.y + clip.height).ceil() as i64).min(height);
        let pixels = self.pixmap.pixels_mut();
        for glyph in face.glyphs(text, at.0, at.1).0 {
            let Some(outline) = face.outline(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let x = bounds.min.x as i64 + i64::from(gx);
                let y = bounds.min.y as i64 + i64::from(gy);
                if x < left || x >= right || y < top || y >= bottom {
                    return;
                }
                let pixel = &mut pixels[(y * width + x) as usize];
                let a = coverage.clamp(0.0, 1.0);
                let mix = |under: u8, over: u8| {
                    (f32::from(under) * (1.0 - a) + f32::from(over) * a).round() as u8
                };
                let blended = PremultipliedColorU8::from_rgba(
                    mix(pixel.red(), colour.0),
                    mix(pixel.green(), colour.1),
                    mix(pixel.blue(), colour.2),
                    255,
                );
                if let Some(blended) = blended {
                    *pixel = blended;
                }
            });
        }
    }

    pub fn png(&self) -> anyhow::Result<Png> {
        Ok(Png(self.pixmap.encode_png().context("encoding a PNG")?))
    }
}

fn paint(colour: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(colour.0, colour.1, colour.2, 255);
    paint.anti_alias = true;
    paint
}
