-- The conference program. Instants are UTC unix seconds; the zone is kept for display.
-- Rows are keyed by the program's stable ids so a re-import updates in place.

CREATE TABLE conference (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    url TEXT,
    -- The longest session and talk, so "what runs at t" can scan only starts in
    -- [t - longest, t] instead of every earlier row.
    longest_session_secs INTEGER NOT NULL,
    longest_talk_secs INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    track TEXT,
    room TEXT,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX sessions_by_start ON sessions (starts_at);

CREATE TABLE people (
    pk INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE session_moderators (
    session INTEGER NOT NULL REFERENCES sessions (pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    person INTEGER NOT NULL REFERENCES people (pk),
    PRIMARY KEY (session, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE talks (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session INTEGER NOT NULL REFERENCES sessions (pk) ON DELETE CASCADE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    abstract TEXT NOT NULL,
    url TEXT,
    CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX talks_by_start ON talks (starts_at);
CREATE INDEX talks_by_session ON talks (session, starts_at);

CREATE TABLE talk_speakers (
    talk INTEGER NOT NULL REFERENCES talks (pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    person INTEGER NOT NULL REFERENCES people (pk),
    PRIMARY KEY (talk, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX talk_speakers_by_person ON talk_speakers (person);

-- Full-text search over talks (rowid = talks.pk). Contentless: the text lives in the
-- tables above; the index only answers "which talks match" and their bm25 rank.
CREATE VIRTUAL TABLE talk_search USING fts5 (
    title, abstract, speakers, session,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- Name search over people (rowid = people.pk), for /speaker and its autocomplete.
CREATE VIRTUAL TABLE people_search USING fts5 (
    name,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
