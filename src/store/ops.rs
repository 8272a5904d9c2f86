//! What the health and metrics endpoints read: whether the database takes writes, and the
//! Events mirror's size. No tables of their own.

use super::Store;

impl Store {
    /// Whether the database takes a write now: a write transaction begun and rolled back, so
    /// a read-only file, a full lock past the busy timeout or a broken file shows here without
    /// changing anything.
    pub fn check_writable(&self) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch("CREATE TABLE confbot_write_probe (x)")?;
        tx.rollback()?;
        Ok(())
    }

    /// The scheduled events the Events tab mirror keeps, over all guilds.
    pub fn mirrored_event_count(&self) -> anyhow::Result<usize> {
        let count: i64 = self.read().query_row(
            "SELECT count(*) FROM mirrored_events WHERE event_id IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(count as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_locked_by_another_writer_is_not_writable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let store = Store::open(&path).unwrap();
        store.check_writable().unwrap();
        assert_eq!(store.mirrored_event_count().unwrap(), 0);
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        // After the store's busy timeout (5 s).
        let error = store.check_writable().unwrap_err().to_string();
        assert!(error.contains("locked"), "{error}");
        other.execute_batch("ROLLBACK").unwrap();
        store.check_writable().unwrap();
    }
}
