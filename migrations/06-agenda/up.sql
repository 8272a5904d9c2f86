-- Personal agendas: the talks each attendee bookmarked, and the DM reminders sent for them.
-- User ids are Discord's (INTEGER); talk ids are the program's stable ids, not foreign keys, so
-- a bookmark survives a re-import that drops and re-adds its talk.

-- One row per attendee who bookmarked something: their choices and what Discord told us.
CREATE TABLE agenda_users (
    user_id INTEGER PRIMARY KEY,
    -- 1: no reminders until they resume (/agenda).
    paused INTEGER NOT NULL DEFAULT 0,
    -- Their DM channel, once opened: each later reminder then costs one request.
    dm_channel_id INTEGER,
    -- Discord refused a DM (50007) then: no reminder is tried until they open /agenda again.
    dms_refused_at INTEGER,
    -- 1 once they were told (on their next command) that reminders cannot reach them.
    refusal_told INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE bookmarks (
    user_id INTEGER NOT NULL REFERENCES agenda_users (user_id) ON DELETE CASCADE,
    talk_id TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 120),
    -- When the bookmark was made or its minutes changed: a reminder is never due before it.
    set_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, talk_id)
) STRICT, WITHOUT ROWID;
-- The tick finds the bookmarks of the talks about to start, and a reload those of moved talks.
CREATE INDEX bookmarks_by_talk ON bookmarks (talk_id);

-- One DM per (user, due instant), claimed before it is sent: the unique key makes a reminder
-- exactly-once across ticks, restarts and crashes, as for announcements.
CREATE TABLE dm_reminders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES agenda_users (user_id) ON DELETE CASCADE,
    due_at INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    -- claimed: being sent (or to retry at next_attempt_at); sent; missed: too late to be
    -- worth sending; failed: Discord refused it.
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (user_id, due_at)
) STRICT;
CREATE INDEX dm_reminders_to_retry ON dm_reminders (next_attempt_at) WHERE state = 'claimed';

-- The talks a reminder is about, at the start they had: a talk is reminded once per start, so
-- a moved talk is reminded again at its new time.
CREATE TABLE dm_reminder_talks (
    reminder INTEGER NOT NULL REFERENCES dm_reminders (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    talk_id TEXT NOT NULL,
    talk_starts_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, talk_id, talk_starts_at)
) STRICT, WITHOUT ROWID;
CREATE INDEX dm_reminder_talks_by_reminder ON dm_reminder_talks (reminder);

-- A bookmarked talk that a reload moved (in time or room) or cancelled, recorded by the import
-- in the same transaction; each user who had it bookmarked is told once by DM.
CREATE TABLE agenda_changes (
    id INTEGER PRIMARY KEY,
    talk_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('moved', 'cancelled')),
    title TEXT NOT NULL,
    old_starts_at INTEGER NOT NULL,
    new_starts_at INTEGER,
    old_room TEXT,
    new_room TEXT
) STRICT;

-- One DM per (change, user): pending until the DM tick claims it, then as for reminders.
CREATE TABLE agenda_change_dms (
    change_id INTEGER NOT NULL REFERENCES agenda_changes (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES agenda_users (user_id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    PRIMARY KEY (change_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX agenda_change_dms_open ON agenda_change_dms (state) WHERE state IN ('pending', 'claimed');
