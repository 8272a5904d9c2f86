//! A [`Reply`] as plain text for the terminal. Each part of its texts is written for a reader
//! without Discord: instants as UTC times, or "in 5 min" relative to the `--at` time; program
//! text as it is (nothing is escaped); channels, users and roles by id; confbot's own bold
//! markers dropped.

use chrono::{DateTime, Utc};

use crate::reply::{Part, Reply, Style, Text};

pub fn render(reply: &Reply, now: DateTime<Utc>) -> String {
    let title = line(&reply.title, now);
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count().min(72)));
    if let Some(url) = &reply.url {
        out.push_str(&format!("{url}\n"));
    }
    if !reply.description.is_empty() {
        out.push_str(&format!("{}\n", line(&reply.description, now)));
    }
    for field in &reply.fields {
        out.push_str(&format!("\n* {}\n", line(&field.name, now)));
        for value in line(&field.value, now).lines() {
            out.push_str(&format!("  {value}\n"));
        }
    }
    for button in &reply.buttons {
        out.push_str(&format!("\n[{}] {}\n", button.label, button.url));
    }
    if let Some(footer) = &reply.footer {
        out.push_str(&format!("\n-- {}\n", line(footer, now)));
    }
    out
}

/// One text as the terminal shows it.
pub fn line(text: &Text, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for part in text.parts() {
        match part {
            Part::Markdown(text) => out.push_str(&text.replace("**", "")),
            Part::Program(text) => out.push_str(text),
            Part::Instant(at, style) => out.push_str(&instant(*at, *style, now)),
            Part::Channel(id) => out.push_str(&format!("channel {id}")),
            Part::User(id) => out.push_str(&format!("user {id}")),
            Part::Role(id) => out.push_str(&format!("role {id}")),
            Part::Link(url) => out.push_str(url),
        }
    }
    out
}

fn instant(at: DateTime<Utc>, style: Style, now: DateTime<Utc>) -> String {
    match style {
        Style::Relative => relative(at, now),
        Style::Time => at.format("%H:%M UTC").to_string(),
        Style::DateTime | Style::LongDateTime => at.format("%a %-d %b %Y %H:%M UTC").to_string(),
    }
}

fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (at - now).num_minutes();
    let amount = |m: i64| match m {
        0 => "less than a minute".to_string(),
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} days", m / (24 * 60)),
    };
    if at >= now {
        format!("in {}", amount(minutes))
    } else {
        format!("{} ago", amount(-minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ChannelId;
    use crate::text;

    #[test]
    fn parts_are_written_for_a_terminal() {
        let now = DateTime::from_timestamp(1_620_150_900, 0).unwrap();
        let at = DateTime::from_timestamp(1_620_151_200, 0).unwrap();
        let text = text![
            "**",
            Text::program(r"C*-algebras \o/ [x](y)"),
            "** ",
            Text::instant(at, Style::Time),
            " ",
            Text::instant(at, Style::Relative),
            " in ",
            Text::channel(ChannelId(7)),
        ];
        assert_eq!(
            line(&text, now),
            r"C*-algebras \o/ [x](y) 18:00 UTC in 5 min in channel 7"
        );
    }
}
