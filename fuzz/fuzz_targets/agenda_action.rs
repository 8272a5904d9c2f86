//! The agenda's button and menu custom ids, which come back from Discord untrusted: parsing
//! never panics and gives back exactly the id it read; and any talk or session id a program
//! may hold makes a custom id within Discord's limit that parses to the same action.
#![no_main]

use confbot::domain::agenda::Action;
use confbot::program::MAX_ID_LEN;
use confbot::reply::limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(action) = Action::parse(text) {
        assert_eq!(action.custom_id(), text);
    }
    // The text as a talk or session id, as a program may hold it.
    if !text.is_empty() && text.chars().count() <= MAX_ID_LEN {
        for action in [
            Action::Remind(text.to_string()),
            Action::RemindSession(text.to_string()),
        ] {
            let id = action.custom_id();
            assert!(id.chars().count() <= limits::CUSTOM_ID, "{id}");
            assert_eq!(Action::parse(&id), Some(action));
        }
    }
});
