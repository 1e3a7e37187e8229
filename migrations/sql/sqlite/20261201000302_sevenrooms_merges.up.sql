-- Reconnects of a user to a SevenRooms profile with a field-by-field merge
-- (package thirdparty/sevenrooms): the plan, and snapshots of both sides
-- before and after, so that an undo within the window restores both, or
-- reports a conflict. status 'partial' is a merge whose later step failed
-- and whose compensation did not complete either: it is retried, never
-- reported as a success. plan and the snapshots are personal data,
-- deleted when the user is erased.
CREATE TABLE userdesk_sevenrooms_merges (
    id                 TEXT      PRIMARY KEY,
    user_id            TEXT      NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    operator_id        TEXT      REFERENCES userdesk_operators (id) ON DELETE SET NULL,
    client_id          TEXT      NOT NULL,
    previous_client_id TEXT      NOT NULL DEFAULT '',
    status             TEXT      NOT NULL CHECK (status IN ('applying', 'applied', 'compensated', 'partial', 'undone', 'failed')),
    pending            TEXT,
    reason             TEXT      NOT NULL,
    plan               TEXT      NOT NULL,
    app_before         TEXT      NOT NULL,
    app_after          TEXT,
    provider_before    TEXT      NOT NULL,
    provider_after     TEXT,
    provider_apply     TEXT      NOT NULL,
    provider_restore   TEXT      NOT NULL,
    link_before        TEXT,
    app_version_after  INTEGER   NOT NULL DEFAULT 0,
    error              TEXT      NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    undo_until         TIMESTAMP NOT NULL,
    undone_at          TIMESTAMP,
    undone_by          TEXT      REFERENCES userdesk_operators (id) ON DELETE SET NULL
);
--bun:split
CREATE INDEX userdesk_sevenrooms_merges_user_idx ON userdesk_sevenrooms_merges (user_id, created_at);
--bun:split
-- Merges left partially applied, for the retry.
CREATE INDEX userdesk_sevenrooms_merges_partial_idx ON userdesk_sevenrooms_merges (updated_at) WHERE status = 'partial';
--bun:split
-- Webhook deliveries already accepted, so that a replay is refused.
CREATE TABLE userdesk_sevenrooms_webhook_deliveries (
    delivery_id TEXT      PRIMARY KEY,
    received_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_sevenrooms_webhook_deliveries_received_idx ON userdesk_sevenrooms_webhook_deliveries (received_at);
