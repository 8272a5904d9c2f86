//! Test kit for pictures: hostile program text, and a PNG read back by a decoder other than the
//! one that wrote it (zune-png), so a test checks the file Discord gets, not the canvas.

use super::canvas::Rgb;
use super::Png;

/// Width, height and RGBA pixels.
pub type Decoded = (usize, usize, Vec<u8>);

pub fn decode(png: &Png) -> Decoded {
    let mut decoder = zune_png::PngDecoder::new(std::io::Cursor::new(png.0.clone()));
    let pixels = decoder.decode_raw().expect("a valid PNG");
    let (width, height) = decoder.dimensions().unwrap();
    assert_eq!(
        decoder.colorspace(),
        Some(zune_png::zune_core::colorspace::ColorSpace::RGBA)
    );
    assert_eq!(pixels.len(), width * height * 4);
    (width, height, pixels)
}

/// Width and height of a PNG file's bytes.
pub fn size(bytes: &[u8]) -> (usize, usize) {
    let (width, height, _) = decode(&Png(bytes.to_vec()));
    (width, height)
}

pub fn pixel(picture: &Decoded, x: f32, y: f32) -> Rgb {
    let i = (y as usize * picture.0 + x as usize) * 4;
    Rgb(picture.2[i], picture.2[i + 1], picture.2[i + 2])
}

/// Titles a picture must draw without panic: very long, unbroken, right-to-left, bidi
/// overrides and zero-width characters, emoji and CJK the font lacks, control characters, none.
pub fn hostile() -> [String; 6] {
    [
        "x".repeat(1000),
        "word ".repeat(200),
        "שלום עולם مرحبا بالعالم".into(),
        "\u{202E}gnp.exe \u{200B}\u{200D}\u{FEFF}\u{2066}".into(),
        "🦀👩‍👩‍👧 🇺🇦 漢字 \u{0007}\u{0000}\n\t".into(),
        String::new(),
    ]
}
