//! The conference-page importer on any UTF-8 text: it never panics, and what it accepts is a
//! valid program in sane time bounds. The first byte picks the import options. An input with a
//! 0xFF byte (never in UTF-8 text) is a page and, after the 0xFF, its titles sidecar: both are
//! written to a temporary folder and read with `import_file`, as `--titles` does.
#![no_main]

use std::sync::OnceLock;

use confbot::program::{import_file, import_str, Format};
use confbot_fuzz::{check, options, options_and_text};
use libfuzzer_sys::fuzz_target;

/// One folder for the whole run; each input with a sidecar rewrites its two files.
fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let imported = match data.iter().position(|&b| b == 0xFF) {
        Some(at) if at > 0 => {
            let mut options = options(Format::Page, data[0]);
            let dir = folder().path();
            let (page, titles) = (dir.join("page.txt"), dir.join("page.titles.txt"));
            std::fs::write(&page, &data[1..at]).expect("write the page");
            std::fs::write(&titles, &data[at + 1..]).expect("write the sidecar");
            options.titles = Some(titles);
            import_file(&page, &options)
        }
        _ => {
            let Some((options, text)) = options_and_text(Format::Page, data) else {
                return;
            };
            import_str("fuzz", text, &options)
        }
    };
    if let Ok(imported) = imported {
        check(&imported, Format::Page);
    }
});
