-- Personal agendas: the talks each attendee bookmarked, and the DM reminders sent for them.
-- User ids are Discord's (INTEGER); talk ids are the program's stable ids, not foreign keys, so
-- a bookmark survives a re-import that drops and re-adds its talk.

-- One row per attendee who bookmarked something: their choices and what Discord told us.
CREATE TABLE agenda_users (
    user_id INTEGER PRIMARY KEY,
    -- 1: no reminders until they resume (/agenda).
    paused INTEGER NOT NULL DEFAULT 0
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
