-- Reconnects of a user to a SevenRooms profile with a field-by-field merge
-- (package thirdparty/sevenrooms): the plan, and snapshots of both sides
-- before and after, so that an undo within the window restores both, or
-- reports a conflict. status 'partial' is a merge whose later step failed
-- and whose compensation did not complete either: it is retried, never
-- reported as a success. plan and the snapshots are personal data,
-- deleted when the user is erased.
CREATE TABLE userdesk_sevenrooms_merges (
    id                 uuid        PRIMARY KEY,
    user_id            uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    operator_id        uuid        REFERENCES userdesk_operators (id) ON DELETE SET NULL,
    client_id          text        NOT NULL,
    previous_client_id text        NOT NULL DEFAULT '',
    status             text        NOT NULL CHECK (status IN ('applying', 'applied', 'compensated', 'partial', 'undone', 'failed')),
    pending            text,
    reason             text        NOT NULL,
    plan               text        NOT NULL,
    app_before         text        NOT NULL,
    app_after          text,
    provider_before    text        NOT NULL,
    provider_after     text,
    provider_apply     text        NOT NULL,
    provider_restore   text        NOT NULL,
    link_before        text,
    app_version_after  bigint      NOT NULL DEFAULT 0,
    error              text        NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    undo_until         timestamptz NOT NULL,
    undone_at          timestamptz,
    undone_by          uuid        REFERENCES userdesk_operators (id) ON DELETE SET NULL
);
--bun:split
CREATE INDEX userdesk_sevenrooms_merges_user_idx ON userdesk_sevenrooms_merges (user_id, created_at);
--bun:split
-- Merges left partially applied, for the retry.
CREATE INDEX userdesk_sevenrooms_merges_partial_idx ON userdesk_sevenrooms_merges (updated_at) WHERE status = 'partial';
--bun:split
-- Webhook deliveries already accepted, so that a replay is refused.
CREATE TABLE userdesk_sevenrooms_webhook_deliveries (
    delivery_id text        PRIMARY KEY,
    received_at timestamptz NOT NULL
);
--bun:split
CREATE INDEX userdesk_sevenrooms_webhook_deliveries_received_idx ON userdesk_sevenrooms_webhook_deliveries (received_at);
