-- Events partitioned by time (issue 16): range partitions on occurred_at,
-- which package usermgmt/activity creates ahead of time
-- (Service.EnsureEventPartitions, also run by PruneEvents) and drops when
-- every row of one has expired. New events arrive in time order, so each
-- batch lands in the newest partition, whose indexes stay small enough to
-- be held in memory however large the table grows. The primary key holds
-- the partition key, as PostgreSQL requires. The default partition takes
-- whatever no partition covers (late events, the history held before this
-- migration, which is copied into it): an insert never fails for want of
-- a partition.
ALTER TABLE userdesk_events RENAME TO userdesk_events_unpartitioned;
--bun:split
ALTER INDEX userdesk_events_pkey RENAME TO userdesk_events_unpartitioned_pkey;
--bun:split
ALTER INDEX userdesk_events_user_idx RENAME TO userdesk_events_unpartitioned_user_idx;
--bun:split
ALTER INDEX userdesk_events_type_idx RENAME TO userdesk_events_unpartitioned_type_idx;
--bun:split
CREATE TABLE userdesk_events (
    id          uuid        NOT NULL,
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
    actor_id    uuid,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
--bun:split
-- The user page: the last 200, newest first; and the retention rule's
-- "is this one of the user's 200 newest?".
CREATE INDEX userdesk_events_user_idx ON userdesk_events (user_id, occurred_at DESC, id DESC);
--bun:split
-- Retention: expired events of one type, oldest first.
CREATE INDEX userdesk_events_type_idx ON userdesk_events (type, occurred_at, id);
--bun:split
CREATE TABLE userdesk_events_default PARTITION OF userdesk_events DEFAULT;
--bun:split
INSERT INTO userdesk_events SELECT * FROM userdesk_events_unpartitioned;
--bun:split
DROP TABLE userdesk_events_unpartitioned;
