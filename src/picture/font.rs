//! The bundled typeface, DejaVu Sans Condensed (regular and bold, `data/fonts/`, under the
//! Bitstream Vera licence beside it), and how text becomes positioned glyphs.
//!
//! Program text is untrusted, so before anything is measured: control characters and the
//! invisible ones (zero-width spaces and joiners, bidi overrides and marks, variation
//! selectors, tags) are dropped, and any other character the font has no glyph for (an emoji,
//! a CJK ideograph) is drawn as the font's visible replacement character `�`, never as nothing.
//! Text is laid out left to right in the order it is stored: no bidi reordering or shaping.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, GlyphId, PxScale, ScaleFont};

static REGULAR: &[u8] = include_bytes!("../../data/fonts/DejaVuSansCondensed.ttf");
static BOLD: &[u8] = include_bytes!("../../data/fonts/DejaVuSansCondensed-Bold.ttf");

/// Which of the two bundled faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A face at a size, in pixels.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    pub weight: Weight,
    pub size: f32,
}

impl Face {
    pub fn regular(size: f32) -> Face {
        Face {
            weight: Weight::Regular,
            size,
        }
    }

    pub fn bold(size: f32) -> Face {
        Face {
            weight: Weight::Bold,
            size,
        }
    }

    fn font(self) -> &'static FontRef<'static> {
        static FONTS: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
        let fonts = FONTS.get_or_init(|| {
            [REGULAR, BOLD]
                .map(|bytes| FontRef::try_from_slice(bytes).expect("the bundled fonts parse"))
        });
        &fonts[usize::from(self.weight == Weight::Bold)]
    }

    /// The distance from one baseline to the next.
    pub fn line_height(self) -> f32 {
        (self.size * 1.2).ceil()
    }

    /// From the top of a line to its baseline.
    pub fn ascent(self) -> f32 {
        self.font().as_scaled(PxScale::from(self.size)).ascent()
    }

    /// `text`'s glyphs from `x` on a baseline at `y`, kerned, and where the last one ends.
    pub fn glyphs(self, text: &str, x: f32, y: f32) -> (Vec<Glyph>, f32) {
        let font = self.font();
        let scaled = font.as_scaled(PxScale::from(self.size));
        let missing = font.glyph_id('\u{FFFD}');
        let mut glyphs: Vec<Glyph> = Vec::new();
        let mut caret = x;
        for c in text.chars().filter(|c| shown(*c)) {
            let id = match font.glyph_id(c) {
                GlyphId(0) => missing,
                id => id,
            };
            if let Some(previous) = glyphs.last() {
                caret += scaled.kern(previous.id, id);
            }
            glyphs.push(id.with_scale_and_position(self.size, ab_glyph::point(caret, y)));
            caret += scaled.h_advance(id);
        }
        (glyphs, caret)
    }

    pub fn width(self, text: &str) -> f32 {
        self.glyphs(text, 0.0, 0.0).1
    }

    /// What draws a glyph: its outline, if it has one (a space has none).
    pub fn outline(self, glyph: Glyph) -> Option<ab_glyph::OutlinedGlyph> {
        self.font().outline_glyph(glyph)
    }

    /// `text` in at most `lines` lines of at most `width` pixels, broken between words (inside
    /// a word only when it is wider than a line); if it does not all fit, the last line ends
    /// with an ellipsis.
    pub fn wrap(self, text: &str, width: f32, lines: usize) -> Vec<String> {
        if lines == 0 {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        let mut line = String::new();
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut cut = false;
        'words: for word in &words {
            let joined = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if self.width(&joined) <= width {
                line = joined;
                continue;
            }
            if !line.is_empty() {
                if out.len() + 1 == lines {
                    cut = true;
                    break;
                }
                out.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if self.width(&line) > width && line.chars().count() > 1 {
                    line.pop();
                    if out.len() + 1 == lines {
                        cut = true;
                        break 'words;
                    }
                    out.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        if cut {
            while !line.is_empty() && self.width(&format!("{line}…")) > width {
                line.pop();
            }
            line = format!("{}…", line.trim_end());
        }
        if !line.is_empty() {
            out.push(line);
        }
        out
    }
}

/// Whether a character is drawn at all: not a control character, nor one meant to be
/// invisible (Unicode's default-ignorable code points, which include the bidi controls).
fn shown(c: char) -> bool {
    !c.is_control()
        && !matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_greek_and_cyrillic_have_glyphs_in_both_faces() {
        let text = "Ünïcödé façade ŁÓDŹ Ωμέγα λόγος Привет мир ЁЖЩ";
        for face in [Face::regular(12.0), Face::bold(12.0)] {
            for c in text.chars().filter(|c| !c.is_whitespace()) {
                assert_ne!(
                    face.font().glyph_id(c),
                    GlyphId(0),
                    "{c:?} {:?}",
                    face.weight
                );
            }
            assert_ne!(face.font().glyph_id('\u{FFFD}'), GlyphId(0));
        }
    }

    #[test]
    fn a_character_the_font_lacks_is_drawn_as_the_replacement_character() {
        let face = Face::regular(12.0);
        let (glyphs, _) = face.glyphs("a🦀", 0.0, 0.0);
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[1].id, face.font().glyph_id('\u{FFFD}'));
        assert!(face.outline(glyphs[1].clone()).is_some(), "a visible glyph");
    }

    #[test]
    fn invisible_and_control_characters_take_no_room() {
        let face = Face::regular(12.0);
        let hostile = "a\u{200B}\u{202E}\u{200D}\u{FEFF}\u{0007}\u{E0041}b";
        assert_eq!(face.width(hostile), face.width("ab"));
    }

    #[test]
    fn wrapping_breaks_between_words_and_marks_a_cut_with_an_ellipsis() {
        let face = Face::regular(12.0);
        let width = face.width("Learning to learn");
        assert_eq!(
            face.wrap("Learning to learn the rules", width, 2),
            ["Learning to learn", "the rules"]
        );
        let cut = face.wrap(&"word ".repeat(200), width, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
        assert!(cut.iter().all(|line| face.width(line) <= width));
        let long = face.wrap(&"x".repeat(1000), width, 3);
        assert_eq!(long.len(), 3);
        assert!(long.iter().all(|line| face.width(line) <= width));
        assert!(face.wrap("anything", width, 0).is_empty());
    }
}
