//! Ids as the core knows them: one small type per kind of thing, so a channel can never be
//! passed where a guild is meant, nor a talk where a session is, and a call site says what each
//! value is. Discord's ids are numbers (serenity's own id types stay in `discord/`, which
//! converts at the edge); the program's are the stable strings its file gives; a [`Nonce`] is
//! what Discord deduplicates a message by.
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

macro_rules! program_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map($name)
            }
        }
    };
}

program_id!(
    /// A session, by the program's stable id (kept across reloads, so claims and threads follow it).
    SessionId
);
program_id!(
    /// A talk, by the program's stable id (bookmarks and reminders follow it across reloads).
    TalkId
);

/// The nonce of a message that must be posted once: `cb` and the 64-bit FNV-1a hash of its
/// delivery's key in hex, 18 characters (Discord allows 25). The same key gives the same nonce
/// across restarts and versions, so a retry is recognised by Discord as the same message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nonce(String);

impl Nonce {
    /// The nonce of a delivery's key.
    pub fn of(key: &str) -> Nonce {
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Nonce(format!("cb{hash:016x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToSql for Nonce {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.as_str()))
    }
}

impl FromSql for Nonce {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        String::column_result(value).map(Nonce)
    }
}

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
