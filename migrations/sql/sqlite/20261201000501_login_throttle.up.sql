-- Failed-guess counters of the reference server's login throttle, shared
-- by every replica. key_hash is a SHA-256 of what is counted (an account,
-- a client address, an account from one address) so that no email or
-- address is stored in clear; a "known" row marks an address from which
-- an account logged in successfully.
CREATE TABLE userdesk_login_throttle (
    key_hash      TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_at       TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_login_throttle_last_idx ON userdesk_login_throttle (last_at);
