-- A user session may be tied to a device (package usermgmt/activity ends a
-- revoked device's sessions). NULL: a session of no particular device.
ALTER TABLE userdesk_sessions ADD COLUMN device_id text;
--bun:split
CREATE INDEX userdesk_sessions_device_idx ON userdesk_sessions (subject_id, device_id) WHERE device_id IS NOT NULL;
