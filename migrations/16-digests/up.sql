-- The daily digest (CONFBOT_DIGEST_AT): one per guild and conference day, claimed before it is
-- posted, with the outbox's delivery columns (store/outbox.rs), as announcements are.
CREATE TABLE digests (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    -- The conference day, local to the conference: YYYY-MM-DD.
    day TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (guild_id, day)
) STRICT;
CREATE INDEX digests_to_retry ON digests (next_attempt_at) WHERE state = 'claimed';
