//! What a command answers, as plain data, and Discord's size limits: the one place they live.
//!
//! A [`Reply`] is an embed-shaped answer (title, description, fields, footer, link buttons)
//! that knows nothing of serenity. Its texts are [`Text`]s of typed parts (program text,
//! instants, channels, users, roles) that each renderer writes its own way; sizes are measured
//! on the Discord rendering, the largest. [`Reply::pages`] splits a long list into pages and fits each
//! within Discord's limits, truncating with an ellipsis, so no renderer can produce a message
//! Discord would reject. [`PageTurn`] is the custom id of a long list's Previous / Next buttons.

mod text;

pub use text::{escaped, Part, Style, Text};

use crate::ids::InteractionId;

/// Discord's limits, in characters (Unicode scalar values, as serenity counts them).
pub mod limits {
    pub const CONTENT: usize = 2000;
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const EMBED_FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    /// Title, description, field names and values and footer of all embeds of one message.
    pub const EMBED_TOTAL: usize = 6000;
    pub const CHANNEL_NAME: usize = 100;
    pub const BUTTON_LABEL: usize = 80;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const ACTION_ROWS: usize = 5;
    pub const CUSTOM_ID: usize = 100;
    pub const AUTOCOMPLETE_CHOICES: usize = 25;
    pub const SELECT_OPTIONS: usize = 25;
    pub const CHOICE_NAME: usize = 100;
    pub const CHOICE_VALUE: usize = 100;
    pub const URL: usize = 512;
    /// A scheduled event's name, description and (external) location.
    pub const EVENT_NAME: usize = 100;
    pub const EVENT_DESCRIPTION: usize = 1000;
    pub const EVENT_LOCATION: usize = 100;
    /// Scheduled and active events per guild, whoever made them.
    pub const GUILD_EVENTS: u32 = 100;
    /// A voice channel's status, and a live stage's topic (at least 1).
    pub const VOICE_STATUS: usize = 500;
    pub const STAGE_TOPIC: usize = 120;
    /// Channels in one category, and in one guild (categories included, threads not).
    pub const CATEGORY_CHANNELS: usize = 50;
    pub const GUILD_CHANNELS: usize = 500;
    /// Files attached to one message.
    pub const ATTACHMENTS: usize = 10;
    /// One attached file, in bytes, on a server without boosts.
    pub const ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
}

/// One titled block of a reply (a talk in a list, "When", "Speakers"...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: Text,
    pub value: Text,
    pub inline: bool,
    /// The talks it is about, for a "Remind me about…" menu (label, talk id).
    pub talks: Vec<Choice>,
}

/// A button that opens a web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkButton {
    pub label: String,
    pub url: String,
}

/// A button confbot answers when pressed, by its stable custom id (e.g. "Remind me").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionButton {
    pub label: String,
    pub custom_id: String,
}

/// A command's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub title: Text,
    pub url: Option<String>,
    pub description: Text,
    pub fields: Vec<Field>,
    pub footer: Option<Text>,
    pub buttons: Vec<LinkButton>,
    /// Buttons confbot answers, shown after the links.
    pub actions: Vec<ActionButton>,
}

/// A file a reply comes with (a picture), sent beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// One page of a reply ([`Reply::page`]): which one, of how many.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub reply: Reply,
    /// From 0; the last page when a later one was asked for.
    pub index: usize,
    /// At least 1.
    pub count: usize,
}

/// An autocomplete suggestion: what the user sees and the value the command receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub value: String,
}

impl Choice {
    /// A choice cut to Discord's limits. Values are ids, which import keeps short.
    pub fn new(name: &str, value: &str) -> Choice {
        Choice {
            name: truncate(name, limits::CHOICE_NAME),
            value: truncate(value, limits::CHOICE_VALUE),
        }
    }
}

impl Reply {
    pub fn new(title: impl Into<Text>) -> Reply {
        Reply {
            title: title.into(),
            ..Reply::default()
        }
    }

    pub fn description(mut self, text: impl Into<Text>) -> Reply {
        self.description = text.into();
        self
    }

