//! The daily digest (`CONFBOT_DIGEST_AT`): on each conference day, at that local time, every
//! guild's announcements channel gets what the day holds: its sessions by room, its keynotes,
//! and when the first one starts. Exactly once per guild and day through the outbox; a day
//! without sessions gets none.
//!
//! The scheduler runs it as a wall-clock job at that time in the conference's zone
//! (`ticker.rs`), and once at start, so a digest missed while the bot was down is still posted
//! that day, until its last session ends.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveTime, Utc};

use super::delivery::{Report, Rules};
use super::Tick;
use crate::domain::format::{people, span, stamp};
use crate::domain::ports::{Outgoing, Poster};
use crate::program::time::start_of_day;
use crate::program::{SessionSlot, TalkKind};
use crate::reply::{limits, truncate, Reply, Style, Text};
use crate::store::outbox::GiveUp;
use crate::store::{Digest, Store};
use crate::text;

/// Posts today's digest into every announcing guild, if `at` has passed today.
pub async fn tick(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
    at: NaiveTime,
) -> anyhow::Result<Report> {
    Tick {
        store,
        out: poster,
        now,
        rules,
    }
    .digest(at)
    .await
}

impl<P: Poster> Tick<'_, P> {
    async fn digest(&self, at: NaiveTime) -> anyhow::Result<Report> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        for id in store.claims_to_retry(now)? {
            self.post_digest(store.digest(id)?, &mut report).await?;
        }
        let Some(conference) = store.conference()? else {
            return Ok(report);
        };
        let local = now.with_timezone(&conference.time_zone);
        if local.time() < at {
            return Ok(report);
        }
        let today = local.date_naive();
        let sessions = store.sessions_starting_between(
            start_of_day(today, conference.time_zone),
            start_of_day(today + Days::new(1), conference.time_zone),
        )?;
        // No sessions, no digest; once the day's last session is over, it is old news.
        if sessions.iter().all(|s| s.end <= now) {
            return Ok(report);
        }
        for guild in store.announcing_guilds()? {
            let Some(channel) = guild.announce_channel else {
                continue;
            };
            if let Some(claimed) = store.claim_digest(guild.guild_id, today, channel, now)? {
                self.post_digest(claimed, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn post_digest(&self, digest: Digest, report: &mut Report) -> anyhow::Result<()> {
        let store = self.store;
        let Some(conference) = store.conference()? else {
            return self.give_up(
                &digest.delivery,
                GiveUp::Failed,
                "there is no program",
                report,
            );
        };
        let tz = conference.time_zone;
        let sessions = store.sessions_starting_between(
            start_of_day(digest.day, tz),
            start_of_day(digest.day + Days::new(1), tz),
        )?;
        let (content, embed) = render(store, &conference.name, &sessions, tz)?;
        let outgoing = Outgoing {
            guild_id: digest.guild_id,
            channel_id: digest.channel_id,
            nonce: digest.nonce.clone(),
            content,
            embed,
            mention_role: None,
        };
        self.post_claimed(&digest.delivery, &outgoing, false, report)
            .await?;
        Ok(())
    }
}

/// The digest: a line with the first start, and an embed with the day's sessions by room (or
/// track) and its keynotes.
pub fn render(
    store: &Store,
    conference: &str,
    sessions: &[SessionSlot],
    tz: chrono_tz::Tz,
) -> anyhow::Result<(Text, Reply)> {
    let first = sessions.iter().map(|s| s.start).min().unwrap_or_default();
    let content = text![
        "📅 **Today at ",
        Text::program(truncate(conference, 100)),
        format!("**: {} ", sessions.len()),
        if sessions.len() == 1 {
            "session"
        } else {
            "sessions"
        },
        ", the first ",
        stamp(first, Style::Relative),
        "."
    ];
    let mut by_place: BTreeMap<&str, Vec<&SessionSlot>> = BTreeMap::new();
    let mut keynotes = Vec::new();
    for session in sessions {
        by_place
            .entry(session.place().unwrap_or("Elsewhere"))
            .or_default()
            .push(session);
        for row in store.talks_of_session(&session.id)? {
            if row.talk.kind == TalkKind::Keynote {
                keynotes.push(text![
                    span(row.talk.start, row.talk.end, tz),
                    " ",
                    Text::program(&row.talk.title),
                    " · ",
                    people(&row.talk.speakers)
                ]);
            }
        }
    }
    let mut embed = Reply::new(text![
        Text::program(truncate(conference, limits::EMBED_TITLE / 2)),
        format!(
            " · {}",
            first.with_timezone(&tz).date_naive().format("%A %-d %B")
        )
    ]);
    if !keynotes.is_empty() {
        embed = embed.field("Keynotes", Text::join(keynotes, "\n"), false);
    }
    for (place, sessions) in by_place {
        let lines = sessions
            .iter()
            .map(|s| text![span(s.start, s.end, tz), " ", Text::program(&s.title)]);
        embed = embed.field(Text::program(place), Text::join(lines, "\n"), false);
    }
    Ok((
        content,
        embed
            .footer("The daily digest · /schedule for the whole day")
            .fitted(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, GuildId};
    use crate::testing::{bundled_with, pdt, store_of, FakePoster, HOSTILE_TITLE};

    const GUILD: GuildId = GuildId(1);
    const EIGHT: NaiveTime = NaiveTime::from_hms_opt(8, 0, 0).unwrap();

    async fn digest_at(store: &Store, poster: &FakePoster, now: DateTime<Utc>) -> Report {
        tick(store, poster, now, &Rules::default(), EIGHT)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_digest_is_posted_once_on_the_day_at_its_hour_with_titles_as_written() {
        let store = store_of(&bundled_with(|sessions| {
            sessions[0].slot.title = HOSTILE_TITLE.into();
        }));
        store.set_announce_channel(GUILD, ChannelId(10)).unwrap();
        let poster = FakePoster::default();
        assert_eq!(
            digest_at(&store, &poster, pdt(7, 59)).await,
            Report::default()
        );
        assert_eq!(digest_at(&store, &poster, pdt(8, 0)).await.sent, 1);
        assert_eq!(
            digest_at(&store, &poster, pdt(8, 1)).await,
            Report::default()
        );
        let posted = poster.posted();
        assert_eq!(posted.len(), 1, "once a day");
        assert_eq!(posted[0].channel_id, ChannelId(10));
        assert_eq!(posted[0].mention_role, None);
        let reply = &posted[0].embed;
        let embed: String = reply
            .fields
            .iter()
            .map(|f| format!("{}\n{}\n", f.name.discord(), f.value.discord()))
            .collect();
        assert!(
            embed.contains(&crate::reply::escaped(HOSTILE_TITLE)),
            "{embed}"
        );
        assert!(!embed.contains(HOSTILE_TITLE), "{embed}");
        assert!(posted[0].content.discord().contains("the first <t:"));
    }

    #[tokio::test]
    async fn a_day_without_sessions_or_already_over_gets_none() {
        let store = store_of(&crate::testing::bundled());
        store.set_announce_channel(GUILD, ChannelId(10)).unwrap();
        let poster = FakePoster::default();
        let next_day = pdt(9, 0) + chrono::TimeDelta::days(1);
        assert_eq!(
            digest_at(&store, &poster, next_day).await,
            Report::default()
        );
        assert_eq!(
            digest_at(&store, &poster, pdt(23, 0)).await,
            Report::default()
        );
        assert!(poster.posted().is_empty());
    }

    #[tokio::test]
    async fn a_digest_missed_while_down_is_posted_later_that_day() {
        let store = store_of(&crate::testing::bundled());
        store.set_announce_channel(GUILD, ChannelId(10)).unwrap();
        let poster = FakePoster::default();
        assert_eq!(digest_at(&store, &poster, pdt(10, 30)).await.sent, 1);
    }
}
