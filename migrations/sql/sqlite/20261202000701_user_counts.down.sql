DROP TRIGGER userdesk_user_counts_role_delete;
--bun:split
DROP TRIGGER userdesk_user_counts_role_insert;
--bun:split
DROP TRIGGER userdesk_user_counts_delete;
--bun:split
DROP TRIGGER userdesk_user_counts_update;
--bun:split
DROP TRIGGER userdesk_user_counts_insert;
--bun:split
DROP TABLE userdesk_user_counts;
