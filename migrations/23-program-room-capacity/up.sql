-- A room's capacity as the program says it (schedule exports' `conference.rooms[].capacity`,
-- confbot JSON's `rooms[].capacity`): /stats uses it where a guild set none with
-- `/setup room capacity:`. A room may now have a capacity and no stream, so the table is
-- remade with both optional (it is rewritten by every import).
CREATE TABLE program_rooms_new (
    name TEXT PRIMARY KEY,
    stream TEXT,
    capacity INTEGER CHECK (capacity > 0),
    CHECK (stream IS NOT NULL OR capacity IS NOT NULL)
) STRICT, WITHOUT ROWID;
INSERT INTO program_rooms_new (name, stream) SELECT name, stream FROM program_rooms;
DROP TABLE program_rooms;
ALTER TABLE program_rooms_new RENAME TO program_rooms;
