//! `confbot preview`: the timeline of session announcements between two times, as the bot would
//! post them (same lead times, grace and routes), printed instead of posted.

use std::path::Path;

use anyhow::Context;
use chrono::{TimeDelta, Utc};

use super::config;
use super::text;
use super::{open_store, parse_at};
use crate::jobs::announcements::{plan, render};

pub fn preview(db: &Path, from: Option<&str>, to: Option<&str>) -> anyhow::Result<()> {
    let (announce, program) = config::offline_from_environment()?;
    let store = open_store(db, program.as_deref())?;
    let tz = store
        .conference()?
        .context("the database has no program")?
        .time_zone;
    let from = match from {
        Some(text) => parse_at(text, tz)?,
        None => Utc::now(),
    };
    let to = match to {
        Some(text) => parse_at(text, tz)?,
        None => from + TimeDelta::days(1),
    };
    anyhow::ensure!(to > from, "--to must be after --from");

    let guilds = store.announcing_guilds()?;
    // Without settings in the database, show the plan for "the announcements channel".
    let targets: Vec<_> = if guilds.is_empty() {
        vec![None]
    } else {
        guilds.iter().map(Some).collect()
    };
    for settings in targets {
        let planned = plan(&store, &announce.rules, settings, from, to)?;
        match settings {
            Some(settings) => println!(
                "Server {}: {} announcements",
                settings.guild_id,
                planned.len()
            ),
            None => println!(
                "{} announcements (no channel is set yet: /setup announcements)",
                planned.len()
            ),
        }
        for item in planned {
            let (content, embed) = render(&store, &item.session, item.lead, false, settings)?;
            let destination = match item.channel_id {
                Some(channel) => format!("channel {channel}"),
                None => "the announcements channel".to_string(),
            };
            println!(
                "\n{} ({}) → {destination}",
                item.due_at.with_timezone(&tz).format("%a %-d %b %H:%M %Z"),
                item.due_at.format("%H:%M UTC"),
            );
            // The content line, then the embed's title and description (time, place, moderators).
            println!("  {}", text::line(&content, item.due_at));
            let embed = text::render(&embed, item.due_at);
            for line in embed
                .lines()
                .take_while(|l| !l.is_empty())
                .filter(|l| !l.starts_with('='))
            {
                println!("  {line}");
            }
        }
    }
    Ok(())
}
