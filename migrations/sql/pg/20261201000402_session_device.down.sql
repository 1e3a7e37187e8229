DROP INDEX userdesk_sessions_device_idx;
--bun:split
ALTER TABLE userdesk_sessions DROP COLUMN device_id;
