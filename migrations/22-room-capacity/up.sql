-- How many people a room holds, from `/setup room capacity:` (issue 26): /stats marks the
-- upcoming talks bookmarked by more people than their room holds.
ALTER TABLE room_places ADD COLUMN capacity INTEGER CHECK (capacity > 0);
