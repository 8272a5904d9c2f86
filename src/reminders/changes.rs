//! Telling attendees about program changes: "Moved: … now starts at …", "Cancelled: …".
//!
//! A reload records each move or cancellation of a session (`Store::replace_program`). Every
//! tick claims, once per guild, the changes to sessions whose old or new start is within the
//! next day (or just passed), and posts them into the guild's announcements channel (else the
//! session's route). Exactly once works as for announcements: claim, post with a nonce,
//! confirm; transient errors retry on later ticks, within four minutes of the first attempt.

use chrono::{DateTime, TimeDelta, Utc};

use super::{backoff, nonce_of, Rules, TickReport, TOO_LONG_AGO};
use crate::format::stamp;
use crate::post::{record_outcome, Outgoing, PostError, Poster, CHANNEL_BROKEN};
use crate::program::time::local_clock;
use crate::reply::{truncate, Reply, Style, Text};
use crate::store::{ChangeNotice, ProgramChange, Store};
use crate::text;

/// Changes to sessions starting (before or after the change) within this window are told.
const WINDOW: TimeDelta = TimeDelta::days(1);

/// Claims the changes due for telling, then posts every claimed notice due for an attempt.
pub(super) async fn tell(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    for guild in store.announcing_guilds()? {
        for change in store.unnoticed_changes(guild.guild_id, now - rules.grace, now + WINDOW)? {
            let channel = guild
                .announce_channel
                .or_else(|| guild.channel_for(change.track.as_deref(), change.old_room.as_deref()));
            let Some(channel_id) = channel else { continue };
            let notice = ChangeNotice {
                guild_id: guild.guild_id,
                change_id: change.id,
                channel_id,
                nonce: nonce_of(&format!(
                    "{}\u{1f}change\u{1f}{}",
                    guild.guild_id, change.id
                )),
                attempts: 0,
                claimed_at: now,
            };
            store.claim_change_notice(&notice, now)?;
        }
    }
    for notice in store.change_notices_to_post(now)? {
        let Some(change) = store.program_change(notice.change_id)? else {
            continue;
        };
        let tz = match store.conference()? {
            Some(conference) => conference.time_zone,
            None => continue,
        };
        let (content, embed) = render(&change, tz);
        let outgoing = Outgoing {
            guild_id: notice.guild_id,
            channel_id: notice.channel_id,
            nonce: notice.nonce.clone(),
            content,
            embed,
            mention_role: None,
        };
        if now - notice.claimed_at > rules.retry_within {
            store.change_notice_failed(&notice, TOO_LONG_AGO, None)?;
            report.failed += 1;
            continue;
        }
        if store.channel_broken(notice.guild_id, notice.channel_id)? {
            store.change_notice_failed(&notice, CHANNEL_BROKEN, None)?;
            report.failed += 1;
            continue;
        }
        let outcome = poster.post(&outgoing).await;
        if let Ok(message_id) = outcome {
            store.change_notice_sent(&notice, message_id)?;
        }
        record_outcome(
            store,
            notice.guild_id,
            notice.channel_id,
            outcome.as_ref().map(|_| ()),
            now,
        )?;
        match outcome {
            Ok(_) => {
                report.notices += 1;
            }
            Err(PostError::Transient(error)) => {
                let retry_at = now + backoff(notice.attempts);
                store.change_notice_failed(&notice, &error, Some(retry_at))?;
                report.retrying += 1;
            }
            Err(PostError::Rejected(error) | PostError::Permanent(error)) => {
                store.change_notice_failed(&notice, &error, None)?;
                report.failed += 1;
            }
        }
    }
    Ok(())
}

/// The notice: a content line and a small embed, times in everyone's zone and the conference's.
pub fn render(change: &ProgramChange, tz: chrono_tz::Tz) -> (Text, Reply) {
    let title = Text::program(truncate(&change.title, 200));
    let was = text![
        stamp(change.old_start, Style::DateTime),
        format!(" ({})", local_clock(change.old_start, tz))
    ];
    let (content, mut lines) = match change.new_start {
        None => (
            text!["**Cancelled:** ", title],
            vec![text!["It was planned for ", was, "."]],
        ),
        Some(new_start) => {
            let mut lines = Vec::new();
            if new_start != change.old_start {
                lines.push(text![
                    "Now starts ",
                    stamp(new_start, Style::DateTime),
                    format!(" ({}), ", local_clock(new_start, tz)),
                    stamp(new_start, Style::Relative),
                    "; it was ",
                    was,
                    "."
                ]);
            }
            if change.new_room != change.old_room {
                let room =
                    |r: &Option<String>| r.as_deref().map_or("no room".into(), Text::program);
                lines.push(text![
                    "Now in ",
                    room(&change.new_room),
                    " (was ",
                    room(&change.old_room),
                    ")."
                ]);
            }
            let headline = match (new_start == change.old_start, &change.new_room) {
                (false, _) => text![
                    "**Moved:** ",
                    title,
                    format!(" now starts at {}", local_clock(new_start, tz))
                ],
                (true, Some(room)) => {
                    text!["**Moved:** ", title, " is now in ", Text::program(room)]
                }
                (true, None) => text!["**Moved:** ", title, " has no room any more"],
            };
            (headline, lines)
        }
    };
    lines.push("Use `/schedule` for the updated program.".into());
    let embed = Reply::new(Text::program(&change.title))
        .description(Text::join(lines, "\n"))
        .fitted();
    (content, embed)
}
