-- DM channels opened ahead of need (issue 25): the DM tick's opener opens the channel of each
-- attendee with a coming reminder in slots nothing due wants, so a keynote's reminders cost one
-- request each. When Discord refused to open one (not a transient error), it is not tried
-- ahead again: the reminder opens it when due, as before.
ALTER TABLE agenda_users ADD COLUMN dm_channel_refused_at INTEGER;
-- The opener's question, every tick: attendees whose channel is not known and not refused.
CREATE INDEX agenda_users_to_open ON agenda_users (user_id)
    WHERE dm_channel_id IS NULL AND dm_channel_refused_at IS NULL;
