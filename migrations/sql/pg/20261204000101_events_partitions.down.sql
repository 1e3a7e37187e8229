-- Back to one table: every partition's rows are copied into it.
CREATE TABLE userdesk_events_unpartitioned (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    type        text        NOT NULL,
    channel     text        NOT NULL,
    device_id   text        NOT NULL DEFAULT '',
    session_id  text        NOT NULL DEFAULT '',
    app_version text        NOT NULL DEFAULT '',
    bot_version text        NOT NULL DEFAULT '',
    attributes  text        NOT NULL DEFAULT '{}',
    actor_kind  text        NOT NULL,
    actor_id    uuid
);
--bun:split
INSERT INTO userdesk_events_unpartitioned SELECT * FROM userdesk_events;
--bun:split
DROP TABLE userdesk_events;
--bun:split
ALTER TABLE userdesk_events_unpartitioned RENAME TO userdesk_events;
--bun:split
ALTER INDEX userdesk_events_unpartitioned_pkey RENAME TO userdesk_events_pkey;
--bun:split
CREATE INDEX userdesk_events_user_idx ON userdesk_events (user_id, occurred_at DESC, id DESC);
--bun:split
CREATE INDEX userdesk_events_type_idx ON userdesk_events (type, occurred_at, id);
