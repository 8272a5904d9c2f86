//! Links the program carries (a live stream, a recording, slides) and the one place that
//! decides what a link is: `https`, well formed, with a host, at most [`MAX_LINK_LEN`]
//! characters (what a Discord link button takes). Importers are lenient with a bad link from
//! another tool's export: it is dropped with a warning naming where it was ([`lenient`]).

use std::fmt;

use super::{Location, Warning};

/// Longest link kept: Discord's limit for a link button's `url`.
pub const MAX_LINK_LEN: usize = crate::reply::limits::URL;

/// A checked `https` link, as written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link(String);

/// Why a text is not a [`Link`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("`{0}` is not a link (expected one such as https://example.org/live)")]
    Malformed(String),
    #[error("`{0}` is not an https link (only https links are kept)")]
    NotHttps(String),
    #[error("a link has at most {MAX_LINK_LEN} characters; this one has {0}")]
    TooLong(usize),
}

impl Link {
    /// Checks `text` (trimmed) as a link.
    pub fn parse(text: &str) -> Result<Link, LinkError> {
        let text = text.trim();
        let length = text.chars().count();
        if length > MAX_LINK_LEN {
            return Err(LinkError::TooLong(length));
        }
        let shown: String = text.chars().take(80).collect();
        let url = url::Url::parse(text).map_err(|_| LinkError::Malformed(shown.clone()))?;
        if url.scheme() != "https" {
            return Err(LinkError::NotHttps(shown));
        }
        // Characters RFC 3986 never allows in a link: replies write a link in `<…>`.
        let unsafe_char =
            |c: char| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c);
        let well_formed = url.host_str().is_some_and(|h| !h.is_empty())
            && url.username().is_empty()
            && url.password().is_none()
            && !text.chars().any(unsafe_char);
        if !well_formed {
            return Err(LinkError::Malformed(shown));
        }
        Ok(Link(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its length in characters, for limits such as an event location's.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A talk's links and whether it may be recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub stream: Option<Link>,
    pub recording: Option<Link>,
    pub slides: Option<Link>,
    /// The speakers asked not to be recorded: no recording is ever shown.
    pub do_not_record: bool,
}

impl Links {
    /// The recording attendees may be shown: none when the talk is do-not-record.
    pub fn published_recording(&self) -> Option<&Link> {
        self.recording.as_ref().filter(|_| !self.do_not_record)
    }
}

/// What a link in another tool's export is, read from its `type`, `title` or `service`
/// (case-insensitive); anything else is no kind of ours, never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Stream,
    Recording,
    Slides,
}

impl LinkKind {
    pub fn named(label: &str) -> Option<LinkKind> {
        match label.trim().to_lowercase().as_str() {
            "stream" | "livestream" | "live stream" | "live" | "streaming" => {
                Some(LinkKind::Stream)
            }
            "recording" | "video" | "video recording" | "vod" => Some(LinkKind::Recording),
            "slides" | "slide deck" => Some(LinkKind::Slides),
            _ => None,
        }
    }

    /// Puts `link` in its place in `links`, unless one came first.
    pub fn fill(self, links: &mut Links, link: Link) {
        let place = match self {
            LinkKind::Stream => &mut links.stream,
            LinkKind::Recording => &mut links.recording,
            LinkKind::Slides => &mut links.slides,
        };
        place.get_or_insert(link);
    }

    fn label(self) -> &'static str {
        match self {
            LinkKind::Stream => "stream",
            LinkKind::Recording => "recording",
            LinkKind::Slides => "slides",
        }
    }
}

/// `text` as a link, or `None` (also for no text); a bad one is dropped with a warning at
/// `location` saying what it was meant to be.
pub fn lenient(
    text: Option<&str>,
    kind: LinkKind,
    location: Location,
    warnings: &mut Vec<Warning>,
) -> Option<Link> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    Link::parse(text)
        .map_err(|e| {
            let message = format!("the {} link is left out: {e}", kind.label());
            warnings.push(Warning::new(location, message));
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_https_links_of_at_most_512_characters_are_links() {
        assert_eq!(
            Link::parse(" https://youtu.be/x?t=1 ").unwrap().as_str(),
            "https://youtu.be/x?t=1"
        );
        assert!(matches!(
            Link::parse("http://example.org/live"),
            Err(LinkError::NotHttps(_))
        ));
        for bad in [
            "example.org/live",
            "https://",
            "https:// example.org",
            "https://user:pw@example.org/",
            "https://example.org/a>b",
            "javascript:alert(1)",
        ] {
            assert!(Link::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(492));
        assert_eq!(long.len(), 512);
        assert!(Link::parse(&long).is_ok());
        assert_eq!(
            Link::parse(&format!("{long}a")),
            Err(LinkError::TooLong(513))
        );
    }

    #[test]
    fn a_bad_link_is_dropped_with_a_warning_naming_where() {
        let mut warnings = Vec::new();
        let at = || Location::Line(7);
        assert_eq!(
            lenient(Some("ftp://x"), LinkKind::Stream, at(), &mut warnings),
            None
        );
        assert_eq!(
            lenient(Some("  "), LinkKind::Stream, at(), &mut warnings),
            None
        );
        assert_eq!(
            warnings[..],
            [Warning::new(
                at(),
                "the stream link is left out: `ftp://x` is not an https link (only https links are kept)"
            )]
        );
    }

    #[test]
    fn a_do_not_record_talk_has_no_published_recording() {
        let mut links = Links {
            recording: Some(Link::parse("https://media.ccc.de/v/x").unwrap()),
            ..Links::default()
        };
        assert!(links.published_recording().is_some());
        links.do_not_record = true;
        assert_eq!(links.published_recording(), None);
    }
}
