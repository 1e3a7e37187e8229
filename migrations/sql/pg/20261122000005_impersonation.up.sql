-- Impersonation tokens: one row per token issued, so that a token can be
-- revoked (one, all of an operator's, all for a user) and its first use
-- recorded once. The token itself is never stored: it is a signed
-- PASETO v4.public whose jti is the row's id.
CREATE TABLE userdesk_impersonation_tokens (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    operator_id   uuid        NOT NULL REFERENCES userdesk_operators (id) ON DELETE CASCADE,
    key_id        text        NOT NULL,
    reason        text        NOT NULL CHECK (reason <> ''),
    scope         text        NOT NULL CHECK (scope IN ('full', 'read_only')),
    landing       text        NOT NULL DEFAULT '' CHECK (landing IN ('', 'presentation', 'identity', 'bank_account')),
    issued_at     timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoked_by    uuid        REFERENCES userdesk_operators (id) ON DELETE SET NULL,
    first_used_at timestamptz,
    CHECK (expires_at > issued_at)
);
--bun:split
-- Live tokens by user and by operator, for revocation and listing.
CREATE INDEX userdesk_impersonation_tokens_user_idx
    ON userdesk_impersonation_tokens (user_id, expires_at) WHERE revoked_at IS NULL;
--bun:split
CREATE INDEX userdesk_impersonation_tokens_operator_idx
    ON userdesk_impersonation_tokens (operator_id, expires_at) WHERE revoked_at IS NULL;
--bun:split
CREATE INDEX userdesk_impersonation_tokens_live_idx
    ON userdesk_impersonation_tokens (expires_at) WHERE revoked_at IS NULL;
