//! The Discord permissions confbot needs, each with what it is for and where: the one list
//! that `confbot invite` asks for and `confbot doctor` checks, so the URL an organiser grants
//! and the check before the conference cannot disagree.

use poise::serenity_prelude::Permissions;

/// Where confbot needs a permission: the channels of one feature, or the server as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Channels it posts announcements in (the announcements channel and the routes).
    Announcements,
    /// Channels whose sessions get Q&A threads (the same channels, for moderators' `/qa`).
    QaThreads,
    /// The server: scheduled events are the server's, not a channel's.
    Events,
    /// Voice and stage channels that rooms are routed to (`/setup room voice:`).
    Rooms,
    /// Plain voice channels among them, whose status confbot sets: a stage has a topic instead.
    Voices,
    /// Stage channels among them, whose live stage's topic confbot sets: a plain voice room
    /// does not need these.
    Stages,
}

/// One permission confbot asks for.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub permission: Permissions,
    /// What it is for, in an organiser's words.
    pub what_for: &'static str,
    pub place: Place,
}

/// Every permission confbot uses, and nothing else.
pub const NEEDED: &[Need] = &[
    Need {
        permission: Permissions::VIEW_CHANNEL,
        what_for: "see the channels it posts announcements in",
        place: Place::Announcements,
    },
    Need {
        permission: Permissions::SEND_MESSAGES,
        what_for: "post session announcements, moves and cancellations",
        place: Place::Announcements,
    },
    Need {
        permission: Permissions::EMBED_LINKS,
        what_for: "show announcements as embeds (title, times, room, talks)",
        place: Place::Announcements,
    },
    Need {
        permission: Permissions::ATTACH_FILES,
        what_for: "send /agenda's calendar file (agenda.ics)",
        place: Place::Announcements,
    },
    Need {
        permission: Permissions::CREATE_PUBLIC_THREADS,
        what_for: "open a session's Q&A thread (/qa open, /setup qa auto)",
        place: Place::QaThreads,
    },
    Need {
        permission: Permissions::SEND_MESSAGES_IN_THREADS,
        what_for: "post the Q&A introduction, questions and summary",
        place: Place::QaThreads,
    },
    Need {
        permission: Permissions::MANAGE_THREADS,
        what_for: "archive and lock a Q&A thread (/qa close)",
        place: Place::QaThreads,
    },
    Need {
        // Since Discord's permission split of 23 February 2026, Manage Events no longer lets a
        // bot create events; Create Events also edits and deletes its own.
        permission: Permissions::CREATE_EVENTS,
        what_for: "mirror the sessions into the Events tab (/setup events)",
        place: Place::Events,
    },
    Need {
        permission: Permissions::CONNECT,
        what_for: "hold a room's events in its voice channel (Discord requires it)",
        place: Place::Rooms,
    },
    Need {
        permission: Permissions::MANAGE_CHANNELS,
        what_for: "hold a room's events in its stage channel, set a room's status, and make \
                   the rooms' channels (/setup rooms create)",
        place: Place::Rooms,
    },
    Need {
        permission: Permissions::SET_VOICE_CHANNEL_STATUS,
        what_for: "show the talk on stage as a voice room's status",
        place: Place::Voices,
    },
    // With Manage Channels, what makes a stage moderator, whom Discord lets set a stage's topic.
    Need {
        permission: Permissions::MUTE_MEMBERS,
        what_for: "show the talk on stage as a live stage's topic (a stage moderator's)",
        place: Place::Stages,
    },
    Need {
        permission: Permissions::MOVE_MEMBERS,
        what_for: "show the talk on stage as a live stage's topic (a stage moderator's)",
        place: Place::Stages,
    },
];

/// All of [`NEEDED`] together: the `permissions` of the invite URL.
pub fn all() -> Permissions {
    NEEDED
        .iter()
        .fold(Permissions::empty(), |all, need| all | need.permission)
}

/// The needs of one place.
pub fn at(place: Place) -> impl Iterator<Item = &'static Need> {
    NEEDED.iter().filter(move |need| need.place == place)
}

/// Discord's name of a single permission ("Create Events").
pub fn name(permission: Permissions) -> String {
    permission.get_permission_names().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_permission_is_asked_for_once_and_named() {
        let mut seen = Permissions::empty();
        for need in NEEDED {
            assert_eq!(need.permission.bits().count_ones(), 1, "{need:?}");
            assert!(!seen.intersects(need.permission), "{need:?} twice");
            assert!(!name(need.permission).is_empty());
            seen |= need.permission;
        }
    }

    #[test]
    fn the_events_mirror_needs_create_events_not_manage_events() {
        assert!(all().contains(Permissions::from_bits_truncate(1 << 44)));
        assert!(!all().contains(Permissions::MANAGE_EVENTS));
        assert!(all().contains(Permissions::from_bits_truncate(1 << 48)));
        assert!(!all().contains(Permissions::ADMINISTRATOR));
    }
}
