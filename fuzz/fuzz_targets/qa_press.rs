//! The Q&A buttons' custom ids, which come back from Discord untrusted: parsing never panics,
//! what parses makes an id that parses the same, and every press round-trips within Discord's
//! custom id limit.
#![no_main]

use confbot::domain::qa::Press;
use confbot::reply::limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(press) = Press::parse(text) {
            assert_eq!(Press::parse(&press.custom_id()), Some(press), "{text:?}");
        }
    }
    // The bytes as a question id and a count.
    let mut bytes = [0u8; 16];
    let n = data.len().min(16);
    bytes[..n].copy_from_slice(&data[..n]);
    let question = i64::from_le_bytes(bytes[..8].try_into().unwrap());
    let count = u64::from_le_bytes(bytes[8..].try_into().unwrap()) as usize;
    for press in [Press::Vote(question), Press::Answered(question, count)] {
        let id = press.custom_id();
        assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
        assert_eq!(Press::parse(&id), Some(press));
    }
});