    pub fn field(mut self, name: impl Into<Text>, value: impl Into<Text>, inline: bool) -> Reply {
        self.fields.push(Field {
            name: name.into(),
            value: value.into(),
            inline,
            talks: Vec::new(),
        });
        self
    }

    /// Says which talks the last field is about (for a "Remind me about…" menu).
    pub fn about(mut self, talks: Vec<Choice>) -> Reply {
        if let Some(field) = self.fields.last_mut() {
            field.talks = talks;
        }
        self
    }

    /// The talks the fields are about, at most `max`, each once, in order.
    pub fn talks(&self, max: usize) -> Vec<Choice> {
        let mut talks: Vec<Choice> = Vec::new();
        for talk in self.fields.iter().flat_map(|f| &f.talks) {
            if talks.len() < max && !talks.iter().any(|t| t.value == talk.value) {
                talks.push(talk.clone());
            }
        }
        talks
    }

    pub fn fields(mut self, fields: impl IntoIterator<Item = Field>) -> Reply {
        self.fields.extend(fields);
        self
    }

    pub fn footer(mut self, text: impl Into<Text>) -> Reply {
        self.footer = Some(text.into());
        self
    }

    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Reply {
        self.buttons.push(LinkButton {
            label: label.into(),
            url: url.into(),
        });
        self
    }

    pub fn action(mut self, label: impl Into<String>, custom_id: impl Into<String>) -> Reply {
        self.actions.push(ActionButton {
            label: label.into(),
            custom_id: custom_id.into(),
        });
        self
    }

    /// Page `index` (the last one if `index` is past it) of the fields split into pages of at
    /// most `per_page`, fitted to Discord's limits; its footer says "Page i of n". Only that
    /// page is made: a reply shows one page at a time, and copying every page of a 50-talk
    /// list for each answer cost more than the search behind it.
    pub fn page(&self, per_page: usize, index: usize) -> Page {
        let per_page = per_page.clamp(1, limits::EMBED_FIELDS);
        if self.fields.len() <= per_page {
            return Page {
                reply: self.fitted(),
                index: 0,
                count: 1,
            };
        }
        let count = self.fields.len().div_ceil(per_page);
        let index = index.min(count - 1);
        let start = index * per_page;
        let page_note = format!("Page {} of {count}", index + 1);
        let reply = Reply {
            title: self.title.clone(),
            url: self.url.clone(),
            description: self.description.clone(),
            fields: self.fields[start..(start + per_page).min(self.fields.len())].to_vec(),
            footer: Some(match &self.footer {
                Some(footer) => footer.clone() + " · " + page_note,
                None => page_note.into(),
            }),
            buttons: self.buttons.clone(),
            actions: self.actions.clone(),
        };
        Page {
            reply: reply.fitted(),
            index,
            count,
        }
    }

