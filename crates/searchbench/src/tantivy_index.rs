//! The tantivy design: the talks' four searchable columns as tantivy fields, answering
//! `Store::search` and `Store::talk_choices` with the same meaning.
//!
//! - **Words** are FTS5's as the migration configures it (`unicode61 remove_diacritics 2`):
//!   runs of letters and digits, lowercased, accents removed (tantivy's `SimpleTokenizer`,
//!   `LowerCaser`, `AsciiFoldingFilter`). Query text is cut into words as `fts_query` cuts it
//!   (at most 12 words of at most 40 characters), so no syntax ever reaches the engine.
//! - **Every word is a prefix**, as `fts_query` makes it: each indexed word is indexed with all
//!   its prefixes (edge n-grams, 1 to 40 characters, at the word's position), so a typed word
//!   is one exact term. A prefix's frequency in a field is the number of words it starts, as
//!   FTS5 counts a prefix phrase's hits in a column (its document frequency is per field here,
//!   per row in FTS5). The other way, expanding a prefix through the term dictionary, turns "g"
//!   into thousands of terms, which tantivy's automaton queries gather into a bit set and score
//!   as a constant (not measured here).
//! - **Ranking** is BM25 per field with FTS5's weights (title 10, speakers 5, session 2,
//!   abstract 1), summed over the fields and over the words; every word is required. One word
//!   is a pure union of term scorers, which tantivy answers top-k with block-max WAND.
//! - **Autocomplete** asks title and speakers only, unscored, and stops at the first `limit`
//!   talks in program order (documents are sorted by row key), as FTS5's `LIMIT` does.

use std::path::Path;

use anyhow::Context;
use confbot::store::MAX_COUNTED;
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

use crate::corpus::IndexedTalk;

/// As `store/search.rs`: at most this many words count, each cut to this many characters.
const MAX_WORDS: usize = 12;
const MAX_WORD_CHARS: usize = 40;

/// The indexing threads' memory budget in all (tantivy's minimum is 15 MB a thread).
const WRITER_MEMORY: usize = 100 << 20;

/// The searchable fields and their weights, as `bm25(talk_search, 10.0, 1.0, 5.0, 2.0)`.
#[derive(Clone, Copy)]
struct Fields {
    pk: Field,
    title: Field,
    abstract_text: Field,
    speakers: Field,
    session: Field,
}

impl Fields {
    fn weighted(&self) -> [(Field, f32); 4] {
        [
            (self.title, 10.0),
            (self.abstract_text, 1.0),
            (self.speakers, 5.0),
            (self.session, 2.0),
        ]
    }

