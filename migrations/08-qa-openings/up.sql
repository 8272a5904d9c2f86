-- Who is opening a Q&A thread right now: one row per (guild, session, talk) being opened on
-- Discord, taken before the thread is created and dropped once it is recorded (or failed), so
-- that moderators opening the same Q&A at once, or /qa open racing an announcement's automatic
-- Q&A, create one thread, not one each. A reservation older than a few minutes is stale (its
-- creator crashed) and may be taken over.

CREATE TABLE qa_openings (
    guild_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    -- '' for the whole session.
    talk_key TEXT NOT NULL,
    reserved_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, session_id, talk_key)
) STRICT;
