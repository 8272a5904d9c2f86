-- The program mirrored into Discord's Events tab (Scheduled Events), per guild.

CREATE TABLE event_mirrors (
    guild_id INTEGER PRIMARY KEY,
    enabled INTEGER NOT NULL,
    -- Mirror the sessions starting within this many hours, at most max_events of them.
    hours INTEGER NOT NULL,
    max_events INTEGER NOT NULL,
    -- Scheduled or active events of the guild that confbot did not make (organisers'), as
    -- last listed: they leave less room under Discord's cap of 100.
    foreign_events INTEGER NOT NULL DEFAULT 0,
    -- Discord's list must be read again (start, gateway resume, a full guild, /setup events).
    needs_listing INTEGER NOT NULL DEFAULT 1,
    last_sync_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    -- A missing permission (50013): nothing is tried until an admin runs /setup events.
    broken INTEGER NOT NULL DEFAULT 0,
    -- Failed syncs in a row, and when the next may start (backoff on the bot's clock).
    failures INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER,
    -- Sessions in the window that did not fit under max or the cap, at the last sync.
    left_out INTEGER NOT NULL DEFAULT 0,
    left_out_by_cap INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Session → its event on Discord, with what the event says (to know when to edit it).
-- Keyed by the program's session id, not its row, so a cancelled session's event can still be
-- found and deleted.
CREATE TABLE mirrored_events (
    guild_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    -- NULL: an organiser deleted the event by hand; not recreated until /setup events.
    event_id INTEGER,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    -- The voice or stage channel it is held in (its room's route), if any.
    channel_id INTEGER,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- Discord's status: 1 scheduled, 2 active.
    status INTEGER NOT NULL,
    PRIMARY KEY (guild_id, session_id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX mirrored_events_by_event ON mirrored_events (event_id);

-- Bookmarks that pressing Interested on a mirrored event added (talks the user had not
-- bookmarked themselves): un-pressing removes exactly these.
CREATE TABLE event_bookmarks (
    user_id INTEGER NOT NULL REFERENCES agenda_users (user_id) ON DELETE CASCADE,
    talk_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (user_id, talk_id)
) STRICT, WITHOUT ROWID;

-- /setup room-channel: a room's (or track's) sessions become voice or stage events in a channel.
CREATE TABLE event_rooms (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    -- 1: a stage channel (entity type 1), else voice (2).
    stage INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
) STRICT, WITHOUT ROWID;
