//! User text to an FTS5 query: whatever is typed, the query is a few quoted prefix words and
//! FTS5 accepts it (run against a table made like the bot's `talk_search`), so FTS syntax
//! never reaches FTS5 as syntax.
#![no_main]

use confbot::store::fts_query;
use libfuzzer_sys::fuzz_target;
use rusqlite::Connection;

thread_local! {
    static DB: Connection = {
        let db = Connection::open_in_memory().expect("an in-memory database");
        db.execute_batch(
            "CREATE VIRTUAL TABLE talk_search USING fts5 (
                 title, abstract, speakers, session,
                 tokenize = 'unicode61 remove_diacritics 2'
             );
             INSERT INTO talk_search VALUES ('Hopfield networks', 'Énergie', 'Ada', 'Orals 1');",
        )
        .expect("the search table");
        db
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(query) = fts_query(text) else {
        return;
    };
    let words: Vec<&str> = query.split(' ').collect();
    assert!((1..=12).contains(&words.len()), "{query}");
    for word in words {
        let inner = word
            .strip_prefix('"')
            .and_then(|w| w.strip_suffix("\"*"))
            .unwrap_or_else(|| panic!("not a quoted prefix: {word} in {query}"));
        assert!(
            !inner.is_empty() && inner.chars().all(char::is_alphanumeric),
            "{query}"
        );
        assert!(inner.chars().count() <= 40, "{query}");
    }
    DB.with(|db| {
        db.query_row(
            "SELECT count(*) FROM talk_search WHERE talk_search MATCH ?1",
            [&query],
            |row| row.get::<_, i64>(0),
        )
        .unwrap_or_else(|e| panic!("FTS5 refused {query:?} (from {text:?}): {e}"));
    });
});
