DROP TABLE userdesk_audit_log;
--bun:split
DROP FUNCTION userdesk_audit_log_append_only();
--bun:split
DROP TABLE userdesk_operator_roles;
--bun:split
DROP TABLE userdesk_operators;
--bun:split
DROP TABLE userdesk_user_languages;
--bun:split
DROP TABLE userdesk_user_roles;
--bun:split
DROP TABLE userdesk_users;
