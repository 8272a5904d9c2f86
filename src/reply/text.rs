//! The text of a reply as typed parts: confbot's own words, program text, instants, channels,
//! users and roles. The core says *what* a part is; each renderer decides how it looks.
//! [`Text::discord`] is what Discord is sent (and what `reply.rs` measures against Discord's
//! limits); the terminal writes the same parts in `cli/text.rs`.
//!
//! Escaping program text for Discord Markdown is part of the Discord rendering, so it lives
//! here, once ([`escaped`]): a renderer that shows text literally (the terminal) simply does not
//! escape.

use std::ops::{Add, AddAssign};

use chrono::{DateTime, Utc};

use crate::ids::{ChannelId, RoleId, UserId};

/// How an instant is shown; on Discord, a timestamp style each reader sees in their own zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `16:20` (Discord's `t`).
    Time,
    /// `20 April 2021 16:20` (`f`).
    DateTime,
    /// `Tuesday, 20 April 2021 16:20` (`F`).
    LongDateTime,
    /// `in 2 hours` (`R`).
    Relative,
}

impl Style {
    /// Discord's letter for the style.
    pub fn letter(self) -> char {
        match self {
            Style::Time => 't',
            Style::DateTime => 'f',
            Style::LongDateTime => 'F',
            Style::Relative => 'R',
        }
    }
}

/// One piece of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Written as it is: confbot's own words, with its deliberate Markdown (`**bold**`,
    /// `` `code` ``), and text confbot has always passed through as Markdown (abstracts after
    /// `format::abstract_text`, an attendee's question).
    Markdown(String),
    /// Program text (a title, a name, a room): untrusted, shown literally. Discord gets it
    /// escaped, so a speaker's `[link](…)` or `*` stays text.
    Program(String),
    /// An instant, shown in the reader's zone where the renderer can.
    Instant(DateTime<Utc>, Style),
    /// A channel (or thread), shown by name on Discord.
    Channel(ChannelId),
    /// A user, shown by name on Discord (messages allow no mentions, so nobody is pinged).
    User(UserId),
    /// A role, shown by name on Discord (pinged only where a message allows that one role).
    Role(RoleId),
    /// A web link (from the program: checked `https`, with no space, `<` or `>`), shown as a
    /// link and never cut.
    Link(String),
}

impl Part {
    /// The part as Discord is sent it.
    fn write_discord(&self, out: &mut String) {
        match self {
            Part::Markdown(text) => out.push_str(text),
            Part::Program(text) => out.push_str(&escaped(text)),
            Part::Instant(at, style) => {
                out.push_str(&format!("<t:{}:{}>", at.timestamp(), style.letter()))
            }
            Part::Channel(id) => out.push_str(&format!("<#{id}>")),
            Part::User(id) => out.push_str(&format!("<@{id}>")),
            Part::Role(id) => out.push_str(&format!("<@&{id}>")),
            // In angle brackets: a link Discord shows as it is, without a preview.
            Part::Link(url) => out.push_str(&format!("<{url}>")),
        }
    }

    fn discord_len(&self) -> usize {
        let mut out = String::new();
        self.write_discord(&mut out);
        out.chars().count()
    }
}

/// Text made of [`Part`]s. Build it with [`text!`](crate::text), `+`, `push` and [`Text::join`];
/// a `&str` or `String` becomes confbot's own Markdown. It has no `Display` on purpose: every
/// renderer writes it its own way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(Vec<Part>);

/// Text from parts: each argument is anything that becomes a [`Text`] (a `&str` is confbot's
/// own words). `text!["**", Text::program(title), "** until ", stamp(end, Style::Time)]`.
#[macro_export]
macro_rules! text {
    ($($part:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut text = $crate::reply::Text::default();
        $(text.push($part);)*
        text
    }};
}

impl Text {
    /// Program text, shown literally (see [`Part::Program`]).
    pub fn program(text: impl Into<String>) -> Text {
        Text(vec![Part::Program(text.into())])
    }

