DROP INDEX userdesk_users_list_status_created_idx;
--bun:split
DROP INDEX userdesk_users_list_name_idx;
--bun:split
DROP INDEX userdesk_users_list_updated_idx;
--bun:split
DROP INDEX userdesk_users_list_created_idx;
--bun:split
DROP INDEX userdesk_users_list_phone_trgm_idx;
--bun:split
DROP INDEX userdesk_users_list_search_trgm_idx;
--bun:split
ALTER TABLE userdesk_users ALTER COLUMN phone_digits SET STATISTICS -1;
--bun:split
ALTER TABLE userdesk_users ALTER COLUMN search_text SET STATISTICS -1;
--bun:split
-- pg_trgm stays: the host or other schemas may use it.
ALTER TABLE userdesk_users DROP COLUMN sort_name;
