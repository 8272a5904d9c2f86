//! The MiniConf importer, through its honest entry point: a `sitedata/` folder on disk, read
//! by `import_file`. The input after the options byte is split at 0xFF bytes (never in UTF-8
//! text) into `main_calendar.json`, `papers.csv`, `config.yml` and `papers.json`; a part
//! that is missing is a file that is missing.
#![no_main]

use std::sync::OnceLock;

use confbot::program::{import_file, Format};
use confbot_fuzz::{check, options};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = [
    "main_calendar.json",
    "papers.csv",
    "config.yml",
    "papers.json",
];

/// One folder for the whole run; each input rewrites it.
fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let dir = folder().path();
    let mut parts = rest.split(|&b| b == 0xFF);
    for file in FILES {
        let path = dir.join(file);
        match parts.next() {
            Some(part) => std::fs::write(&path, part).expect("write a sitedata file"),
            None => match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("remove {file}: {e}"),
            },
        }
    }
    if let Ok(imported) = import_file(dir, &options(Format::MiniConf, choice)) {
        check(&imported, Format::MiniConf);
    }
});