    pub fn instant(at: DateTime<Utc>, style: Style) -> Text {
        Text(vec![Part::Instant(at, style)])
    }

    pub fn channel(id: ChannelId) -> Text {
        Text(vec![Part::Channel(id)])
    }

    pub fn user(id: UserId) -> Text {
        Text(vec![Part::User(id)])
    }

    pub fn role(id: RoleId) -> Text {
        Text(vec![Part::Role(id)])
    }

    /// A checked link (`program::Link`), see [`Part::Link`].
    pub fn link(url: impl Into<String>) -> Text {
        Text(vec![Part::Link(url.into())])
    }

    pub fn parts(&self) -> &[Part] {
        &self.0
    }

    /// True when it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|part| match part {
            Part::Markdown(text) | Part::Program(text) => text.is_empty(),
            _ => false,
        })
    }

    /// Appends `more`. Adjacent own words merge, so equal texts compare equal however they
    /// were built.
    pub fn push(&mut self, more: impl Into<Text>) {
        for part in more.into().0 {
            match (self.0.last_mut(), part) {
                (_, Part::Markdown(text)) if text.is_empty() => {}
                (Some(Part::Markdown(last)), Part::Markdown(text)) => last.push_str(&text),
                (_, part) => self.0.push(part),
            }
        }
    }

    /// `items` with `separator` (own words) between them.
    pub fn join(items: impl IntoIterator<Item = Text>, separator: &str) -> Text {
        let mut joined = Text::default();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                joined.push(separator);
            }
            joined.push(item);
        }
        joined
    }

    /// The text as Discord is sent it: program text escaped, instants as `<t:UNIX:style>`,
    /// channels, users and roles as mentions.
    pub fn discord(&self) -> String {
        let mut out = String::new();
        for part in &self.0 {
            part.write_discord(&mut out);
        }
        out
    }

    /// The characters Discord counts for it (Unicode scalar values of [`Text::discord`]).
    pub fn discord_len(&self) -> usize {
        self.0.iter().map(Part::discord_len).sum()
    }

    /// This text cut so that its Discord rendering has at most `max` characters; a cut ends in
    /// `…`, at a word boundary when one is near the end. Instants and mentions are never cut in
    /// half (one that does not fit is left out), nor is an escape of program text.
    pub fn truncated(&self, max: usize) -> Text {
        if self.discord_len() <= max {
            return self.clone();
        }
        if max == 0 {
            return Text::default();
        }
        let budget = max - 1;
        let mut kept: Vec<Part> = Vec::new();
        let mut used = 0;
        for part in &self.0 {
            let len = part.discord_len();
            if used + len <= budget {
                kept.push(part.clone());
                used += len;
                continue;
            }
            let room = budget - used;
            match part {
                Part::Markdown(text) => {
                    kept.push(Part::Markdown(text.chars().take(room).collect()));
                }
                Part::Program(text) => {
                    kept.push(Part::Program(
                        text[..escaped_prefix(text, room)].to_string(),
                    ));
                }
                _ => {}
            }
            break;
        }
        // The last word boundary, if cutting there keeps at least four fifths of the budget.
        let mut before = kept.iter().map(Part::discord_len).sum::<usize>();
        for i in (0..kept.len()).rev() {
            before -= kept[i].discord_len();
            let (Part::Markdown(text) | Part::Program(text)) = &kept[i] else {
                continue;
            };
            let Some(at) = text.rfind(char::is_whitespace) else {
                continue;
            };
            let head = text[..at].to_string();
            let shape = |text: String| match &kept[i] {
                Part::Program(_) => Part::Program(text),
                _ => Part::Markdown(text),
            };
            if (before + shape(head.clone()).discord_len()) * 5 >= budget * 4 {
                kept[i] = shape(head.trim_end().to_string());
                kept.truncate(i + 1);
            }
            break;
        }
        let mut cut = Text::default();
        for part in kept {
            cut.push(Text(vec![part]));
        }
        cut.push("…");
        cut
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::from(text.to_string())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        if text.is_empty() {
            return Text::default();
        }
        Text(vec![Part::Markdown(text)])
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text::from(text.as_str())
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Text {
        text.clone()
    }
}

