-- Rooms as places (issue 23): the program's links, and each guild's settings per room.

-- A talk's links (program/link.rs checks them: https, at most 512 characters).
ALTER TABLE talks ADD COLUMN stream TEXT;
ALTER TABLE talks ADD COLUMN recording TEXT;
ALTER TABLE talks ADD COLUMN slides TEXT;
-- 1: the speakers asked not to be recorded; no recording is ever shown.
ALTER TABLE talks ADD COLUMN do_not_record INTEGER NOT NULL DEFAULT 0 CHECK (do_not_record IN (0, 1));
-- Where to watch the whole session, when the program says.
ALTER TABLE sessions ADD COLUMN stream TEXT;

-- Where to watch each room, as the program says; rewritten by every import.
CREATE TABLE program_rooms (
    name TEXT PRIMARY KEY,
    stream TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A guild's own settings for a room (or track) of the program, from `/setup room`. Its voice
-- place is `event_rooms`, its chat place `announce_routes`: those tables stay theirs.
CREATE TABLE room_places (
    guild_id INTEGER NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    -- Overrides the program's stream for this room.
    stream TEXT,
    -- 1: a "now on stage" post into the room's chat as each talk starts.
    now_posts INTEGER NOT NULL DEFAULT 0 CHECK (now_posts IN (0, 1)),
    PRIMARY KEY (guild_id, name)
) STRICT, WITHOUT ROWID;

-- Recordings a reload (or the live source) added to talks, recorded in the import's
-- transaction: each is told once in the talk's (or its session's) open Q&A thread.
CREATE TABLE published_recordings (
    talk_id TEXT NOT NULL,
    recording TEXT NOT NULL,
    PRIMARY KEY (talk_id, recording)
) STRICT, WITHOUT ROWID;

-- Posts into rooms' places, claimed before they are posted, with the outbox's delivery columns
-- (store/outbox.rs): a recording told in a Q&A thread (`kind` 'recording', `what` the link),
-- a talk told in its room's chat as it starts (`kind` 'now', `what` its start, unix seconds).
CREATE TABLE room_posts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recording', 'now')),
    talk_id TEXT NOT NULL,
    what TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (guild_id, kind, talk_id, what)
) STRICT;
CREATE INDEX room_posts_to_retry ON room_posts (next_attempt_at) WHERE state = 'claimed';
