-- On stage now (issue 23): what confbot last set as a room's voice channel status or stage
-- topic. Kept so each text is set once, not on every tick or after a restart, and so a status
-- an organiser set is told apart from confbot's (one that differs from this row is theirs).
CREATE TABLE room_statuses (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) STRICT, WITHOUT ROWID;
