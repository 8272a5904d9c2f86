-- When a change notice was claimed, which is when its first post was attempted: a notice whose
-- first attempt is older than Discord's memory of nonces is not retried (it could post twice).
-- Notices claimed before this migration count from their next attempt.
ALTER TABLE change_notices ADD COLUMN claimed_at INTEGER;
