-- Package verification: single-use links (email verification, email change,
-- password reset), SMS codes, the message outbox, request throttles and the
-- ID verification evidence. Links and codes are stored as hashes only.
CREATE TABLE userdesk_verification_tokens (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('email', 'email_change', 'password_reset')),
    token_hash text        NOT NULL UNIQUE,
    address    text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    voided_at  timestamptz,
    CHECK (expires_at > created_at)
);
--bun:split
CREATE INDEX userdesk_verification_tokens_live_idx
    ON userdesk_verification_tokens (user_id, purpose) WHERE used_at IS NULL AND voided_at IS NULL;
--bun:split
CREATE TABLE userdesk_verification_codes (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    purpose       text        NOT NULL CHECK (purpose IN ('phone')),
    phone         text        NOT NULL,
    code_hash     text        NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_sent_at  timestamptz NOT NULL,
    sends         integer     NOT NULL CHECK (sends >= 1),
    failed_checks integer     NOT NULL DEFAULT 0 CHECK (failed_checks >= 0),
    used_at       timestamptz,
    voided_at     timestamptz,
    CHECK (expires_at > created_at)
);
--bun:split
CREATE INDEX userdesk_verification_codes_live_idx
    ON userdesk_verification_codes (user_id, purpose) WHERE used_at IS NULL AND voided_at IS NULL;
--bun:split
CREATE TABLE userdesk_verification_messages (
    id              uuid        PRIMARY KEY,
    user_id         uuid        REFERENCES userdesk_users (id) ON DELETE CASCADE,
    channel         text        NOT NULL CHECK (channel IN ('email', 'sms')),
    kind            text        NOT NULL,
    recipient       text        NOT NULL,
    language        text        NOT NULL,
    subject         text        NOT NULL,
    text_body       text        NOT NULL,
    html_body       text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
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
    key_hash     text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (key_hash, window_start)
);
--bun:split
CREATE INDEX userdesk_verification_throttle_window_idx ON userdesk_verification_throttle (window_start);
--bun:split
CREATE TABLE userdesk_id_verifications (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    verified    boolean     NOT NULL,
    source      text        NOT NULL CHECK (source <> ''),
    reason      text        NOT NULL,
    reference   text        NOT NULL,
    operator_id uuid        REFERENCES userdesk_operators (id) ON DELETE SET NULL,
    at          timestamptz NOT NULL
);
--bun:split
CREATE INDEX userdesk_id_verifications_user_idx ON userdesk_id_verifications (user_id, at);
