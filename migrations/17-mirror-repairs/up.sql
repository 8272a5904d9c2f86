-- The Events mirror keeps exactly one event per session through lost answers and organisers'
-- hands (issue 22).

-- 1: a create was sent and its answer never seen (a cut connection, a 5xx after the write, a
-- kill -9 before the id was recorded); event_id is NULL and the row holds what was sent. The
-- next listing adopts the unclaimed event of confbot's that says exactly that, or, if there is
-- none, lets the session be created again.
ALTER TABLE mirrored_events ADD COLUMN creating INTEGER NOT NULL DEFAULT 0;

-- Events of confbot's that someone edited by hand and confbot put back, since /setup events.
ALTER TABLE event_mirrors ADD COLUMN repaired INTEGER NOT NULL DEFAULT 0;
