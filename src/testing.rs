//! What the unit tests share: the bundled program, a store holding it, and times on its day.
//! (The integration tests in `tests/` have their own in `tests/discord/helpers.rs`.)

use chrono::{DateTime, TimeZone, Utc};

use crate::program::{import_str, ImportOptions, Program};
use crate::store::Store;

/// The bundled program (ICLR 2021, Tuesday 4 May).
pub fn bundled() -> Program {
    import_str("bundled", crate::DEFAULT_PROGRAM, &ImportOptions::default())
        .unwrap()
        .program
}

/// An in-memory store holding the bundled program.
pub fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&bundled()).unwrap();
    store
}

/// The two ways a store answers searches, each holding the bundled program: with FTS5 alone
/// (as `confbot import`), and from the search index the bot keeps.
pub fn search_stores() -> [Store; 2] {
    let indexed = store();
    indexed.keep_search_index().unwrap();
    assert!(indexed.search_index_is_current().unwrap());
    [store(), indexed]
}

/// A wall-clock time on Tuesday 4 May 2021 in Los Angeles (PDT, UTC-7), the bundled day.
pub fn pdt(hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2021, 5, 4, hour, minute, 0)
        .unwrap()
        .to_utc()
}
