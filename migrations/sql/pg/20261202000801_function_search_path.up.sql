-- userdesk's functions call each other and name its tables without a
-- schema. Pin each one's search_path to the one the migrations ran with,
-- so that a session with another search_path (pg_restore sets an empty
-- one; a host's role may have its own) still finds them.
ALTER FUNCTION userdesk_audit_log_append_only() SET search_path FROM CURRENT;
--bun:split
ALTER FUNCTION userdesk_referral_credit_entries_append_only() SET search_path FROM CURRENT;
--bun:split
ALTER FUNCTION userdesk_user_role_mask(uuid) SET search_path FROM CURRENT;
--bun:split
ALTER FUNCTION userdesk_user_count_add(text, integer, bigint) SET search_path FROM CURRENT;
--bun:split
ALTER FUNCTION userdesk_user_counts_on_user() SET search_path FROM CURRENT;
--bun:split
ALTER FUNCTION userdesk_user_counts_on_roles() SET search_path FROM CURRENT;
