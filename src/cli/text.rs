//! A [`Reply`] as plain text for the terminal. Discord timestamps (`<t:UNIX:style>`) become
//! UTC times, or "in 5 min" relative to the `--at` time; bold markers and the escapes of
//! program text are dropped.

use chrono::{DateTime, Utc};

use crate::reply::Reply;

pub fn render(reply: &Reply, now: DateTime<Utc>) -> String {
    let title = reply.title.discord();
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count().min(72)));
    if let Some(url) = &reply.url {
        out.push_str(&format!("{url}\n"));
    }
    if !reply.description.is_empty() {
        out.push_str(&format!("{}\n", reply.description.discord()));
    }
    for field in &reply.fields {
        out.push_str(&format!("\n* {}\n", field.name.discord()));
        for line in field.value.discord().lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for button in &reply.buttons {
        out.push_str(&format!("\n[{}] {}\n", button.label, button.url));
    }
    if let Some(footer) = &reply.footer {
        out.push_str(&format!("\n-- {}\n", footer.discord()));
    }
    timestamps(&unescaped(&out.replace("**", "")), now)
}

/// Drops the backslashes `format::escaped` puts before Markdown characters of program text:
/// a terminal shows the text itself.
fn unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(next) if c == '\\' && next.is_ascii_punctuation() => {}
            _ => out.push(c),
        }
    }
    out
}

/// Replaces each `<t:UNIX:style>` with readable text.
pub fn timestamps(text: &str, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<t:") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let parsed = tail.find('>').and_then(|end| {
            let (seconds, style) = tail[3..end].split_once(':')?;
            let at = DateTime::from_timestamp(seconds.parse().ok()?, 0)?;
            Some((end, at, style))
        });
        match parsed {
            Some((end, at, style)) => {
                out.push_str(&match style {
                    "R" => relative(at, now),
                    "t" | "T" => at.format("%H:%M UTC").to_string(),
                    "d" | "D" => at.format("%-d %b %Y").to_string(),
                    _ => at.format("%a %-d %b %Y %H:%M UTC").to_string(),
                });
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str("<t:");
                rest = &tail[3..];
            }
        }
    }
    out.push_str(rest);
    out
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

    #[test]
    fn timestamps_become_readable() {
        let now = DateTime::from_timestamp(1_620_150_900, 0).unwrap();
        let text = timestamps("<t:1620151200:t> <t:1620151200:R> <t:x:t> <t:", now);
        assert_eq!(text, "18:00 UTC in 5 min <t:x:t> <t:");
    }
}
