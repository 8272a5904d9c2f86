-- Feedback on talks (CONFBOT_FEEDBACK, /feedback). A rating is keyed to its user only so that
-- each person has one per talk (a second click changes it); comments are kept as written and
-- never shown with their author. /forget-me deletes both. Keyed by the talk's id, which
-- survives reloads; a talk a reload removes keeps its feedback for the export.
CREATE TABLE feedback_ratings (
    talk_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at INTEGER NOT NULL,
    PRIMARY KEY (talk_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX feedback_ratings_by_user ON feedback_ratings (user_id);

CREATE TABLE feedback_comments (
    id INTEGER PRIMARY KEY,
    talk_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    comment TEXT NOT NULL CHECK (length(comment) BETWEEN 1 AND 1000),
    written_at INTEGER NOT NULL
) STRICT;
CREATE INDEX feedback_comments_by_talk ON feedback_comments (talk_id);
CREATE INDEX feedback_comments_by_user ON feedback_comments (user_id);

-- The "How was it?" prompt when a talk ends: once per talk, end and Q&A thread, claimed before
-- it is posted, with the outbox's delivery columns (store/outbox.rs).
CREATE TABLE feedback_prompts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    talk_id TEXT NOT NULL,
    talk_ends_at INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (talk_id, talk_ends_at, channel_id)
) STRICT;
CREATE INDEX feedback_prompts_to_retry ON feedback_prompts (next_attempt_at) WHERE state = 'claimed';

