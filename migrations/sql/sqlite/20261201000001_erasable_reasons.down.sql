ALTER TABLE userdesk_impersonation_tokens DROP COLUMN session_ref;
--bun:split
ALTER TABLE userdesk_audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
--bun:split
DROP TABLE userdesk_audit_reasons;
