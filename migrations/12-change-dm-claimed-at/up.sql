-- When a change DM was first claimed, which is when its first send was attempted: a DM whose
-- first attempt is older than Discord's memory of nonces is not retried (it could be sent
-- twice), as for announcements, change notices and reminders. DMs claimed before this migration
-- count from their next attempt.
ALTER TABLE agenda_change_dms ADD COLUMN claimed_at INTEGER;
