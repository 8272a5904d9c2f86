//! Search engines side by side (issue 16): `confbot::store::Store` answering searches with
//! FTS5 alone and from the search index the bot keeps (tantivy), exactly as the bot runs them.
//! This crate measures; the engines are the bot's own.
//!
//! - [`corpus`]: the generated program stored as `confbot import` stores it, and the inputs
//!   every engine gets (the realistic search mix, the typed autocomplete prefixes).
//! - [`stats`]: percentiles and memory.
//!
//! The binary (`cargo run --release -p searchbench`) runs each engine's build and queries in
//! processes of their own, so each one's memory is its own.

pub mod corpus;
pub mod stats;
