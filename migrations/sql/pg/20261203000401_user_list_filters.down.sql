DROP TRIGGER userdesk_user_filters_languages_delete ON userdesk_user_languages;
--bun:split
DROP TRIGGER userdesk_user_filters_languages_update ON userdesk_user_languages;
--bun:split
DROP TRIGGER userdesk_user_filters_languages_insert ON userdesk_user_languages;
--bun:split
DROP TRIGGER userdesk_user_filters_roles_delete ON userdesk_user_roles;
--bun:split
DROP TRIGGER userdesk_user_filters_roles_update ON userdesk_user_roles;
--bun:split
DROP TRIGGER userdesk_user_filters_roles_insert ON userdesk_user_roles;
--bun:split
DROP FUNCTION userdesk_user_filters_on_change();
--bun:split
DROP FUNCTION userdesk_user_filters_refresh(uuid[]);
--bun:split
-- Dropping the columns drops the sort indexes that carry them.
ALTER TABLE userdesk_users DROP COLUMN language_keys;
--bun:split
ALTER TABLE userdesk_users DROP COLUMN role_mask;
--bun:split
CREATE INDEX userdesk_users_list_created_idx ON userdesk_users (created_at, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_updated_idx ON userdesk_users (updated_at, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_name_idx ON userdesk_users (sort_name, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
