-- A rehearsal's position (CONFBOT_REHEARSE_FROM / _SPEED): one row, the rehearsal time last
-- reached, so a restarted rehearsal goes on where it was rather than replaying the day. A row
-- for another start or speed is replaced: that is a new rehearsal.

CREATE TABLE rehearsal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    started_from INTEGER NOT NULL,
    speed REAL NOT NULL,
    reached INTEGER NOT NULL
) STRICT;
