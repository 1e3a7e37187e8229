-- Free-text reasons typed by operators can hold personal data (names,
-- ticket texts), and the audit log is append-only. Reasons therefore live
-- beside it, keyed by the audit record and the user acted on, so that
-- erasing a user deletes their reasons without the log becoming mutable.
CREATE TABLE userdesk_audit_reasons (
    audit_id TEXT PRIMARY KEY REFERENCES userdesk_audit_log (id),
    user_id  TEXT,
    reason   TEXT NOT NULL
);
--bun:split
CREATE INDEX userdesk_audit_reasons_user_idx ON userdesk_audit_reasons (user_id);
--bun:split
INSERT INTO userdesk_audit_reasons (audit_id, user_id, reason)
    SELECT id, user_id, reason FROM userdesk_audit_log WHERE reason <> '';
--bun:split
ALTER TABLE userdesk_audit_log DROP COLUMN reason;
--bun:split
-- The operator session an impersonation token was issued from (its token
-- hash): the token ends with that session. Empty for tokens a host issued
-- outside a session.
ALTER TABLE userdesk_impersonation_tokens ADD COLUMN session_ref TEXT NOT NULL DEFAULT '';
