-- The live program source (CONFBOT_PROGRAM_URL): one row, rewritten after every poll, so a
-- restart keeps its validators (no needless download), its backoff and what admins are shown
-- by `/program status`. A row for another URL, format or zone is ignored and replaced.

CREATE TABLE program_source (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    -- The import options the validators and hash were obtained with (`format=…; timezone=…`).
    options TEXT NOT NULL,
    -- Validators of the document last imported (or found unchanged), sent back as
    -- If-None-Match / If-Modified-Since.
    etag TEXT,
    last_modified TEXT,
    -- SHA-256 (hex) of the last document imported: the same bytes again are not parsed.
    body_sha256 TEXT,
    -- The last poll that finished, and how it went.
    last_fetch_at INTEGER,
    last_result TEXT CHECK (last_result IN ('not_modified', 'unchanged', 'imported', 'failed')),
    -- The last import that changed the program, and what it changed.
    last_change_at INTEGER,
    last_change TEXT,
    -- The last error (kept after recovery, for the record) and when it was first seen.
    last_error TEXT,
    last_error_at INTEGER,
    -- Failed polls in a row (0: healthy); the retry delay doubles with each.
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    next_poll_at INTEGER
) STRICT;
