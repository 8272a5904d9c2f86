//! The tantivy index answers as FTS5 does, on a small generated program: for every query of the
//! realistic mix (and a few that test words, accents and hostile input), the same talks match
//! and the same number is counted; autocomplete offers the same talks for every typed prefix;
//! and tantivy's top results put the talks whose title holds every word first.

use std::sync::{Mutex, OnceLock};

use confbot::store::{fts_query, Store};
use rusqlite::Connection;
use searchbench::corpus::{self, COMMON_WORD};
use searchbench::rows;
use searchbench::tantivy_index::{self, TalkIndex};

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    conn: Mutex<Connection>,
    index: TalkIndex,
}

/// One program and index for both tests: building them is most of the time.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(build)
}

fn build() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    corpus::create(&db, 3_000).unwrap();
    let conn = Connection::open(&db).unwrap();
    let talks = corpus::indexed_talks(&conn).unwrap();
    let path = dir.path().join("tantivy");
    std::fs::create_dir(&path).unwrap();
    // Two threads: the index is then written as several segments and merged, which must keep
    // program order.
    tantivy_index::build(&path, &talks, 2).unwrap();
    Setup {
        store: Store::open(&db).unwrap(),
        index: TalkIndex::open(&path).unwrap(),
        conn: Mutex::new(conn),
        _dir: dir,
    }
}

fn queries(store: &Store) -> Vec<String> {
    let mut queries = corpus::searches(store).unwrap();
    queries.extend(
        [
            COMMON_WORD,
            "\"(* NEAR -OR title:{x} ^ learning",
            "Müller",
            "muller",
            "GARCÍA",
            "kovac",
            "neural network",
            "l",
            "🎉",
            "",
        ]
        .map(String::from),
    );
    queries
}

/// Every talk FTS5 matches, by row key.
fn fts5_matches(conn: &Connection, text: &str) -> Vec<i64> {
    let Some(query) = fts_query(text) else {
        return Vec::new();
    };
    let mut stmt = conn
        .prepare("SELECT rowid FROM talk_search WHERE talk_search MATCH ?1 ORDER BY rowid")
        .unwrap();
    let rows = stmt.query_map([query], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn tantivy_answers_as_fts5_does() {
    let s = setup();
    let conn = s.conn.lock().unwrap();
    assert_eq!(s.index.segments(), 1);
    let mut matched_something = 0;
    for q in queries(&s.store) {
        let expected = fts5_matches(&conn, &q);
        assert_eq!(s.index.matches(&q).unwrap(), expected, "matches of {q:?}");
        matched_something += usize::from(!expected.is_empty());

        let (fts5_total, fts5_top) = s.store.search(&q, 50).unwrap();
        let (total, top) = s.index.search(&q, 50).unwrap();
        assert_eq!(total, fts5_total, "count of {q:?}");
        assert_eq!(top.len(), fts5_top.len(), "results of {q:?}");
        assert!(
            top.iter().all(|pk| expected.binary_search(pk).is_ok()),
            "{q:?}: top results that do not match"
        );

        // Talks whose title holds every word (each a prefix) come first: strictly for one
        // word; for several, bm25 mixes them a little, as FTS5 does today, and no more.
        let words = words_of(&q);
        let fts5_ranked = fts5_ranked(&conn, &q);
        let inversions = title_inversions(&conn, &words, &top);
        if words.len() == 1 {
            assert_eq!(
                inversions, 0,
                "{q:?}: a title match ranked after a talk without one"
            );
        } else {
            let today = title_inversions(&conn, &words, &fts5_ranked);
            assert!(
                inversions <= today,
                "{q:?}: {inversions} inversions, FTS5 {today}"
            );
        }
    }
    assert!(matched_something >= 10, "the queries find talks");
}

/// FTS5's top 50, ranked as the bot ranks them.
fn fts5_ranked(conn: &Connection, text: &str) -> Vec<i64> {
    let Some(query) = fts_query(text) else {
        return Vec::new();
    };
    let mut stmt = conn
        .prepare(
            "SELECT rowid FROM talk_search WHERE talk_search MATCH ?1
             ORDER BY bm25(talk_search, 10.0, 1.0, 5.0, 2.0) LIMIT 50",
        )
        .unwrap();
    let rows = stmt.query_map([query], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// How many times, in this ranking, a talk whose title holds every word (each a prefix)
/// comes right after one whose title does not.
fn title_inversions(conn: &Connection, words: &[String], ranked: &[i64]) -> usize {
    let in_title: Vec<bool> = rows::read(conn, ranked)
        .unwrap()
        .iter()
        .map(|t| {
            let title = words_of(&t.title);
            words.iter().all(|w| title.iter().any(|t| t.starts_with(w)))
        })
        .collect();
    in_title.windows(2).filter(|w| !w[0] && w[1]).count()
}

#[test]
fn autocomplete_offers_the_same_talks_for_every_prefix() {
    let s = setup();
    let conn = s.conn.lock().unwrap();
    let now = chrono::Utc::now();
    for prefix in confbot::synthetic::typed_prefixes() {
        let mut expected: Vec<String> = s
            .store
            .talk_choices(prefix, now, 25)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let pks = s.index.complete(prefix, 25).unwrap();
        let mut offered: Vec<String> = rows::read(&conn, &pks)
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        expected.sort();
        offered.sort();
        assert_eq!(offered, expected, "choices for {prefix:?}");
    }
}

/// Lowercase without accents, for the few accented letters of the generated names.
fn fold(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' | 'č' | 'ć' => 'c',
            'ñ' => 'n',
            'š' => 's',
            'ž' => 'z',
            other => other,
        })
        .collect()
}
