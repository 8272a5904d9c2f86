//! The talks' search index for the bot: a tantivy index beside SQLite that ranks only the best
//! matches (block-max WAND top-k) where FTS5's bm25 scores every match. FTS5 (`talk_search`)
//! stays the index every process writes and the answer whenever this one is not current.
//!
//! - **Current or not used.** Every change of the talks' searchable text bumps
//!   `talk_text_version` in the same transaction (`program.rs`), whoever writes it. A search
//!   reads that version and its rows in one read transaction, and uses the index only if it was
//!   built from that very version; otherwise FTS5 answers and a rebuild starts in the background.
//!   So `confbot import` by another process is never answered from the old program.
//! - **Words** are FTS5's (`unicode61 remove_diacritics 2`): runs of letters and digits,
//!   lowercased, accents removed. Query text is cut into words as `fts_query` cuts it (at most
//!   12 words of at most 40 characters) and each word becomes one term: no syntax ever reaches
//!   the engine.
//! - **Every word is a prefix**, as `fts_query` makes it: each indexed word is indexed with all
//!   its prefixes (edge n-grams up to 40 characters), so a typed word is one exact term. (The
//!   other way, expanding a prefix through the term dictionary, turns "g" into thousands of
//!   terms scored as a constant.)
//! - **Ranking** is BM25 per field with FTS5's weights (title 10, speakers 5, session 2,
//!   abstract 1), summed over the fields and the words; every word is required.
//! - **Autocomplete** asks title and speakers only, unscored, and stops at the first `limit`
//!   talks in row-key order (documents are sorted by row key), as FTS5's `LIMIT` does.
//!
//! The index lives in a temporary folder, memory-mapped, so only what searches touch is in
//! memory; it is rebuilt at each start (about 7 s of one core for 50,000 talks,
//! `docs/PERFORMANCE.md`) rather than trusted across a crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::Connection;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{
    DocSet, Index, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy, Searcher,
    TantivyDocument, Term, TERMINATED,
};

use super::search::{query_words, MAX_WORD_CHARS};

/// Each talk's searchable text, as both indexes hold it: row key, title, abstract, speakers
/// (in order, comma-separated), session title. `program.rs` gives FTS5 the same text.
pub(super) const TALK_TEXT: &str = "SELECT t.pk, t.title, t.abstract,
        ifnull((SELECT string_agg(p.name, ', ' ORDER BY ts.position)
                FROM talk_speakers ts JOIN people p ON p.pk = ts.person WHERE ts.talk = t.pk), ''),
        s.title
    FROM talks t JOIN sessions s ON s.pk = t.session";

/// The version of the talks' searchable text that `conn` sees.
pub(super) fn text_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT version FROM talk_text_version")?
        .query_row([], |r| r.get(0))
}

/// The indexing thread's memory (tantivy's minimum is 15 MB); past it, a segment is written.
const WRITER_MEMORY: usize = 64 << 20;

/// After a failed build, searches stay with FTS5 this long before another is tried.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// The searchable fields.
#[derive(Clone, Copy)]
struct Fields {
    pk: Field,
    title: Field,
    abstract_text: Field,
    speakers: Field,
    session: Field,
}

impl Fields {
    /// Search's fields and weights, as `bm25(talk_search, 10.0, 1.0, 5.0, 2.0)`.
    fn weighted(&self) -> [(Field, f32); 4] {
        [
            (self.title, 10.0),
            (self.abstract_text, 1.0),
            (self.speakers, 5.0),
            (self.session, 2.0),
        ]
    }

    /// Autocomplete's fields (`{title speakers}` in FTS5); unscored.
    fn completed(&self) -> [(Field, f32); 2] {
        [(self.title, 1.0), (self.speakers, 1.0)]
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Frequencies for BM25, no positions: nothing here asks for phrases.
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PREFIXES)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        pk: builder.add_u64_field("pk", NumericOptions::default().set_fast()),
        title: builder.add_text_field("title", text.clone()),
        abstract_text: builder.add_text_field("abstract", text.clone()),
        speakers: builder.add_text_field("speakers", text.clone()),
        session: builder.add_text_field("session", text),
    };
    (builder.build(), fields)
}

