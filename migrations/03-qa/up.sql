-- Q&A: a public thread per session (or talk) where attendees ask and vote, moderators pick.
-- Discord ids are INTEGER; session and talk ids are the program's stable ids, not foreign keys,
-- so the questions of a session outlive a re-import that drops it.

-- Per guild: who moderates besides Manage Threads, and whether announcing a session opens its
-- Q&A thread.
CREATE TABLE qa_settings (
    guild_id INTEGER PRIMARY KEY,
    moderator_role INTEGER,
    auto_open INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One row per thread ever opened. `gone`: deleted on Discord, so `/qa open` makes a new one;
-- the partial indexes allow one live thread per (guild, session, talk) and per Discord thread
-- (a thread started from a message has the message's id, so a re-created one may reuse it).
CREATE TABLE qa_threads (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    -- NULL: the whole session.
    talk_id TEXT,
    title TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'gone')),
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
) STRICT;
CREATE UNIQUE INDEX qa_threads_live ON qa_threads (guild_id, session_id, ifnull(talk_id, ''))
    WHERE state != 'gone';
CREATE UNIQUE INDEX qa_threads_by_thread ON qa_threads (thread_id) WHERE state != 'gone';

CREATE TABLE qa_questions (
    id INTEGER PRIMARY KEY,
    thread INTEGER NOT NULL REFERENCES qa_threads (id) ON DELETE CASCADE,
    -- The talk asked about, when the asker named one or the thread is a talk's.
    talk_id TEXT,
    author_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    -- The question's message in the thread, once posted.
    message_id INTEGER,
    asked_at INTEGER NOT NULL,
    answered_at INTEGER
) STRICT;
CREATE INDEX qa_questions_by_thread ON qa_questions (thread);

-- One vote per person and question: the primary key is the rule.
CREATE TABLE qa_votes (
    question INTEGER NOT NULL REFERENCES qa_questions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (question, user_id)
) STRICT, WITHOUT ROWID;
