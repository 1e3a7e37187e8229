DROP INDEX userdesk_users_list_status_created_idx;
--bun:split
DROP INDEX userdesk_users_list_name_idx;
--bun:split
DROP INDEX userdesk_users_list_updated_idx;
--bun:split
DROP INDEX userdesk_users_list_created_idx;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN sort_name;
