//! Daily digest claims: the outbox kind (`outbox.rs`) that posts each guild's digest of a
//! conference day once. Keyed by (guild, local day).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::outbox::{self, ClaimId, Delivery, DeliveryState, Digests, NewClaim};
use super::Store;
use crate::ids::{ChannelId, GuildId, Nonce};

/// A claimed digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub delivery: Delivery<Digests>,
    pub guild_id: GuildId,
    pub day: NaiveDate,
    pub channel_id: ChannelId,
    pub nonce: Nonce,
}

impl Store {
    /// Claims the digest of `day` for `guild` into `channel`; `None` if it was claimed before.
    pub fn claim_digest(
        &self,
        guild: GuildId,
        day: NaiveDate,
        channel: ChannelId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Digest>> {
        let day_text = day.to_string();
        let nonce = Nonce::of(&format!("digest\u{1f}{guild}\u{1f}{day_text}"));
        let conn = self.conn();
        let claimed = outbox::claim::<Digests>(
            &conn,
            &NewClaim {
                columns: &[
                    ("guild_id", &guild),
                    ("day", &day_text),
                    ("channel_id", &channel),
                    ("nonce", &nonce),
                ],
                state: DeliveryState::Claimed,
                reason: None,
            },
            now,
        )?;
        drop(conn);
        claimed.map(|id| self.digest(id)).transpose()
    }

    /// One claimed digest.
    pub fn digest(&self, id: ClaimId<Digests>) -> anyhow::Result<Digest> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {}, guild_id, day, channel_id, nonce FROM digests WHERE id = ?1",
                outbox::columns("")
            ))?
            .query_row([id], |r| {
                let day: String = r.get(7)?;
                Ok(Digest {
                    delivery: outbox::delivery(r, 0)?,
                    guild_id: r.get(6)?,
                    day: day.parse().map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            7,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    channel_id: r.get(8)?,
                    nonce: r.get(9)?,
                })
            })
            .context("reading a digest")
    }
}
