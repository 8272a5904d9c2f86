//! The page buttons' custom ids, which come back from Discord untrusted: parsing never panics,
//! what parses makes an id that parses the same, within Discord's custom id limit, and a command
//! that parses holds only the characters of command names (it is shown in an answer).
#![no_main]

use confbot::ids::InteractionId;
use confbot::reply::{limits, PageTurn};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(turn) = PageTurn::parse(text) {
            let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_ ".contains(c);
            assert!(turn.command.chars().all(valid), "{text:?}");
            let id = turn.custom_id();
            assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
            assert_eq!(PageTurn::parse(&id), Some(turn), "{text:?}");
        }
    }
    // The bytes as a list, a page and a command name of the allowed characters.
    let mut bytes = [0u8; 12];
    let n = data.len().min(12);
    bytes[..n].copy_from_slice(&data[..n]);
    let list = u64::from_le_bytes(bytes[..8].try_into().unwrap()).max(1);
    let page = u32::from_le_bytes(bytes[8..].try_into().unwrap());
    const NAME: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_ ";
    let command: String = data
        .iter()
        .skip(12)
        .take(PageTurn::COMMAND_MAX)
        .map(|b| NAME[usize::from(*b) % NAME.len()] as char)
        .collect();
    if !command.is_empty() {
        let turn = PageTurn {
            list: InteractionId(list),
            page,
            command,
        };
        let id = turn.custom_id();
        assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
        assert_eq!(PageTurn::parse(&id), Some(turn));
    }
});
