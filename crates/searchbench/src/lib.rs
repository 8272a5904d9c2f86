//! Search engines side by side (issue 16): today's FTS5 search, exactly as the bot runs it
//! through `confbot::store::Store`, and a tantivy index of the same talks answering the same
//! queries with the same meaning. This crate measures; it does not change the bot's search.
//!
//! - [`corpus`]: the generated program stored as `confbot import` stores it, and the inputs
//!   every engine gets (the realistic search mix, the typed autocomplete prefixes).
//! - [`tantivy_index`]: the tantivy design (edge n-grams of every word, block-max WAND top-k).
//! - [`rows`]: reading the talks an engine found, as a page of the bot's reply needs them.
//! - [`stats`]: percentiles and memory.
//!
//! The binary (`cargo run --release -p searchbench`) runs each engine's build and queries in
//! processes of their own, so each one's memory is its own.

pub mod corpus;
pub mod rows;
pub mod stats;
pub mod tantivy_index;
