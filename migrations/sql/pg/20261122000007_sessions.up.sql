-- Login sessions of operators (back office) and users (front office).
-- Only a SHA-256 hash of each token is stored.
CREATE TABLE userdesk_sessions (
    token_hash text PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('operator', 'user')),
    subject_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
--bun:split
CREATE INDEX userdesk_sessions_subject_idx ON userdesk_sessions (kind, subject_id);
