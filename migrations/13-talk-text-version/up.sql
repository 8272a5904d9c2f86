-- The version of the talks' searchable text: every import that changes a talk's title,
-- abstract, speakers or session title bumps it in the same transaction, whichever process
-- imports. The bot's own search index (`store/talk_index.rs`) records the version it was
-- built from and is used only while the database still has it.
CREATE TABLE talk_text_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO talk_text_version (id, version) VALUES (1, 0);
