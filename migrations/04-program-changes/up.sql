-- Material changes to sessions (moved in time or room, cancelled), recorded by each program
-- import in the same transaction, so the bot (perhaps another process) announces each once,
-- when the session is within a day of its old or new start.

CREATE TABLE program_changes (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('moved', 'cancelled')),
    title TEXT NOT NULL,
    track TEXT,
    old_starts_at INTEGER NOT NULL,
    new_starts_at INTEGER,
    old_room TEXT,
    new_room TEXT
) STRICT;
-- The tick looks for changes to sessions about to start (in either their old or new slot).
CREATE INDEX program_changes_by_old_start ON program_changes (old_starts_at);
CREATE INDEX program_changes_by_new_start ON program_changes (new_starts_at);

-- Each change is posted once per guild: the claim, as for announcements.
CREATE TABLE change_notices (
    guild_id INTEGER NOT NULL,
    change_id INTEGER NOT NULL REFERENCES program_changes (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    PRIMARY KEY (guild_id, change_id)
) STRICT;
