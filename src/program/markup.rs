//! Abstracts as attendees read them on Discord: the one place where program text is cleaned.
//!
//! frab and FOSDEM write abstracts in HTML (FOSDEM's XML escapes it, so it arrives as text
//! such as `<p>Hello &amp; welcome</p>`), pretalx in Markdown, others in plain text. Discord
//! shows Markdown, so HTML is converted to it with `htmd` (paragraphs, lists and links are
//! kept, other tags dropped, entities decoded) and everything else is kept as written:
//! Markdown already reads right on Discord, and plain text (LaTeX and all) must not be
//! escaped. Only text that clearly is HTML, with a known tag or an entity, is converted.

/// HTML elements that mark a text as HTML (rather than Markdown that mentions `<` or `&`).
const TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "td",
    "th",
    "tr",
    "u",
    "ul",
];

/// Named entities common enough in abstracts to say "this is HTML"; numeric ones count too.
const ENTITIES: &[&str] = &["amp", "lt", "gt", "quot", "apos", "nbsp", "ndash", "mdash"];

/// `text` as Discord Markdown: converted if it is HTML, else as written; trimmed, with at most
/// one blank line between paragraphs and no trailing spaces.
pub(super) fn to_discord(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let converted = match looks_like_html(&text) {
        // Converting a string cannot fail in practice (the error type is for I/O); keeping
        // the text as written is the honest fallback.
        true => converter().convert(&text).unwrap_or(text),
        false => text,
    };
    tidy(&converted.replace('\u{a0}', " "))
}

/// Lists as `- item`, as people type them on Discord; scripts and styles are not text.
fn converter() -> htmd::HtmlToMarkdown {
    let options = htmd::options::Options {
        bullet_list_marker: htmd::options::BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ..htmd::options::Options::default()
    };
    htmd::HtmlToMarkdown::builder()
        .options(options)
        .skip_tags(vec!["script", "style", "head"])
        .build()
}

fn looks_like_html(text: &str) -> bool {
    let tag = text.match_indices('<').any(|(i, _)| {
        let rest = &text[i + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let after = rest[name.len()..].chars().next();
        TAGS.contains(&name.to_ascii_lowercase().as_str())
            && matches!(after, Some('>' | '/' | ' ' | '\n' | '\t'))
    });
    let entity = text.match_indices('&').any(|(i, _)| {
        let rest = &text[i + 1..];
        let Some(end) = rest.find(';').filter(|&end| end > 0 && end <= 8) else {
            return false;
        };
        let name = &rest[..end];
        ENTITIES.contains(&name)
            || name.strip_prefix('#').is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_hexdigit() || c == 'x')
            })
    });
    tag || entity
}

fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.trim().lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_paragraphs_and_links_become_markdown_with_entities_decoded() {
        let html = "<p>Rust &amp; <em>embedded</em>:\n see <a href=\"https://example.org/x\">the \
                    slides</a>.</p><p>Second&nbsp;paragraph</p>";
        assert_eq!(
            to_discord(html),
            "Rust & *embedded*: see [the slides](https://example.org/x).\n\nSecond paragraph"
        );
    }

    #[test]
    fn unknown_tags_are_dropped_and_lists_kept() {
        assert_eq!(
            to_discord("<div><ul><li>one</li><li>two</li></ul><script>x()</script></div>"),
            "- one\n- two"
        );
    }

    #[test]
    fn markdown_and_plain_text_are_kept_as_written() {
        let markdown = "**Bold** claim, see [docs](https://example.org).\n\n\n\nNext   \nline";
        assert_eq!(
            to_discord(markdown),
            "**Bold** claim, see [docs](https://example.org).\n\nNext\nline"
        );
        let latex = "We bound $a<b$ and $\\ell_2$ & more";
        assert_eq!(to_discord(latex), latex);
    }
}
