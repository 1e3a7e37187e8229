-- Users: the platform's vendors (offerors) and customers (askers).
-- email_normalized (lowercased in Go) carries the case-insensitive unique
-- index; email keeps the address as the user typed it.
CREATE TABLE userdesk_users (
    id                    TEXT        PRIMARY KEY,
    picture_url           TEXT        NOT NULL DEFAULT '',
    first_name            TEXT        NOT NULL,
    last_name             TEXT        NOT NULL,
    email                 TEXT        NOT NULL,
    email_normalized      TEXT        NOT NULL,
    phone                 TEXT        NOT NULL DEFAULT '',
    preferred_language    TEXT        NOT NULL DEFAULT '',
    mother_tongue         TEXT        NOT NULL DEFAULT '',
    timezone              TEXT        NOT NULL DEFAULT '',
    user_type             TEXT        NOT NULL CHECK (user_type IN ('individual', 'organization')),
    company_name          TEXT        NOT NULL DEFAULT '',
    date_of_birth         DATE,
    country_of_residence  TEXT        NOT NULL DEFAULT '',
    postal_line1          TEXT        NOT NULL DEFAULT '',
    postal_line2          TEXT        NOT NULL DEFAULT '',
    postal_postal_code    TEXT        NOT NULL DEFAULT '',
    postal_city           TEXT        NOT NULL DEFAULT '',
    postal_region         TEXT        NOT NULL DEFAULT '',
    postal_country        TEXT        NOT NULL DEFAULT '',
    location_line1        TEXT        NOT NULL DEFAULT '',
    location_line2        TEXT        NOT NULL DEFAULT '',
    location_postal_code  TEXT        NOT NULL DEFAULT '',
    location_city         TEXT        NOT NULL DEFAULT '',
    location_region       TEXT        NOT NULL DEFAULT '',
    location_country      TEXT        NOT NULL DEFAULT '',
    status                TEXT        NOT NULL CHECK (status IN ('live', 'invalidated', 'in_review')),
    password_hash         TEXT        NOT NULL DEFAULT '',
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    version               INTEGER      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_users_email_normalized_key ON userdesk_users (email_normalized);
--bun:split
CREATE TABLE userdesk_user_roles (
    user_id TEXT NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('asker', 'offeror')),
    PRIMARY KEY (user_id, role)
);
--bun:split
CREATE INDEX userdesk_user_roles_role_idx ON userdesk_user_roles (role, user_id);
--bun:split
CREATE TABLE userdesk_user_languages (
    user_id  TEXT NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (user_id, language)
);
--bun:split
CREATE INDEX userdesk_user_languages_language_idx ON userdesk_user_languages (language, user_id);
--bun:split
-- Operators run the back office; they are not users.
CREATE TABLE userdesk_operators (
    id               TEXT        PRIMARY KEY,
    name             TEXT        NOT NULL,
    email            TEXT        NOT NULL,
    email_normalized TEXT        NOT NULL,
    password_hash    TEXT        NOT NULL,
    active           INTEGER     NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    version          INTEGER      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_operators_email_normalized_key ON userdesk_operators (email_normalized);
--bun:split
CREATE TABLE userdesk_operator_roles (
    operator_id TEXT NOT NULL REFERENCES userdesk_operators (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    PRIMARY KEY (operator_id, role)
);
--bun:split
-- The audit log is append-only and holds no personal data: names of
-- changed fields, and before/after values only for non-personal fields.
CREATE TABLE userdesk_audit_log (
    id          TEXT        PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    operator_id TEXT,
    user_id     TEXT,
    action      TEXT        NOT NULL,
    reason      TEXT        NOT NULL DEFAULT '',
    fields      TEXT        NOT NULL DEFAULT '[]',
    before      TEXT        NOT NULL DEFAULT '{}',
    after       TEXT        NOT NULL DEFAULT '{}'
);
--bun:split
CREATE INDEX userdesk_audit_log_user_idx ON userdesk_audit_log (user_id, id DESC);
--bun:split
CREATE INDEX userdesk_audit_log_operator_idx ON userdesk_audit_log (operator_id, id DESC);
--bun:split
CREATE TRIGGER userdesk_audit_log_no_update BEFORE UPDATE ON userdesk_audit_log
BEGIN
    SELECT RAISE(ABORT, 'userdesk_audit_log is append-only: UPDATE refused');
END;
--bun:split
CREATE TRIGGER userdesk_audit_log_no_delete BEFORE DELETE ON userdesk_audit_log
BEGIN
    SELECT RAISE(ABORT, 'userdesk_audit_log is append-only: DELETE refused');
END;
