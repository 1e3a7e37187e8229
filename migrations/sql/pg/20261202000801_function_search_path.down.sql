ALTER FUNCTION userdesk_audit_log_append_only() RESET search_path;
--bun:split
ALTER FUNCTION userdesk_referral_credit_entries_append_only() RESET search_path;
--bun:split
ALTER FUNCTION userdesk_user_role_mask(uuid) RESET search_path;
--bun:split
ALTER FUNCTION userdesk_user_count_add(text, integer, bigint) RESET search_path;
--bun:split
ALTER FUNCTION userdesk_user_counts_on_user() RESET search_path;
--bun:split
ALTER FUNCTION userdesk_user_counts_on_roles() RESET search_path;