    /// This reply cut to Discord's limits: every part truncated with an ellipsis, fields beyond
    /// 25 or beyond the 6000-character total dropped with a note of how many.
    pub fn fitted(&self) -> Reply {
        let mut reply = Reply {
            title: self.title.truncated(limits::EMBED_TITLE),
            url: self.url.clone().filter(|url| is_web_url(url)),
            description: self.description.truncated(limits::EMBED_DESCRIPTION),
            fields: Vec::new(),
            footer: self.footer.as_ref().map(|f| f.truncated(limits::FOOTER)),
            buttons: self
                .buttons
                .iter()
                .filter(|b| is_web_url(&b.url))
                .take(limits::BUTTONS_PER_ROW * limits::ACTION_ROWS)
                .map(|b| LinkButton {
                    label: truncate(&b.label, limits::BUTTON_LABEL),
                    url: b.url.clone(),
                })
                .collect(),
            actions: self
                .actions
                .iter()
                .filter(|a| a.custom_id.chars().count() <= limits::CUSTOM_ID)
                .take(limits::BUTTONS_PER_ROW)
                .map(|a| ActionButton {
                    label: truncate(&a.label, limits::BUTTON_LABEL),
                    custom_id: a.custom_id.clone(),
                })
                .collect(),
        };
        // Room for the fields, keeping some for a "…and N more" note in the footer.
        let note_room = 40;
        let mut used = reply.embed_chars() + note_room;
        for field in &self.fields {
            let field = Field {
                name: field.name.truncated(limits::FIELD_NAME),
                value: field.value.truncated(limits::FIELD_VALUE),
                inline: field.inline,
                talks: field.talks.clone(),
            };
            let size = field.name.discord_len() + field.value.discord_len();
            if reply.fields.len() == limits::EMBED_FIELDS || used + size > limits::EMBED_TOTAL {
                break;
            }
            used += size;
            reply.fields.push(field);
        }
        let dropped = self.fields.len() - reply.fields.len();
        if dropped > 0 {
            let note = format!("…and {dropped} more not shown");
            reply.footer = Some(match reply.footer {
                Some(footer) => {
                    let room = limits::FOOTER - note.chars().count() - 3;
                    footer.truncated(room) + " · " + note
                }
                None => note.into(),
            });
        }
        // Extreme inputs (a huge title, description and footer at once) can still exceed the
        // total; the description gives way.
        let excess = reply.embed_chars().saturating_sub(limits::EMBED_TOTAL);
        if excess > 0 {
            let keep = reply.description.discord_len().saturating_sub(excess);
            reply.description = reply.description.truncated(keep);
        }
        reply
    }

    /// The characters Discord counts towards the 6000 of a message.
    pub fn embed_chars(&self) -> usize {
        let fields: usize = self
            .fields
            .iter()
            .map(|f| f.name.discord_len() + f.value.discord_len())
            .sum();
        self.title.discord_len()
            + self.description.discord_len()
            + fields
            + self.footer.as_ref().map_or(0, Text::discord_len)
    }
}

/// Whether Discord takes `url` as a link (embed URL or link button): http(s), no spaces, at
/// most 512 characters. Program files can carry anything; a bad link is dropped, not sent.
pub fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && url.len() <= limits::URL
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `text` cut to at most `max` characters; a cut ends in `…`, at a word boundary when one is
/// near the end.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&i| cut[..i].chars().count() * 5 >= (max - 1) * 4)
        .map_or(cut.as_str(), |i| cut[..i].trim_end());
    format!("{at_word}…")
}

/// `text` cut to at most `max` characters at the last word boundary that fits, ending in `…`
/// (mid-word only if the text has no space to cut at): for names, where half a word reads badly.
pub fn truncate_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let next_is_space = text
        .chars()
        .nth(cut.chars().count())
        .is_some_and(char::is_whitespace);
    let at_word = match cut.rfind(char::is_whitespace) {
        _ if next_is_space => cut.trim_end(),
        Some(i) if !cut[..i].trim_end().is_empty() => cut[..i].trim_end(),
        _ => return truncate(text, max),
    };
    format!("{at_word}…")
}

/// Program text for a place that is not a message (a voice status, a stage topic): one line
/// of plain text, at most `max` characters, cut at a word. Control, zero-width and bidi
/// override characters are dropped (an RTL title keeps its letters, not the power to turn the
/// rest of the line around), and `<` before `@`, `#`, `:` or `t:` becomes `‹`, so no mention,
/// channel, emoji or timestamp markup can render there.
pub fn plain(text: &str, max: usize) -> String {
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    };
    let kept: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !invisible(*c))
        .collect();
    let line = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.char_indices() {
        let rest = &line[i + c.len_utf8()..];
        let markup = ["@", "#", ":", "t:", "a:", "/"]
            .iter()
            .any(|p| rest.starts_with(p));
        out.push(if c == '<' && markup { '‹' } else { c });
    }
    truncate_at_word(&out, max)
}

