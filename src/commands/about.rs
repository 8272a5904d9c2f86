//! `/about`: what confbot is, and the conference it knows.

use super::schedule::conference_days;
use super::{conference, CommandResult};
use crate::reply::{Reply, Text};
use crate::store::Store;
use crate::text;

pub fn about(store: &Store) -> CommandResult {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let days: Vec<String> = conference_days(store, tz)?
        .iter()
        .map(|d| d.format("%a %-d %b %Y").to_string())
        .collect();
    let mut reply = Reply::new(text!["confbot for ", Text::program(&conference.name)])
        .description(
            "I know the conference program. Ask me `/next`, `/now`, `/search`, `/talk`, `/speaker` \
             or `/schedule`; times are shown in your own zone and in the conference's.",
        )
        .field("Talks", store.talk_count()?.to_string(), true)
        .field("Time zone", tz.name(), true)
        .field("Days", days.join("\n"), false)
        .footer(format!("confbot {}", env!("CARGO_PKG_VERSION")));
    if let Some(url) = &conference.url {
        reply = reply.link("Conference site", url.clone());
    }
    Ok(reply)
}
