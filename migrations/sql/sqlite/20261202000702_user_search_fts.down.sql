DROP TRIGGER userdesk_user_search_delete;
--bun:split
DROP TRIGGER userdesk_user_search_update;
--bun:split
DROP TRIGGER userdesk_user_search_insert;
--bun:split
DROP TABLE userdesk_user_search;
--bun:split
DROP TABLE userdesk_user_search_ids;
