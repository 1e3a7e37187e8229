-- The detail view's data: erasure tombstone, temporary passwords, PSP
-- details, side-card counters, fee override (TEXT decimals, NULL = unset),
-- verification flags. SQLite adds one column per statement.
ALTER TABLE userdesk_users ADD COLUMN deleted_at TIMESTAMP;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN deleted_by TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN password_temporary INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN psp_provider TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE userdesk_users ADD COLUMN psp_account_id TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE userdesk_users ADD COLUMN psp_can_be_paid INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN psp_can_be_paid_out INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN psp_updated_at TIMESTAMP;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN listings_count INTEGER NOT NULL DEFAULT 0 CHECK (listings_count >= 0);
--bun:split
ALTER TABLE userdesk_users ADD COLUMN asker_bookings_count INTEGER NOT NULL DEFAULT 0 CHECK (asker_bookings_count >= 0);
--bun:split
ALTER TABLE userdesk_users ADD COLUMN offeror_bookings_count INTEGER NOT NULL DEFAULT 0 CHECK (offeror_bookings_count >= 0);
--bun:split
ALTER TABLE userdesk_users ADD COLUMN reviews_received_count INTEGER NOT NULL DEFAULT 0 CHECK (reviews_received_count >= 0);
--bun:split
ALTER TABLE userdesk_users ADD COLUMN reviews_made_count INTEGER NOT NULL DEFAULT 0 CHECK (reviews_made_count >= 0);
--bun:split
ALTER TABLE userdesk_users ADD COLUMN fee_use_standard INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN fee_asker_percent TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN fee_asker_fixed TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN fee_offeror_percent TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN fee_offeror_fixed TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN id_verified INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN id_verified_at TIMESTAMP;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN id_verified_by TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN email_verified_at TIMESTAMP;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN email_verified_by TEXT;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN phone_verified INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN phone_verified_at TIMESTAMP;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN phone_verified_by TEXT;
--bun:split
-- Bank account for payouts: holder, IBAN and BIC sealed with AES-GCM under
-- the host's key named by key_id; nothing of it is readable without the key.
CREATE TABLE userdesk_bank_accounts (
    user_id    TEXT        PRIMARY KEY REFERENCES userdesk_users (id) ON DELETE CASCADE,
    key_id     TEXT        NOT NULL,
    sealed     BLOB       NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE userdesk_categories (
    id         TEXT        PRIMARY KEY,
    slug       TEXT        NOT NULL UNIQUE,
    name       TEXT        NOT NULL,
    created_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE userdesk_user_categories (
    user_id     TEXT NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES userdesk_categories (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, category_id)
);
--bun:split
CREATE INDEX userdesk_user_categories_category_idx ON userdesk_user_categories (category_id, user_id);
--bun:split
-- Guest users: people a user invites to act on their account with roles.
CREATE TABLE userdesk_guests (
    id               TEXT        PRIMARY KEY,
    owner_id         TEXT        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    email            TEXT        NOT NULL,
    email_normalized TEXT        NOT NULL,
    token_hash       TEXT        NOT NULL DEFAULT '',
    guest_user_id    TEXT        REFERENCES userdesk_users (id) ON DELETE CASCADE,
    accepted_at      TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    version          INTEGER      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_guests_owner_email_key ON userdesk_guests (owner_id, email_normalized);
--bun:split
CREATE INDEX userdesk_guests_guest_user_idx ON userdesk_guests (guest_user_id);
--bun:split
CREATE TABLE userdesk_guest_roles (
    guest_id TEXT NOT NULL REFERENCES userdesk_guests (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (guest_id, role)
);