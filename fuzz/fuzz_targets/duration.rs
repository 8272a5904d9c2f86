//! `parse_duration` (`CONFBOT_ANNOUNCE_GRACE`, `CONFBOT_TICK`, `CONFBOT_PROGRAM_POLL`, leads)
//! on any text: no panic or overflow, never a negative duration, and surrounding blanks do
//! not matter.
#![no_main]

use chrono::TimeDelta;
use confbot::program::time::parse_duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_duration(text);
    if let Ok(duration) = &parsed {
        assert!(*duration >= TimeDelta::zero(), "{text:?} → {duration}");
    }
    assert_eq!(
        parsed.as_ref().ok(),
        parse_duration(text.trim()).as_ref().ok(),
        "{text:?}"
    );
});
