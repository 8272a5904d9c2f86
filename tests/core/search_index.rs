//! The bot's search index (`store/talk_index.rs`) answers as FTS5 does, on a generated program
//! of 3,000 talks: for every query of the realistic search mix (and a few that test words,
//! accents and hostile input) the same talks match and the same number is counted;
//! autocomplete offers the same talks for every typed prefix; and the index's top results put
//! the talks whose title holds every word first, as well as FTS5 does or better.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use confbot::program::{import_str, ImportOptions};
use confbot::store::{ScheduledTalk, Store};
use synthetic::{program_json, search_mix, typed_prefixes, GenOptions, TalkText};

struct Setup {
    _dir: tempfile::TempDir,
    /// The database answering with FTS5 alone, as `confbot import` opens it.
    fts5: Store,
    /// The same database, answering from the index the bot keeps.
    indexed: Store,
}

/// One program for every test: importing and indexing it is most of the time.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("confbot.sqlite3");
        let json = program_json(&GenOptions {
            talks: 3_000,
            ..GenOptions::default()
        })
        .unwrap();
        let program = import_str("generated", &json, &ImportOptions::default())
            .unwrap()
            .program;
        let fts5 = Store::open(&db).unwrap();
        fts5.replace_program(&program).unwrap();
        let indexed = Store::open(&db).unwrap();
        indexed.keep_search_index().unwrap();
        assert!(indexed.search_index_is_current().unwrap());
        Setup {
            _dir: dir,
            fts5,
            indexed,
        }
    })
}

fn queries(store: &Store) -> Vec<String> {
    let program = store.load_program().unwrap().unwrap();
    let talks: Vec<TalkText> = program
        .talks()
        .map(|t| TalkText {
            title: &t.title,
            speaker: &t.speakers[0].name,
        })
        .collect();
    let mut queries = search_mix(&talks);
    queries.extend(
        [
            "learning",
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

fn ids(talks: &[ScheduledTalk]) -> Vec<String> {
    talks.iter().map(|t| t.talk.id.to_string()).collect()
}

#[test]
fn the_index_finds_and_counts_what_fts5_does() {
    let s = setup();
    let mut matched_something = 0;
    for q in queries(&s.fts5) {
        // Every match: more than the program has talks.
        let (fts5_total, fts5_all) = s.fts5.search(&q, 10_000).unwrap();
        let (total, all) = s.indexed.search(&q, 10_000).unwrap();
        let expected: BTreeSet<String> = ids(&fts5_all).into_iter().collect();
        let found: BTreeSet<String> = ids(&all).into_iter().collect();
        assert_eq!(found, expected, "matches of {q:?}");
        assert_eq!(total, fts5_total, "count of {q:?}");
        matched_something += usize::from(!expected.is_empty());

        // A page of results: the count stops past 1,000 as FTS5's does.
        let (fts5_total, fts5_top) = s.fts5.search(&q, 50).unwrap();
        let (total, top) = s.indexed.search(&q, 50).unwrap();
        assert_eq!(total, fts5_total, "count of {q:?}, a page");
        assert_eq!(top.len(), fts5_top.len(), "results of {q:?}");
        assert!(
            top.iter().all(|t| expected.contains(t.talk.id.as_str())),
            "{q:?}: top results that do not match"
        );

        // Talks whose title holds every word (each a prefix) come first: strictly for one
        // word; for several, bm25 mixes them a little, as FTS5 does, and no more.
        let words = words_of(&q);
        let inversions = title_inversions(&words, &top);
        if words.len() == 1 {
            assert_eq!(
                inversions, 0,
                "{q:?}: a title match ranked after a talk without one"
            );
        } else {
            let fts5 = title_inversions(&words, &fts5_top);
            assert!(
                inversions <= fts5,
                "{q:?}: {inversions} inversions, FTS5 {fts5}"
            );
        }
    }
    assert!(matched_something >= 10, "the queries find talks");
}

#[test]
fn autocomplete_offers_what_fts5_offers_for_every_prefix() {
    let s = setup();
    let now = chrono::Utc::now();
    for prefix in typed_prefixes() {
        let choices = |store: &Store| -> Vec<String> {
            let mut ids: Vec<String> = store
                .talk_choices(prefix, now, 25)
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            choices(&s.indexed),
            choices(&s.fts5),
            "choices for {prefix:?}"
        );
    }
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// How many times, in this ranking, a talk whose title holds every word (each a prefix)
/// comes right after one whose title does not.
fn title_inversions(words: &[String], ranked: &[ScheduledTalk]) -> usize {
    let in_title: Vec<bool> = ranked
        .iter()
        .map(|t| {
            let title = words_of(&t.talk.title);
            words.iter().all(|w| title.iter().any(|t| t.starts_with(w)))
        })
        .collect();
    in_title.windows(2).filter(|w| !w[0] && w[1]).count()
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
