-- The detail view's data: erasure tombstone, temporary passwords, PSP
-- details, side-card counters, fee override, verification flags.
ALTER TABLE userdesk_users
    ADD COLUMN deleted_at             timestamptz,
    ADD COLUMN deleted_by             uuid,
    ADD COLUMN password_temporary     boolean     NOT NULL DEFAULT false,
    ADD COLUMN psp_provider           text        NOT NULL DEFAULT '',
    ADD COLUMN psp_account_id         text        NOT NULL DEFAULT '',
    ADD COLUMN psp_can_be_paid        boolean     NOT NULL DEFAULT false,
    ADD COLUMN psp_can_be_paid_out    boolean     NOT NULL DEFAULT false,
    ADD COLUMN psp_updated_at         timestamptz,
    ADD COLUMN listings_count         bigint      NOT NULL DEFAULT 0 CHECK (listings_count >= 0),
    ADD COLUMN asker_bookings_count   bigint      NOT NULL DEFAULT 0 CHECK (asker_bookings_count >= 0),
    ADD COLUMN offeror_bookings_count bigint      NOT NULL DEFAULT 0 CHECK (offeror_bookings_count >= 0),
    ADD COLUMN reviews_received_count bigint      NOT NULL DEFAULT 0 CHECK (reviews_received_count >= 0),
    ADD COLUMN reviews_made_count     bigint      NOT NULL DEFAULT 0 CHECK (reviews_made_count >= 0),
    ADD COLUMN fee_use_standard       boolean     NOT NULL DEFAULT false,
    ADD COLUMN fee_asker_percent      numeric     CHECK (fee_asker_percent BETWEEN 0 AND 100),
    ADD COLUMN fee_asker_fixed        numeric     CHECK (fee_asker_fixed >= 0),
    ADD COLUMN fee_offeror_percent    numeric     CHECK (fee_offeror_percent BETWEEN 0 AND 100),
    ADD COLUMN fee_offeror_fixed      numeric     CHECK (fee_offeror_fixed >= 0),
    ADD COLUMN id_verified            boolean     NOT NULL DEFAULT false,
    ADD COLUMN id_verified_at         timestamptz,
    ADD COLUMN id_verified_by         uuid,
    ADD COLUMN email_verified         boolean     NOT NULL DEFAULT false,
    ADD COLUMN email_verified_at      timestamptz,
    ADD COLUMN email_verified_by      uuid,
    ADD COLUMN phone_verified         boolean     NOT NULL DEFAULT false,
    ADD COLUMN phone_verified_at      timestamptz,
    ADD COLUMN phone_verified_by      uuid;
--bun:split
-- Bank account for payouts: holder, IBAN and BIC sealed with AES-GCM under
-- the host's key named by key_id; nothing of it is readable without the key.
CREATE TABLE userdesk_bank_accounts (
    user_id    uuid        PRIMARY KEY REFERENCES userdesk_users (id) ON DELETE CASCADE,
    key_id     text        NOT NULL,
    sealed     bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
--bun:split
CREATE TABLE userdesk_categories (
    id         uuid        PRIMARY KEY,
    slug       text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL
);
--bun:split
CREATE TABLE userdesk_user_categories (
    user_id     uuid NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    category_id uuid NOT NULL REFERENCES userdesk_categories (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, category_id)
);
--bun:split
CREATE INDEX userdesk_user_categories_category_idx ON userdesk_user_categories (category_id, user_id);
--bun:split
-- Guest users: people a user invites to act on their account with roles.
CREATE TABLE userdesk_guests (
    id               uuid        PRIMARY KEY,
    owner_id         uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    email            text        NOT NULL,
    email_normalized text        NOT NULL,
    token_hash       text        NOT NULL DEFAULT '',
    guest_user_id    uuid        REFERENCES userdesk_users (id) ON DELETE CASCADE,
    accepted_at      timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_guests_owner_email_key ON userdesk_guests (owner_id, email_normalized);
--bun:split
CREATE INDEX userdesk_guests_guest_user_idx ON userdesk_guests (guest_user_id);
--bun:split
CREATE TABLE userdesk_guest_roles (
    guest_id uuid NOT NULL REFERENCES userdesk_guests (id) ON DELETE CASCADE,
    role     text NOT NULL,
    PRIMARY KEY (guest_id, role)
);
