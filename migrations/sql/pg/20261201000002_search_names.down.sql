DROP INDEX userdesk_users_list_names_trgm_idx;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN name_text;