/// Lowercase, accent-free words, as FTS5's `unicode61 remove_diacritics 2` makes them.
fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn normalized_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut words = Vec::new();
    analyzer
        .token_stream(text)
        .process(&mut |t: &Token| words.push(t.text.clone()));
    words
}

/// The name the fields' tokenizer is registered under.
const PREFIXES: &str = "prefixes";

/// Every word of a text with each of its prefixes up to [`MAX_WORD_CHARS`] characters, at the
/// word's position. A tokenizer rather than pre-tokenized documents, so the prefixes are made
/// in tantivy's indexing thread instead of queueing in memory (1.5 GB for 50,000 talks).
#[derive(Clone)]
struct Prefixes {
    words: TextAnalyzer,
}

struct PrefixStream {
    words: Vec<String>,
    /// The word being cut, and how many bytes and characters of it the current token has.
    word: usize,
    end: usize,
    chars: usize,
    token: Token,
}

impl Tokenizer for Prefixes {
    type TokenStream<'a> = PrefixStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PrefixStream {
        PrefixStream {
            words: normalized_words(&mut self.words, text),
            word: 0,
            end: 0,
            chars: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for PrefixStream {
    fn advance(&mut self) -> bool {
        while let Some(word) = self.words.get(self.word) {
            if let Some(c) = word[self.end..].chars().next() {
                if self.chars < MAX_WORD_CHARS {
                    self.end += c.len_utf8();
                    self.chars += 1;
                    self.token.text.clear();
                    self.token.text.push_str(&word[..self.end]);
                    self.token.position = self.word;
                    return true;
                }
            }
            self.word += 1;
            self.end = 0;
            self.chars = 0;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Gives the build's freed memory back to the system. glibc keeps what a thread freed in that
/// thread's arena: after a 50,000-talk build, 30 to 90 MB the bot would otherwise hold for as
/// long as it runs (12 MB once trimmed; `docs/PERFORMANCE.md`).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only returns free pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A built index: one searcher (a snapshot) of the talks' text at `version`.
pub(super) struct TalkIndex {
    version: i64,
    searcher: Searcher,
    /// Each segment's row keys.
    pks: Vec<Column<u64>>,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// Where the index's files are; removed when the last search of this index is done.
    _dir: tempfile::TempDir,
}

impl TalkIndex {
    /// Indexes the talks `conn` sees, in one read transaction (so the version and the text
    /// agree), into a new temporary folder, merged into one segment.
    fn build(conn: &Connection) -> anyhow::Result<TalkIndex> {
        let tx = conn.unchecked_transaction()?;
        let version = text_version(&tx)?;
        let dir = tempfile::Builder::new()
            .prefix("confbot-search-")
            .tempdir()
            .context("creating a temporary folder for the search index")?;
        let (schema, fields) = schema();
        let index = Index::builder()
            .schema(schema)
            .settings(IndexSettings {
                sort_by_field: Some(IndexSortByField {
                    field: "pk".into(),
                    order: Order::Asc,
                }),
                ..IndexSettings::default()
            })
            .create_in_dir(dir.path())?;
        index.tokenizers().register(
            PREFIXES,
            Prefixes {
                words: words_analyzer(),
            },
        );
        let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        // One merge at the end rather than merges while writing.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let mut stmt = tx.prepare(TALK_TEXT)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.pk, r.get::<_, i64>(0)? as u64);
            for (column, field) in [
                fields.title,
                fields.abstract_text,
                fields.speakers,
                fields.session,
            ]
            .into_iter()
            .enumerate()
            {
                doc.add_text(field, r.get_ref(column + 1)?.as_str()?);
            }
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        release_freed_memory();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let pks = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("pk"))
            .collect::<Result<_, _>>()?;
        Ok(TalkIndex {
            version,
            searcher,
            pks,
            fields,
            analyzer: words_analyzer(),
            _dir: dir,
        })
    }

    /// Every typed word in at least one of `fields`; `None` when `text` has no word.
    fn query(&self, text: &str, fields: &[(Field, f32)]) -> Option<Box<dyn Query>> {
        let mut analyzer = self.analyzer.clone();
        let words: Vec<String> = query_words(text)
            .flat_map(|w| normalized_words(&mut analyzer, &w))
            .collect();
        let word = |w: &str| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                fields
                    .iter()
                    .map(|&(field, weight)| {
                        let term = TermQuery::new(
                            Term::from_field_text(field, w),
                            IndexRecordOption::WithFreqs,
                        );
                        let boosted: Box<dyn Query> =
                            Box::new(BoostQuery::new(Box::new(term), weight));
                        (Occur::Should, boosted)
                    })
                    .collect(),
            ))
        };
        let mut words: Vec<Box<dyn Query>> = words.iter().map(|w| word(w)).collect();
        match words.len() {
            0 => None,
            // A pure union of term scorers: block-max WAND.
            1 => words.pop(),
            _ => Some(Box::new(BooleanQuery::new(
                words.into_iter().map(|q| (Occur::Must, q)).collect(),
            ))),
        }
    }

    fn pk(&self, segment: u32, doc: u32) -> i64 {
        self.pks[segment as usize].first(doc).unwrap_or_default() as i64
    }

    /// The best talks (scores and row keys, best first) for what a user typed, `TIES` more
    /// than the `limit` asked for so that the caller can order equal scores by the talks
    /// themselves; and how many match, counted up to `count_up_to`.
    pub(super) fn search(
        &self,
        text: &str,
        limit: usize,
        count_up_to: usize,
    ) -> anyhow::Result<(usize, Vec<(f32, i64)>)> {
        let Some(query) = self.query(text, &self.fields.weighted()) else {
            return Ok((0, Vec::new()));
        };
        let wanted = limit + TIES;
        let top = self
            .searcher
            .search(&*query, &TopDocs::with_limit(wanted).order_by_score())?;
        let found: Vec<(f32, i64)> = top
            .iter()
            .map(|(score, a)| (*score, self.pk(a.segment_ord, a.doc_id)))
            .collect();
        if found.len() < wanted {
            return Ok((found.len(), found));
        }
        let total = self.matching(&*query, count_up_to)?.len();
        Ok((total, found))
    }

    /// The first `limit` talks in row-key order whose title or speakers have every word typed.
    pub(super) fn complete(&self, text: &str, limit: usize) -> anyhow::Result<Vec<i64>> {
        match self.query(text, &self.fields.completed()) {
            Some(query) => self.matching(&*query, limit),
            None => Ok(Vec::new()),
        }
    }

    /// The first `limit` matches of `query` in row-key order, unscored.
    fn matching(&self, query: &dyn Query, limit: usize) -> anyhow::Result<Vec<i64>> {
        let weight = query.weight(EnableScoring::disabled_from_searcher(&self.searcher))?;
        let mut pks = Vec::new();
        for (ord, segment) in self.searcher.segment_readers().iter().enumerate() {
            let mut docs = weight.scorer(segment, 1.0)?;
            let mut doc = docs.doc();
            let mut taken = 0;
            while doc != TERMINATED && taken < limit {
                if segment
                    .alive_bitset()
                    .is_none_or(|alive| alive.is_alive(doc))
                {
                    pks.push(self.pk(ord as u32, doc));
                    taken += 1;
                }
                doc = docs.advance();
            }
        }
        // Each segment is in row-key order; with several, the first `limit` of them all.
        pks.sort_unstable();
        pks.truncate(limit);
        Ok(pks)
    }
}

/// The index a store keeps (once asked to, `Store::keep_search_index`) and its rebuilds.
#[derive(Default)]
pub(super) struct SearchIndex {
    /// Whether this store keeps an index at all: the bot does; `confbot import` and other
    /// short-lived stores search with FTS5 alone.
    kept: AtomicBool,
    current: RwLock<Option<Arc<TalkIndex>>>,
    /// Whether a background rebuild is running (at most one is).
    rebuilding: AtomicBool,
    /// When the last build failed, so a broken one is not retried at every search.
    failed_at: Mutex<Option<Instant>>,
}

/// How many talks past the limit a search fetches: the index breaks equal scores by row key,
/// which a reload numbers differently from a fresh import, so the talks tied at the cut are
/// fetched and ordered by start and id (as FTS5's query does). More than this many tied at
/// the cut would still be cut by row key.
const TIES: usize = 8;

/// What a search is to answer from.
pub(super) enum Lookup {
    /// The index, current for the search's snapshot.
    Current(Arc<TalkIndex>),
    /// FTS5, and a rebuild is to start now in the background; the claim ends it when dropped.
    Rebuild(RebuildClaim),
    /// FTS5: no index is kept, or a rebuild is running or failed lately.
    Fts5,
}

/// The one background rebuild's right to run.
pub(super) struct RebuildClaim(Arc<SearchIndex>);

impl RebuildClaim {
    /// Builds the index of what `conn` sees and puts it in use.
    pub(super) fn run(self, conn: &Connection) -> anyhow::Result<()> {
        self.0.rebuild(conn)
    }
}

impl Drop for RebuildClaim {
    fn drop(&mut self) {
        self.0.rebuilding.store(false, Ordering::Release);
    }
}

impl SearchIndex {
    /// Keeps an index from now on, built now from what `conn` sees.
    pub(super) fn keep(&self, conn: &Connection) -> anyhow::Result<()> {
        self.kept.store(true, Ordering::Relaxed);
        self.rebuild_now(conn)
    }

