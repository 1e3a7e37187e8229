DROP TABLE userdesk_referral_flags;
--bun:split
DROP TABLE userdesk_referral_devices;
--bun:split
DROP TABLE userdesk_referral_idempotency_keys;
--bun:split
DROP TABLE userdesk_referral_credit_entries;
--bun:split
DROP FUNCTION userdesk_referral_credit_entries_append_only();
--bun:split
DROP TABLE userdesk_referral_accounts;
