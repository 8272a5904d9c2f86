//! The Json importer on any UTF-8 text: it never panics, and what it accepts is a valid
//! program in sane time bounds. The first byte picks the import options.
#![no_main]

use confbot::program::{import_str, Format};
use confbot_fuzz::{check, options_and_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((options, text)) = options_and_text(Format::Json, data) else {
        return;
    };
    if let Ok(imported) = import_str("fuzz", text, &options) {
        check(&imported, Format::Json);
    }
});
