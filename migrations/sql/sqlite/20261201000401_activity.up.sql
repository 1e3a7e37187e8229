-- Package usermgmt/activity: reservations, events and devices shown on the
-- user page.
--
-- Reservations: one row per reservation the host records (its own booking
-- flow, or SevenRooms through package thirdparty), keyed by the provider's
-- id so that recording is an idempotent upsert.
CREATE TABLE userdesk_reservations (
    id              TEXT        PRIMARY KEY,
    user_id         TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    provider        TEXT        NOT NULL CHECK (provider <> ''),
    provider_id     TEXT        NOT NULL CHECK (provider_id <> ''),
    venue_id        TEXT        NOT NULL DEFAULT '',
    venue_name      TEXT        NOT NULL DEFAULT '',
    channel         TEXT        NOT NULL CHECK (channel IN ('app', 'bot', 'web', 'back_office', 'other')),
    bot_kind        TEXT        NOT NULL DEFAULT '',
    role            TEXT        NOT NULL CHECK (role IN ('asker', 'offeror')),
    booked_at       TIMESTAMP   NOT NULL,
    visit_at        TIMESTAMP   NOT NULL,
    visit_timezone  TEXT        NOT NULL,
    party_size      INTEGER     NOT NULL CHECK (party_size > 0),
    status          TEXT        NOT NULL CHECK (status IN ('requested', 'booked', 'confirmed', 'arrived', 'seated', 'completed', 'cancelled', 'no_show')),
    provider_status TEXT        NOT NULL DEFAULT '',
    cancelled_by    TEXT        NOT NULL DEFAULT '' CHECK (cancelled_by IN ('', 'user', 'venue', 'operator', 'system')),
    deleted         INTEGER     NOT NULL DEFAULT 0,
    last_synced_at  TIMESTAMP   NOT NULL,
    created_at      TIMESTAMP   NOT NULL,
    updated_at      TIMESTAMP   NOT NULL
);
--bun:split
CREATE UNIQUE INDEX userdesk_reservations_provider_key ON userdesk_reservations (provider, provider_id);
--bun:split
-- Every channel ("one filter away"), most recently booked first.
CREATE INDEX userdesk_reservations_user_idx ON userdesk_reservations (user_id, booked_at DESC, id DESC);
--bun:split
-- The user page's default card: the last 100 made via the App or the Bot.
CREATE INDEX userdesk_reservations_app_bot_idx ON userdesk_reservations (user_id, booked_at DESC, id DESC)
    WHERE channel IN ('app', 'bot');
--bun:split
-- Events: the append-only log of a user's interactions. No foreign key
-- (ingest joins the users table once per batch instead, and skips unknown
-- and erased users); attributes are JSON text checked against the type.
-- On SQLite the table is clustered by user (WITHOUT ROWID, primary key
-- user_id, occurred_at, id): a user's last 200 events are one range of
-- neighbouring pages instead of 200 scattered rows.
CREATE TABLE userdesk_events (
    id          TEXT        NOT NULL,
    user_id     TEXT        NOT NULL,
    occurred_at TIMESTAMP   NOT NULL,
    received_at TIMESTAMP   NOT NULL,
    type        TEXT        NOT NULL,
    channel     TEXT        NOT NULL,
    device_id   TEXT        NOT NULL DEFAULT '',
    session_id  TEXT        NOT NULL DEFAULT '',
    app_version TEXT        NOT NULL DEFAULT '',
    bot_version TEXT        NOT NULL DEFAULT '',
    attributes  TEXT        NOT NULL DEFAULT '{}',
    actor_kind  TEXT        NOT NULL,
    actor_id    TEXT,
    PRIMARY KEY (user_id, occurred_at, id)
) WITHOUT ROWID;
--bun:split
CREATE UNIQUE INDEX userdesk_events_id_key ON userdesk_events (id);
--bun:split
-- Retention: expired events of one type, oldest first.
CREATE INDEX userdesk_events_type_idx ON userdesk_events (type, occurred_at, id);
--bun:split
-- Devices linked to a user's account. push_token is write-only: the
-- library never returns it to operators or users.
CREATE TABLE userdesk_devices (
    id            TEXT        PRIMARY KEY,
    user_id       TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    device_id     TEXT        NOT NULL CHECK (device_id <> ''),
    kind          TEXT        NOT NULL,
    os_name       TEXT        NOT NULL DEFAULT '',
    os_version    TEXT        NOT NULL DEFAULT '',
    model         TEXT        NOT NULL DEFAULT '',
    app_version   TEXT        NOT NULL DEFAULT '',
    app_build     TEXT        NOT NULL DEFAULT '',
    bot_version   TEXT        NOT NULL DEFAULT '',
    push_token    TEXT        NOT NULL DEFAULT '',
    first_seen_at TIMESTAMP   NOT NULL,
    last_seen_at  TIMESTAMP   NOT NULL,
    revoked_at    TIMESTAMP  ,
    revoked_by    TEXT        REFERENCES userdesk_operators (id) ON DELETE SET NULL
);
--bun:split
CREATE UNIQUE INDEX userdesk_devices_user_device_key ON userdesk_devices (user_id, device_id);