    /// Builds the index of what `conn` sees on this thread and puts it in use, holding off
    /// background rebuilds meanwhile: searches during the build see a version the index does
    /// not have yet, and would otherwise start a second build of the same text.
    pub(super) fn rebuild_now(&self, conn: &Connection) -> anyhow::Result<()> {
        let claimed = self
            .rebuilding
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        let built = self.rebuild(conn);
        if claimed {
            self.rebuilding.store(false, Ordering::Release);
        }
        built
    }

    /// Whether this store keeps an index.
    pub(super) fn is_kept(&self) -> bool {
        self.kept.load(Ordering::Relaxed)
    }

    /// Builds the index of what `conn` sees and puts it in use, unless one of a later version
    /// got there first (a build here may overlap one in the background: versions only grow).
    fn rebuild(&self, conn: &Connection) -> anyhow::Result<()> {
        let built = TalkIndex::build(conn);
        *self.failed_at.lock().unwrap_or_else(|p| p.into_inner()) =
            built.is_err().then(Instant::now);
        let built = Arc::new(built.context("building the search index")?);
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_none_or(|c| c.version <= built.version) {
            *current = Some(built);
        }
        Ok(())
    }

    /// The index, if it is kept and current for the snapshot `conn`'s transaction sees.
    pub(super) fn current(&self, conn: &Connection) -> anyhow::Result<Option<Arc<TalkIndex>>> {
        if !self.is_kept() {
            return Ok(None);
        }
        let version = text_version(conn)?;
        let current = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Ok(current.filter(|index| index.version == version))
    }

    /// What to answer a search from, for the snapshot `conn`'s transaction sees.
    pub(super) fn lookup(self: &Arc<Self>, conn: &Connection) -> anyhow::Result<Lookup> {
        if let Some(index) = self.current(conn)? {
            return Ok(Lookup::Current(index));
        }
        if !self.is_kept() {
            return Ok(Lookup::Fts5);
        }
        let failed_lately = self
            .failed_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|at| at.elapsed() < RETRY_AFTER);
        let claimed = !failed_lately
            && self
                .rebuilding
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok();
        Ok(if claimed {
            Lookup::Rebuild(RebuildClaim(Arc::clone(self)))
        } else {
            Lookup::Fts5
        })
    }
}
