-- Package verification: single-use links (email verification, email change,
-- password reset), SMS codes, the message outbox, request throttles and the
-- ID verification evidence. Links and codes are stored as hashes only.
CREATE TABLE userdesk_verification_tokens (
    id         TEXT        PRIMARY KEY,
    user_id    TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    purpose    TEXT        NOT NULL CHECK (purpose IN ('email', 'email_change', 'password_reset')),
    token_hash TEXT        NOT NULL UNIQUE,
    address    TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    used_at    TIMESTAMP,
    voided_at  TIMESTAMP,
    CHECK (expires_at > created_at)
);
--bun:split
CREATE INDEX userdesk_verification_tokens_live_idx
    ON userdesk_verification_tokens (user_id, purpose) WHERE used_at IS NULL AND voided_at IS NULL;
--bun:split
CREATE TABLE userdesk_verification_codes (
    id            TEXT        PRIMARY KEY,
    user_id       TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    purpose       TEXT        NOT NULL CHECK (purpose IN ('phone')),
    phone         TEXT        NOT NULL,
    code_hash     TEXT        NOT NULL,
    created_at    TIMESTAMP   NOT NULL,
    expires_at    TIMESTAMP   NOT NULL,
    last_sent_at  TIMESTAMP   NOT NULL,
    sends         INTEGER     NOT NULL CHECK (sends >= 1),
    failed_checks INTEGER     NOT NULL DEFAULT 0 CHECK (failed_checks >= 0),
    used_at       TIMESTAMP,
    voided_at     TIMESTAMP,
    CHECK (expires_at > created_at)
);
--bun:split
CREATE INDEX userdesk_verification_codes_live_idx
    ON userdesk_verification_codes (user_id, purpose) WHERE used_at IS NULL AND voided_at IS NULL;
--bun:split
CREATE TABLE userdesk_verification_messages (
    id              TEXT        PRIMARY KEY,
    user_id         TEXT        REFERENCES userdesk_users (id) ON DELETE CASCADE,
    channel         TEXT        NOT NULL CHECK (channel IN ('email', 'sms')),
    kind            TEXT        NOT NULL,
    recipient       TEXT        NOT NULL,
    language        TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    text_body       TEXT        NOT NULL,
    html_body       TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP   NOT NULL,
    last_error      TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMP   NOT NULL,
    sent_at         TIMESTAMP  
);
--bun:split
CREATE INDEX userdesk_verification_messages_due_idx
    ON userdesk_verification_messages (next_attempt_at) WHERE status IN ('pending', 'sending');
--bun:split
CREATE INDEX userdesk_verification_messages_user_idx ON userdesk_verification_messages (user_id);
--bun:split
CREATE INDEX userdesk_verification_messages_recipient_idx ON userdesk_verification_messages (recipient, id);
--bun:split
CREATE TABLE userdesk_verification_throttle (
    key_hash     TEXT        NOT NULL,
    window_start TIMESTAMP   NOT NULL,
    hits         INTEGER     NOT NULL,
    PRIMARY KEY (key_hash, window_start)
);
--bun:split
CREATE INDEX userdesk_verification_throttle_window_idx ON userdesk_verification_throttle (window_start);
--bun:split
CREATE TABLE userdesk_id_verifications (
    id          TEXT        PRIMARY KEY,
    user_id     TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    verified    INTEGER     NOT NULL,
    source      TEXT        NOT NULL CHECK (source <> ''),
    reason      TEXT        NOT NULL,
    reference   TEXT        NOT NULL,
    operator_id TEXT        REFERENCES userdesk_operators (id) ON DELETE SET NULL,
    at          TIMESTAMP   NOT NULL
);
--bun:split
CREATE INDEX userdesk_id_verifications_user_idx ON userdesk_id_verifications (user_id, at);
