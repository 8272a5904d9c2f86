//! Telling attendees about program changes, once each: into channels ("Moved: … now starts at
//! …", "Cancelled: …") and by DM to each user who bookmarked a moved or cancelled talk.
//!
//! A reload records each move or cancellation of a session (`Store::replace_program`), and of
//! a bookmarked talk with a pending DM per user. Every announcement tick claims, once per
//! guild, the changes to sessions whose old or new start is within the next day (or just
//! passed), and posts them into the guild's announcements channel (else the session's route);
//! the DM tick sends the pending change DMs before any reminder. Both are outbox kinds: claim,
//! send with a nonce, settle (`delivery.rs`); transient errors retry on later ticks, within
//! Discord's memory of nonces.

use chrono::TimeDelta;

use super::delivery::{self, Attempt, Report, DMS_CLOSED, HORIZON};
use super::dm::{deliver, Dm};
use super::Tick;
use crate::domain::format::{day_and_time, stamp};
use crate::domain::ports::{DirectMessenger, Outgoing, Poster};
use crate::ids::Nonce;
use crate::program::time::local_clock;
use crate::reply::{limits, truncate, Reply, Style, Text};
use crate::store::outbox::GiveUp;
use crate::store::{change_dm_nonce, AgendaChange, ChangeNotice, NewNotice, ProgramChange, Store};
use crate::text;

/// Changes to sessions starting (before or after the change) within this window are told.
const WINDOW: TimeDelta = TimeDelta::days(1);

impl<P: Poster> Tick<'_, P> {
    /// Posts every change notice due for an attempt, then claims and posts the new ones.
    pub(super) async fn tell_changes(&self) -> anyhow::Result<Report> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        for id in store.claims_to_retry(now)? {
            self.post_notice(store.change_notice(id)?, &mut report)
                .await?;
        }
        for guild in store.announcing_guilds()? {
            for change in
                store.unnoticed_changes(guild.guild_id, now - self.rules.grace, now + WINDOW)?
            {
                let channel = guild.announce_channel.or_else(|| {
                    guild.channel_for(change.track.as_deref(), change.old_room.as_deref())
                });
                let Some(channel_id) = channel else { continue };
                let notice = NewNotice {
                    guild_id: guild.guild_id,
                    change_id: change.id,
                    channel_id,
                    nonce: Nonce::of(&format!(
                        "{}\u{1f}change\u{1f}{}",
                        guild.guild_id, change.id
                    )),
                };
                if let Some(claimed) = store.claim_change_notice(&notice, now)? {
                    self.post_notice(claimed, &mut report).await?;
                }
            }
        }
        Ok(report)
    }

    async fn post_notice(&self, notice: ChangeNotice, report: &mut Report) -> anyhow::Result<()> {
        let store = self.store;
        let Some(change) = store.program_change(notice.change_id)? else {
            return Ok(());
        };
        let tz = match store.conference()? {
            Some(conference) => conference.time_zone,
            None => return Ok(()),
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
        self.post_claimed(&notice.delivery, &outgoing, false, report)
            .await?;
        Ok(())
    }
}

impl<M: DirectMessenger> Tick<'_, M> {
    /// Tells each user whose bookmarked talk a reload moved or cancelled, once per change.
    pub(super) async fn tell_users(&self, report: &mut Report) -> anyhow::Result<()> {
        let (store, now) = (self.store, self.now);
        for dm in store.change_dms_due(now)? {
            let (change, user) = (&dm.change, dm.user);
            if !store.lease(dm.delivery.id, now)? {
                continue;
            }
            let give_up = |why, reason: &str, report: &mut Report| {
                self.give_up(&dm.delivery, why, reason, report)
            };
            if self.too_old_to_retry(&dm.delivery) {
                give_up(GiveUp::Missed, delivery::TOO_LONG_AGO, report)?;
                continue;
            }
            if store.dms_refused_at(user)?.is_some() {
                give_up(GiveUp::Failed, DMS_CLOSED, report)?;
                continue;
            }
            // Old news once the talk is over in both its slots.
            if change
                .old_start
                .max(change.new_start.unwrap_or(change.old_start))
                + HORIZON
                < now
            {
                give_up(GiveUp::Missed, "the talk is long over", report)?;
                continue;
            }
            let (content, embed) = render_dm(store, change)?;
            let nonce = change_dm_nonce(change.id, user);
            let dm_out = Dm {
                user,
                nonce: &nonce,
                content,
                embed,
            };
            let attempt = Attempt::from(deliver(store, self.out, dm_out).await?);
            if attempt == Attempt::DmsClosed {
                store.dms_refused(user, now)?;
            }
            self.settle(&dm.delivery, &attempt, false, report)?;
        }
        Ok(())
    }
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

/// What a change DM says: "moved to …" with the new time and place, or "cancelled".
pub fn render_dm(store: &Store, change: &AgendaChange) -> anyhow::Result<(Text, Reply)> {
    let tz = store
        .conference()?
        .map_or(chrono_tz::UTC, |conference| conference.time_zone);
    let was = match &change.old_room {
        Some(room) => text![
            day_and_time(change.old_start, tz),
            " in ",
            Text::program(room)
        ],
        None => day_and_time(change.old_start, tz),
    };
    let (content, description) = match change.new_start {
        Some(start) => {
            let place = change
                .new_room
                .as_deref()
                .map(|room| text![" in ", Text::program(room)])
                .unwrap_or_default();
            (
                text![
                    "📅 **",
                    Text::program(&change.title),
                    "** moved to ",
                    stamp(start, Style::LongDateTime),
                    &place
                ],
                text![
                    "Now ",
                    day_and_time(start, tz),
                    place,
                    ".\nWas ",
                    was,
                    ".\nYour reminder follows the new time."
                ],
            )
        }
        None => (
            text!["❌ **", Text::program(&change.title), "** was cancelled"],
            text![
                "It was ",
                was,
                ".\nIt is off your agenda, and its reminder with it."
            ],
        ),
    };
    Ok((
        content,
        Reply::new(Text::program(truncate(&change.title, limits::EMBED_TITLE)))
            .description(description)
            .footer("From your agenda · /agenda to see it"),
    ))
}
