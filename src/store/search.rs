//! Turning whatever a user typed into the words to search for, and a safe FTS5 query.
//!
//! FTS5 has its own query language (quotes, `*`, `-`, `OR`, `NEAR`, column filters), and a
//! syntax error from it must never reach a user. So user text is never passed through: it is
//! split into words (letters and digits), each word is quoted and made a prefix (`"hopf"*`),
//! and the words are ANDed. Operators typed by the user become plain words or vanish.

/// At most this many words count; the rest of a very long query is ignored.
const MAX_WORDS: usize = 12;
/// Longer words are cut; no real word is this long, and it bounds the work per word.
pub(super) const MAX_WORD_CHARS: usize = 40;

/// The words of `text` that count (letters and digits; at most [`MAX_WORDS`], each cut to
/// [`MAX_WORD_CHARS`] characters): what both search indexes are asked for.
pub(super) fn query_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
}

/// The FTS5 query for `text`, or `None` when it has no word to search for.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = query_words(text).map(|w| format!("\"{w}\"*")).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("GAN rendering").as_deref(),
            Some("\"GAN\"* \"rendering\"*")
        );
    }

    #[test]
    fn fts_syntax_is_neutralised() {
        assert_eq!(fts_query("\"(").as_deref(), None);
        assert_eq!(
            fts_query("a OR b* -c NEAR(d)").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"* \"c\"* \"NEAR\"* \"d\"*")
        );
        assert_eq!(fts_query("title: x").as_deref(), Some("\"title\"* \"x\"*"));
        assert_eq!(fts_query("🎉🎉").as_deref(), None);
        assert_eq!(fts_query("").as_deref(), None);
    }

    #[test]
    fn long_input_is_bounded() {
        let query = fts_query(&"word ".repeat(200)).unwrap();
        assert_eq!(query.matches('*').count(), MAX_WORDS);
        let query = fts_query(&"x".repeat(1000)).unwrap();
        assert_eq!(query.len(), MAX_WORD_CHARS + 3);
    }
}