impl<T: Into<Text>> Add<T> for Text {
    type Output = Text;

    fn add(mut self, more: T) -> Text {
        self.push(more);
        self
    }
}

impl<T: Into<Text>> AddAssign<T> for Text {
    fn add_assign(&mut self, more: T) {
        self.push(more);
    }
}

/// Program text (a title, a name, a room) as Discord shows it literally: every character that
/// Discord Markdown gives a meaning (`*` `_` `~` `` ` `` `|` `[` `]` `<` `\`, and `#` `>` `-`
/// where they start a line) is escaped, so `[Claim your prize](https://…)` stays text and
/// `C*-algebras and *-algebras` stays itself. (`@everyone` needs no escape: no message allows
/// mentions from program text.) [`Part::Program`] is written through this; so are the few
/// plain-string messages that quote program text (user errors).
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_start = true;
    for c in text.chars() {
        if needs_escape(c, line_start) {
            out.push('\\');
        }
        out.push(c);
        line_start = next_line_start(c, line_start);
    }
    out
}

fn needs_escape(c: char, line_start: bool) -> bool {
    matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<')
        || (line_start && matches!(c, '#' | '>' | '-'))
}

fn next_line_start(c: char, line_start: bool) -> bool {
    if c == '\n' {
        true
    } else {
        line_start && c.is_whitespace()
    }
}

/// The byte length of the longest prefix of `text` whose escaped form has at most `room`
/// characters.
fn escaped_prefix(text: &str, room: usize) -> usize {
    let mut used = 0;
    let mut line_start = true;
    for (at, c) in text.char_indices() {
        used += 1 + usize::from(needs_escape(c, line_start));
        if used > room {
            return at;
        }
        line_start = next_line_start(c, line_start);
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::truncate;

    #[test]
    fn discord_gets_escaped_program_text_timestamps_and_mentions() {
        let at = DateTime::from_timestamp(1_620_151_200, 0).unwrap();
        let text = crate::text![
            Text::role(RoleId(7)),
            " **",
            Text::program("*Ada* [x](y)"),
            "** starts ",
            Text::instant(at, Style::Relative),
            " in ",
            Text::channel(ChannelId(3)),
            " by ",
            Text::user(UserId(9)),
        ];
        assert_eq!(
            text.discord(),
            r"<@&7> **\*Ada\* \[x\](y)** starts <t:1620151200:R> in <#3> by <@9>"
        );
        assert_eq!(text.discord_len(), text.discord().chars().count());
    }

    #[test]
    fn own_words_truncate_exactly_as_plain_strings_do() {
        for (text, max) in [
            ("one two three four five", 16),
            ("abcdefghij", 5),
            ("ééééé", 3),
            ("short", 10),
        ] {
            assert_eq!(
                Text::from(text).truncated(max).discord(),
                truncate(text, max)
            );
        }
    }

    #[test]
    fn a_cut_never_splits_a_timestamp_or_an_escape() {
        let at = DateTime::from_timestamp(1_620_151_200, 0).unwrap();
        let text = crate::text!["Starts ", Text::instant(at, Style::Relative)];
        let cut = text.truncated(15);
        assert_eq!(cut.discord(), "Starts …");
        let cut = Text::program("a*b*c*d*e*f").truncated(6);
        assert_eq!(cut.discord(), r"a\*b…");
        for max in 0..30 {
            let text = crate::text![
                "When: ",
                Text::program("*x* and *y*"),
                " ",
                Text::instant(at, Style::Time)
            ];
            assert!(text.truncated(max).discord_len() <= max);
        }
    }
}
