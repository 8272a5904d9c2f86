-- What the audience thinks of each talk: one rating per person per talk, and comments.
-- The user id is kept only so each person rates a talk once (a second rating replaces the
-- first) and so /forget-me can delete theirs; no chart or export names a user. Talk ids are
-- the program's stable ids, not foreign keys, as for bookmarks.

CREATE TABLE feedback_ratings (
    user_id INTEGER NOT NULL,
    talk_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, talk_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX feedback_ratings_by_talk ON feedback_ratings (talk_id);

CREATE TABLE feedback_comments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    talk_id TEXT NOT NULL,
    -- As written (at most 1,000 characters, the modal's limit).
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    written_at INTEGER NOT NULL
) STRICT;
CREATE INDEX feedback_comments_by_talk ON feedback_comments (talk_id, id);
CREATE INDEX feedback_comments_by_user ON feedback_comments (user_id);