/// A press of a long list's Previous or Next button, by custom id:
/// `page:<command's interaction id>:<page to show>:<command>`. The button says which page it
/// shows, not which way it turns, so a double click shows that page twice rather than skipping
/// one; the command is there so a list no longer kept can say what to run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTurn {
    /// The interaction of the command that sent the list.
    pub list: InteractionId,
    /// The page to show, from 0.
    pub page: u32,
    /// The command's name as typed, subcommands included (`search`, `announce pending`).
    pub command: String,
}

impl PageTurn {
    const PREFIX: &str = "page:";
    /// The longest command name an id carries: with the longest interaction id (20 digits) and
    /// page (10), the id stays within Discord's 100 characters.
    pub const COMMAND_MAX: usize = limits::CUSTOM_ID - 37;

    pub fn custom_id(&self) -> String {
        format!(
            "{}{}:{}:{}",
            Self::PREFIX,
            self.list,
            self.page,
            self.command
        )
    }

    /// The press of a custom id, or `None` if it is not a well-formed page button's. Ids come
    /// back from Discord untrusted: the command is shown in an answer, so only the characters
    /// of command names pass.
    pub fn parse(custom_id: &str) -> Option<PageTurn> {
        let mut parts = custom_id.strip_prefix(Self::PREFIX)?.splitn(3, ':');
        let list: u64 = parts.next()?.parse().ok()?;
        let page = parts.next()?.parse().ok()?;
        let command = parts.next()?;
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_ ".contains(c);
        let command_ok =
            !command.is_empty() && command.len() <= Self::COMMAND_MAX && command.chars().all(valid);
        (list != 0 && command_ok).then(|| PageTurn {
            list: InteractionId(list),
            page,
            command: command.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_text_is_one_line_without_markup_or_invisible_characters_within_its_limit() {
        let hostile = "<@123> <#9> <t:1:R>\u{202E}evil\u{200B}\n**bold** @everyone שלום";
        let shown = super::plain(hostile, 500);
        assert_eq!(shown, "‹@123> ‹#9> ‹t:1:R>evil **bold** @everyone שלום");
        let long = super::plain(&"word ".repeat(300), 120);
        assert!(
            long.chars().count() <= 120 && long.ends_with("word…"),
            "{long}"
        );
    }

    use super::*;

    #[test]
    fn page_turns_round_trip_within_discords_limit_and_others_are_not_ours() {
        let longest = PageTurn {
            list: InteractionId(u64::MAX),
            page: u32::MAX,
            command: "x".repeat(PageTurn::COMMAND_MAX),
        };
        assert_eq!(longest.custom_id().chars().count(), limits::CUSTOM_ID);
        let search = PageTurn {
            list: InteractionId(1_180_000_000_000_000_001),
            page: 2,
            command: "announce pending".into(),
        };
        for turn in [longest, search] {
            assert_eq!(PageTurn::parse(&turn.custom_id()), Some(turn));
        }
        for other in [
            "page:12:1",
            "page:12:1:",
            "page:0:1:search",
            "page:x:1:search",
            "page:12:-1:search",
            "page:12:1:Search",
            "page:12:1:search`@everyone`",
            "page:12:1:search:next",
            "12:next",
            "qa:vote:12",
        ] {
            assert_eq!(PageTurn::parse(other), None, "{other}");
        }
        let too_long = format!("page:12:1:{}", "x".repeat(PageTurn::COMMAND_MAX + 1));
        assert_eq!(PageTurn::parse(&too_long), None);
    }

    #[test]
    fn truncate_at_word_never_cuts_a_word_when_there_is_a_space() {
        let long = format!("Q&A · {}", "Supercalifragilistic ".repeat(10));
        let cut = truncate_at_word(&long, limits::CHANNEL_NAME);
        assert!(cut.chars().count() <= limits::CHANNEL_NAME);
        assert!(cut.ends_with("Supercalifragilistic…"), "{cut}");
        assert_eq!(truncate_at_word("one two three", 9), "one two…");
        assert_eq!(truncate_at_word("one two three", 8), "one two…");
        assert_eq!(truncate_at_word("one two", 7), "one two");
        assert_eq!(truncate_at_word("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn truncate_keeps_short_text_and_cuts_long_text_at_a_word() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("one two three four five", 16), "one two three…");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        assert_eq!(truncate("ééééé", 3).chars().count(), 3);
    }

    #[test]
    fn a_huge_reply_is_fitted_within_every_limit() {
        let mut reply = Reply::new("t".repeat(300))
            .description("d ".repeat(5000))
            .footer("f".repeat(3000));
        for i in 0..40 {
            reply = reply.field(format!("field {i}"), "v ".repeat(800), false);
        }
        let fitted = reply.fitted();
        assert!(fitted.title.discord_len() <= limits::EMBED_TITLE);
        assert!(fitted.description.discord_len() <= limits::EMBED_DESCRIPTION);
        assert!(fitted.fields.len() <= limits::EMBED_FIELDS);
        assert!(fitted
            .fields
            .iter()
            .all(|f| f.value.discord_len() <= limits::FIELD_VALUE));
        assert!(
            fitted.embed_chars() <= limits::EMBED_TOTAL,
            "{}",
            fitted.embed_chars()
        );
        assert!(fitted.footer.unwrap().discord().contains("more not shown"));
    }

    #[test]
    fn limits_are_measured_on_what_discord_is_sent() {
        // Escapes double program text and a timestamp is 16 characters on Discord, so fitting
        // must count the rendering, not the program's characters.
        let at = chrono::DateTime::from_timestamp(1_620_151_200, 0).unwrap();
        let mut reply = Reply::new(Text::program("*".repeat(200)));
        for _ in 0..10 {
            let mut value = Text::default();
            for _ in 0..100 {
                value += Text::program("*_") + Text::instant(at, Style::Relative);
            }
            reply = reply.field(Text::program("[x]".repeat(100)), value, false);
        }
        let fitted = reply.fitted();
        assert!(fitted.title.discord().chars().count() <= limits::EMBED_TITLE);
        for field in &fitted.fields {
            assert!(field.name.discord().chars().count() <= limits::FIELD_NAME);
            let value = field.value.discord();
            assert!(value.chars().count() <= limits::FIELD_VALUE);
            // Cut between parts or inside program text, never inside a timestamp or escape.
            assert_eq!(value.matches("<t:").count(), value.matches(":R>").count());
            assert!(value.ends_with('…') && !value.ends_with("\\…"), "{value}");
        }
        let total: usize = [&fitted.title]
            .into_iter()
            .chain(fitted.fields.iter().flat_map(|f| [&f.name, &f.value]))
            .chain(&fitted.footer)
            .map(|t| t.discord().chars().count())
            .sum();
        assert!(total <= limits::EMBED_TOTAL, "{total}");
    }

    #[test]
    fn links_discord_would_refuse_are_dropped() {
        let reply = Reply::new("t")
            .link("good", "https://iclr.cc/x")
            .link("empty", "")
            .link("no scheme", "example.org/x")
            .link("long", format!("https://e.org/{}", "x".repeat(600)));
        let fitted = Reply {
            url: Some("javascript:alert(1)".into()),
            ..reply
        }
        .fitted();
        assert_eq!(fitted.url, None);
        let urls: Vec<&str> = fitted.buttons.iter().map(|b| b.url.as_str()).collect();
        assert_eq!(urls, ["https://iclr.cc/x"]);
    }

    #[test]
    fn pages_split_fields_and_number_them() {
        let mut reply = Reply::new("List");
        for i in 0..12 {
            reply = reply.field(format!("{i}"), "x", false);
        }
        let page = reply.page(5, 1);
        assert_eq!((page.index, page.count), (1, 3));
        assert_eq!(page.reply.fields[0].name, "5".into());
        assert_eq!(page.reply.footer, Some("Page 2 of 3".into()));
        let last = reply.page(5, 7);
        assert_eq!(last.index, 2, "past the end is the last page");
        assert_eq!(last.reply.fields.len(), 2);
        let one = Reply::new("Short").field("a", "x", false).page(5, 3);
        assert_eq!((one.index, one.count, one.reply.footer), (0, 1, None));
    }
}
