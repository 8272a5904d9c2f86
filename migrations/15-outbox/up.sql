-- One outbox: every exactly-once delivery (announcements, change notices, DM reminders, change
-- DMs) keeps the same delivery columns, so one module (store/outbox.rs) moves each of them
-- through claimed → sent / retry / missed / failed with the same statements. Announcements and
-- DM reminders have them already; change notices and change DMs are rebuilt with a row id (the
-- claim's id), `finished_at`, and the full set of states (a notice first tried longer ago than
-- Discord remembers nonces is now recorded as missed, as the other kinds are).

CREATE TABLE change_notices_new (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    change_id INTEGER NOT NULL REFERENCES program_changes (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    -- Notices claimed before migration 11 count from their next attempt.
    claimed_at INTEGER,
    finished_at INTEGER,
    UNIQUE (guild_id, change_id)
) STRICT;
INSERT INTO change_notices_new (guild_id, change_id, channel_id, nonce, state, attempts,
        next_attempt_at, last_error, message_id, claimed_at)
    SELECT guild_id, change_id, channel_id, nonce, state, attempts, next_attempt_at, last_error,
        message_id, coalesce(claimed_at, next_attempt_at)
    FROM change_notices;
DROP TABLE change_notices;
ALTER TABLE change_notices_new RENAME TO change_notices;
CREATE INDEX change_notices_to_retry ON change_notices (next_attempt_at) WHERE state = 'claimed';

CREATE TABLE agenda_change_dms_new (
    id INTEGER PRIMARY KEY,
    change_id INTEGER NOT NULL REFERENCES agenda_changes (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES agenda_users (user_id) ON DELETE CASCADE,
    -- pending: recorded by the import, not yet claimed by the DM tick.
    state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER,
    finished_at INTEGER,
    UNIQUE (change_id, user_id)
) STRICT;
INSERT INTO agenda_change_dms_new (change_id, user_id, state, attempts, next_attempt_at,
        last_error, message_id, claimed_at)
    SELECT change_id, user_id, state, attempts, next_attempt_at, last_error, message_id,
        coalesce(claimed_at, CASE WHEN state = 'claimed' THEN next_attempt_at END)
    FROM agenda_change_dms;
DROP TABLE agenda_change_dms;
ALTER TABLE agenda_change_dms_new RENAME TO agenda_change_dms;
CREATE INDEX agenda_change_dms_open ON agenda_change_dms (state) WHERE state IN ('pending', 'claimed');
CREATE INDEX agenda_change_dms_by_user ON agenda_change_dms (user_id);
