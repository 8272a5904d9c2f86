//! serenity's ids to the core's and back, at the edge: the core never sees serenity's types.

use poise::serenity_prelude as serenity;

use crate::ids;

macro_rules! convert {
    ($($name:ident),+) => {$(
        impl From<serenity::$name> for ids::$name {
            fn from(id: serenity::$name) -> Self {
                ids::$name(id.get())
            }
        }

        impl From<ids::$name> for serenity::$name {
            fn from(id: ids::$name) -> Self {
                serenity::$name::new(id.get())
            }
        }
    )+};
}

convert!(GuildId, ChannelId, MessageId, UserId, RoleId, InteractionId);
