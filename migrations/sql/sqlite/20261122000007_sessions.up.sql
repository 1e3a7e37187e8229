-- Login sessions of operators (back office) and users (front office).
-- Only a SHA-256 hash of each token is stored.
CREATE TABLE userdesk_sessions (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('operator', 'user')),
    subject_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_sessions_subject_idx ON userdesk_sessions (kind, subject_id);
