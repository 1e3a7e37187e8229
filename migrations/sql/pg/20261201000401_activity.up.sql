-- Package usermgmt/activity: reservations, events and devices shown on the
-- user page.
--
-- Reservations: one row per reservation the host records (its own booking
-- flow, or SevenRooms through package thirdparty), keyed by the provider's
-- id so that recording is an idempotent upsert.
CREATE TABLE userdesk_reservations (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    provider        text        NOT NULL CHECK (provider <> ''),
    provider_id     text        NOT NULL CHECK (provider_id <> ''),
    venue_id        text        NOT NULL DEFAULT '',
    venue_name      text        NOT NULL DEFAULT '',
    channel         text        NOT NULL CHECK (channel IN ('app', 'bot', 'web', 'back_office', 'other')),
    bot_kind        text        NOT NULL DEFAULT '',
    role            text        NOT NULL CHECK (role IN ('asker', 'offeror')),
    booked_at       timestamptz NOT NULL,
    visit_at        timestamptz NOT NULL,
    visit_timezone  text        NOT NULL,
    party_size      integer     NOT NULL CHECK (party_size > 0),
    status          text        NOT NULL CHECK (status IN ('requested', 'booked', 'confirmed', 'arrived', 'seated', 'completed', 'cancelled', 'no_show')),
    provider_status text        NOT NULL DEFAULT '',
    cancelled_by    text        NOT NULL DEFAULT '' CHECK (cancelled_by IN ('', 'user', 'venue', 'operator', 'system')),
    deleted         boolean     NOT NULL DEFAULT false,
    last_synced_at  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
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
CREATE TABLE userdesk_events (
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
-- The user page: the last 200, newest first; and the retention rule's
-- "is this one of the user's 200 newest?".
CREATE INDEX userdesk_events_user_idx ON userdesk_events (user_id, occurred_at DESC, id DESC);
--bun:split
-- Retention: expired events of one type, oldest first.
CREATE INDEX userdesk_events_type_idx ON userdesk_events (type, occurred_at, id);
--bun:split
-- Devices linked to a user's account. push_token is write-only: the
-- library never returns it to operators or users.
CREATE TABLE userdesk_devices (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    device_id     text        NOT NULL CHECK (device_id <> ''),
    kind          text        NOT NULL,
    os_name       text        NOT NULL DEFAULT '',
    os_version    text        NOT NULL DEFAULT '',
    model         text        NOT NULL DEFAULT '',
    app_version   text        NOT NULL DEFAULT '',
    app_build     text        NOT NULL DEFAULT '',
    bot_version   text        NOT NULL DEFAULT '',
    push_token    text        NOT NULL DEFAULT '',
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoked_by    uuid        REFERENCES userdesk_operators (id) ON DELETE SET NULL
);
--bun:split
CREATE UNIQUE INDEX userdesk_devices_user_device_key ON userdesk_devices (user_id, device_id);
