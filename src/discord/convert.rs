//! serenity's ids to the core's and back, at the edge: the core never sees serenity's types.

use poise::serenity_prelude as serenity;

use crate::ids;
use crate::store::EventStatus;

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

// Discord calls a scheduled event's id by the event's name.
impl From<serenity::ScheduledEventId> for ids::EventId {
    fn from(id: serenity::ScheduledEventId) -> Self {
        ids::EventId(id.get())
    }
}

impl From<ids::EventId> for serenity::ScheduledEventId {
    fn from(id: ids::EventId) -> Self {
        serenity::ScheduledEventId::new(id.get())
    }
}

impl From<serenity::ScheduledEventStatus> for EventStatus {
    fn from(status: serenity::ScheduledEventStatus) -> Self {
        EventStatus::from_code(u8::from(status))
    }
}
