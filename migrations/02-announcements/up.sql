-- Session announcements: where each guild wants them, and every announcement ever claimed.
-- Discord ids are stored as INTEGER (snowflakes fit in 63 bits).

CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    announce_channel INTEGER,
    ping_role INTEGER
) STRICT;

-- A track or room sent to its own channel.
CREATE TABLE announce_routes (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
) STRICT;

-- How posting into each channel went, for /setup show. A channel with a permanent error
-- (missing access, unknown channel) is `broken` until an admin sets it again, so we do not
-- hammer Discord with requests that cannot succeed.
CREATE TABLE channel_health (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    last_post_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    broken INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id)
) STRICT;

-- One row per (guild, session, lead), claimed before it is posted: the unique key is what makes
-- an announcement exactly-once across ticks, restarts and crashes. `session_id` is the program's
-- stable id (not a foreign key: history outlives a cancelled session).
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    lead_secs INTEGER NOT NULL,
    session_starts_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    -- claimed: being posted (or to retry at next_attempt_at); sent: posted as message_id;
    -- missed: fell due too long ago, or superseded by a later lead; failed: a permanent error.
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (guild_id, session_id, lead_secs)
) STRICT;
CREATE INDEX announcements_to_retry ON announcements (next_attempt_at) WHERE state = 'claimed';