    /// Autocomplete's columns (`{title speakers}` in FTS5); unscored.
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
fn analyzer() -> TextAnalyzer {
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

/// The words of `text` as the index holds them (lowercase, without accents).
pub fn words(text: &str) -> Vec<String> {
    normalized_words(&mut analyzer(), text)
}

/// The name the n-gram fields' tokenizer is registered under.
const PREFIXES: &str = "prefixes";

/// Every word of a text with each of its prefixes up to [`MAX_WORD_CHARS`] characters, at the
/// word's position. A tokenizer rather than pre-tokenized text, so the n-grams are made in
/// tantivy's indexing thread: documents queued for it as pre-tokenized text (up to 10,000,
/// about 150 KB each) held 1.5 GB at 50,000 talks.
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

fn prefixes() -> TextAnalyzer {
    TextAnalyzer::from(Prefixes { words: analyzer() })
}

/// How many (prefix, talk) pairs the talks hold: the postings of the n-gram fields merged
/// over fields, i.e. the rows an impact-ordered index of every prefix (one row per prefix and
/// talk, ordered by its score) would need.
pub fn prefix_postings(talks: &[IndexedTalk]) -> u64 {
    let mut tokenizer = prefixes();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for talk in talks {
        seen.clear();
        for text in [
            &talk.title,
            &talk.abstract_text,
            &talk.speakers,
            &talk.session,
        ] {
            tokenizer.token_stream(text).process(&mut |t: &Token| {
                seen.insert(t.text.clone());
            });
        }
        total += seen.len() as u64;
    }
    total
}

/// Builds the index of `talks` in the empty directory `dir`, merged into one segment.
pub fn build(dir: &Path, talks: &[IndexedTalk], threads: usize) -> anyhow::Result<()> {
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
        .create_in_dir(dir)
        .context("creating the tantivy index")?;
    index.tokenizers().register(PREFIXES, prefixes());
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, WRITER_MEMORY)?;
    // One merge at the end rather than merges while writing.
    writer.set_merge_policy(Box::new(NoMergePolicy));
    for talk in talks {
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.pk, talk.pk as u64);
        for (field, text) in [
            (fields.title, &talk.title),
            (fields.abstract_text, &talk.abstract_text),
            (fields.speakers, &talk.speakers),
            (fields.session, &talk.session),
        ] {
            doc.add_text(field, text);
        }
        writer.add_document(doc)?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(())
}

/// An opened index: one searcher (a snapshot) and each segment's row keys.
pub struct TalkIndex {
    searcher: Searcher,
    pks: Vec<Column<u64>>,
    fields: Fields,
    analyzer: TextAnalyzer,
}

impl TalkIndex {
    pub fn open(dir: &Path) -> anyhow::Result<TalkIndex> {
        let index = Index::open_in_dir(dir).context("opening the tantivy index")?;
        index.tokenizers().register(PREFIXES, prefixes());
        let (_, fields) = schema();
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
            searcher,
            pks,
            fields,
            analyzer: analyzer(),
        })
    }

    /// How many segments the index has (one after `build`).
    pub fn segments(&self) -> usize {
        self.pks.len()
    }

    /// What `fts_query` keeps of `text`, normalised: the words, each a prefix.
    fn words(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .flat_map(|w| {
                let cut: String = w.chars().take(MAX_WORD_CHARS).collect();
                normalized_words(&mut analyzer, &cut)
            })
            .collect()
    }

    /// Every word in at least one of `fields`; `None` when `text` has no word.
    fn query(&self, text: &str, fields: &[(Field, f32)]) -> Option<Box<dyn Query>> {
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
        let mut words: Vec<Box<dyn Query>> = self.words(text).iter().map(|w| word(w)).collect();
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

    /// The best `limit` talks (row keys) for what a user typed, and how many match, counted
    /// up to [`MAX_COUNTED`] + 1 as `Store::search` counts.
    pub fn search(&self, text: &str, limit: usize) -> anyhow::Result<(usize, Vec<i64>)> {
        let Some(query) = self.query(text, &self.fields.weighted()) else {
            return Ok((0, Vec::new()));
        };
        let top = self
            .searcher
            .search(&*query, &TopDocs::with_limit(limit).order_by_score())?;
        let pks: Vec<i64> = top
            .iter()
            .map(|(_, a)| self.pk(a.segment_ord, a.doc_id))
            .collect();
        if pks.len() < limit {
            return Ok((pks.len(), pks));
        }
        let total = self.matching(&*query, MAX_COUNTED + 1)?.len();
        Ok((total, pks))
    }

    /// The first `limit` talks in program order whose title or speakers have every word typed.
    pub fn complete(&self, text: &str, limit: usize) -> anyhow::Result<Vec<i64>> {
        match self.query(text, &self.fields.completed()) {
            Some(query) => self.matching(&*query, limit),
            None => Ok(Vec::new()),
        }
    }

    /// Every talk `text` matches (what FTS5's `MATCH` selects), for checking.
    pub fn matches(&self, text: &str) -> anyhow::Result<Vec<i64>> {
        match self.query(text, &self.fields.weighted()) {
            Some(query) => self.matching(&*query, usize::MAX),
            None => Ok(Vec::new()),
        }
    }

    /// The first `limit` matches of `query` in program order, unscored.
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
        // Each segment is in program order; with several, the first `limit` of them all.
        pks.sort_unstable();
        pks.truncate(limit);
        Ok(pks)
    }
}
