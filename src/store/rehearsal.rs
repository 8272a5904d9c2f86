//! Where a rehearsal is: the rehearsal time last reached, kept so that a restart continues the
//! rehearsed day instead of replaying it from `CONFBOT_REHEARSE_FROM`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{from_unix, Store};

impl Store {
    /// The instant a rehearsal from `from` at `speed` starts at now: where the same rehearsal
    /// was (a restart), or `from` for a new one, which replaces any other.
    pub fn rehearsal_start(
        &self,
        from: DateTime<Utc>,
        speed: f64,
    ) -> anyhow::Result<DateTime<Utc>> {
        let conn = self.conn();
        let reached: Option<i64> = conn
            .query_row(
                "SELECT reached FROM rehearsal WHERE started_from = ?1 AND speed = ?2",
                params![from.timestamp(), speed],
                |r| r.get(0),
            )
            .optional()
            .context("reading the rehearsal")?;
        if let Some(reached) = reached {
            return Ok(from_unix(reached).max(from));
        }
        conn.execute(
            "INSERT INTO rehearsal (id, started_from, speed, reached) VALUES (1, ?1, ?2, ?1)
             ON CONFLICT (id) DO UPDATE SET started_from = ?1, speed = ?2, reached = ?1",
            params![from.timestamp(), speed],
        )
        .context("starting a rehearsal")?;
        Ok(from)
    }

    /// Records how far the rehearsal has got.
    pub fn rehearsal_reached(&self, at: DateTime<Utc>) -> anyhow::Result<()> {
        self.conn()
            .execute(
                "UPDATE rehearsal SET reached = max(reached, ?1)",
                [at.timestamp()],
            )
            .context("recording the rehearsal's position")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::pdt;

    #[test]
    fn the_same_rehearsal_continues_and_another_starts_afresh() {
        let store = Store::open_in_memory().unwrap();
        let from = pdt(10, 40);
        assert_eq!(store.rehearsal_start(from, 60.0).unwrap(), from);
        store.rehearsal_reached(pdt(11, 5)).unwrap();
        store.rehearsal_reached(pdt(11, 0)).unwrap();
        assert_eq!(
            store.rehearsal_start(from, 60.0).unwrap(),
            pdt(11, 5),
            "a restart goes on"
        );
        assert_eq!(
            store.rehearsal_start(from, 30.0).unwrap(),
            from,
            "another speed is new"
        );
        assert_eq!(
            store.rehearsal_start(from, 60.0).unwrap(),
            from,
            "and replaced the old"
        );
        assert_eq!(store.rehearsal_start(pdt(9, 0), 60.0).unwrap(), pdt(9, 0));
    }
}
