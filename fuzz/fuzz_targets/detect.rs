//! Format detection on any UTF-8 text: it never panics, and names a concrete format (never
//! `auto`, never the MiniConf folder) or says what the text looks like.
#![no_main]

use confbot::program::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Format::detect(text) {
        Ok(format) => assert!(!matches!(format, Format::Auto | Format::MiniConf)),
        Err(not) => assert!(!not.to_string().is_empty()),
    }
});
