//! Discord's ids as the core knows them: one small type per kind of thing, so a channel can
//! never be passed where a guild is meant and a call site says what each number is. serenity's
//! own id types stay in `discord/`, which converts at the edge.
//!
//! In SQLite an id is stored as its bits in an `INTEGER` (Discord's snowflakes fit in 63 bits
//! today; the cast keeps any 64-bit value intact both ways).

use std::fmt;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! discord_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0 as i64))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(|id| $name(id as u64))
            }
        }
    };
}

discord_id!(
    /// A server.
    GuildId
);
discord_id!(
    /// A text, voice or forum channel, or a thread (threads are channels on Discord).
    ChannelId
);
discord_id!(
    /// A scheduled event (the Events tab).
    EventId
);
discord_id!(
    /// A message in a channel.
    MessageId
);
discord_id!(
    /// A member, or any Discord account.
    UserId
);
discord_id!(
    /// A role of a server.
    RoleId
);
discord_id!(
    /// An interaction: a command, a button press; a list's page buttons name the command's.
    InteractionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_sqlite_whatever_their_bits() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for raw in [1, 1_234_567_890_123_456_789, u64::MAX] {
            let back: GuildId = conn
                .query_row("SELECT ?1", [GuildId(raw)], |r| r.get(0))
                .unwrap();
            assert_eq!(back, GuildId(raw));
        }
    }
}
