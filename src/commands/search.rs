//! `/search query`: talks ranked by how well they match, over titles, speakers, sessions and
//! abstracts. Any text is safe: the store never passes user text to FTS5 as syntax.

use super::{conference, CommandResult};
use crate::domain::format::talk_field;
use crate::reply::{truncate, Reply};
use crate::store::{Store, MAX_COUNTED};
use crate::user_error;

/// The most matches a search shows (over several pages).
pub const MAX_RESULTS: usize = 50;

pub fn search(store: &Store, query: &str) -> CommandResult {
    let conference = conference(store)?;
    let query = query.trim();
    if query.is_empty() {
        user_error!("Tell me what to look for, e.g. `/search hopfield`.");
    }
    let shown = truncate(query, 100);
    let (total, rows) = store.search(query, MAX_RESULTS)?;
    let reply = Reply::new(format!("Talks matching “{shown}”"));
    if rows.is_empty() {
        return Ok(
            reply.description("No match. Try fewer or shorter words (`hopf` finds Hopfield).")
        );
    }
    let summary = match total {
        1 => "1 talk".to_string(),
        n if n > MAX_COUNTED => format!(
            "more than {MAX_COUNTED} talks; the best {} are shown",
            rows.len()
        ),
        n if n > rows.len() => format!("{n} talks; the best {} are shown", rows.len()),
        n => format!("{n} talks"),
    };
    let fields = rows.iter().map(|row| talk_field(row, conference.time_zone));
    Ok(reply
        .description(summary)
        .fields(fields)
        .footer(conference.name))
}
