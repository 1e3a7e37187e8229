DROP TRIGGER userdesk_user_counts_roles_delete ON userdesk_user_roles;
--bun:split
DROP TRIGGER userdesk_user_counts_roles_insert ON userdesk_user_roles;
--bun:split
DROP TRIGGER userdesk_user_counts_delete ON userdesk_users;
--bun:split
DROP TRIGGER userdesk_user_counts_update ON userdesk_users;
--bun:split
DROP TRIGGER userdesk_user_counts_insert ON userdesk_users;
--bun:split
DROP FUNCTION userdesk_user_counts_on_roles();
--bun:split
DROP FUNCTION userdesk_user_counts_on_user();
--bun:split
DROP FUNCTION userdesk_user_count_add(text, integer, bigint);
--bun:split
DROP FUNCTION userdesk_user_role_mask(uuid);
--bun:split
DROP TABLE userdesk_user_counts;
