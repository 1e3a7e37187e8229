-- Users: the platform's vendors (offerors) and customers (askers).
-- email_normalized (lowercased in Go) carries the case-insensitive unique
-- index; email keeps the address as the user typed it.
CREATE TABLE userdesk_users (
    id                    uuid        PRIMARY KEY,
    picture_url           text        NOT NULL DEFAULT '',
    first_name            text        NOT NULL,
    last_name             text        NOT NULL,
    email                 text        NOT NULL,
    email_normalized      text        NOT NULL,
    phone                 text        NOT NULL DEFAULT '',
    preferred_language    text        NOT NULL DEFAULT '',
    mother_tongue         text        NOT NULL DEFAULT '',
    timezone              text        NOT NULL DEFAULT '',
    user_type             text        NOT NULL CHECK (user_type IN ('individual', 'organization')),
    company_name          text        NOT NULL DEFAULT '',
    date_of_birth         date,
    country_of_residence  text        NOT NULL DEFAULT '',
    postal_line1          text        NOT NULL DEFAULT '',
    postal_line2          text        NOT NULL DEFAULT '',
    postal_postal_code    text        NOT NULL DEFAULT '',
    postal_city           text        NOT NULL DEFAULT '',
    postal_region         text        NOT NULL DEFAULT '',
    postal_country        text        NOT NULL DEFAULT '',
    location_line1        text        NOT NULL DEFAULT '',
    location_line2        text        NOT NULL DEFAULT '',
    location_postal_code  text        NOT NULL DEFAULT '',
    location_city         text        NOT NULL DEFAULT '',
    location_region       text        NOT NULL DEFAULT '',
    location_country      text        NOT NULL DEFAULT '',
    status                text        NOT NULL CHECK (status IN ('live', 'invalidated', 'in_review')),
    password_hash         text        NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    version               bigint      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_users_email_normalized_key ON userdesk_users (email_normalized);
--bun:split
CREATE TABLE userdesk_user_roles (
    user_id uuid NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    role    text NOT NULL CHECK (role IN ('asker', 'offeror')),
    PRIMARY KEY (user_id, role)
);
--bun:split
CREATE INDEX userdesk_user_roles_role_idx ON userdesk_user_roles (role, user_id);
--bun:split
CREATE TABLE userdesk_user_languages (
    user_id  uuid NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    language text NOT NULL,
    PRIMARY KEY (user_id, language)
);
--bun:split
CREATE INDEX userdesk_user_languages_language_idx ON userdesk_user_languages (language, user_id);
--bun:split
-- Operators run the back office; they are not users.
CREATE TABLE userdesk_operators (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL,
    email            text        NOT NULL,
    email_normalized text        NOT NULL,
    password_hash    text        NOT NULL,
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint      NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX userdesk_operators_email_normalized_key ON userdesk_operators (email_normalized);
--bun:split
CREATE TABLE userdesk_operator_roles (
    operator_id uuid NOT NULL REFERENCES userdesk_operators (id) ON DELETE CASCADE,
    role        text NOT NULL,
    PRIMARY KEY (operator_id, role)
);
--bun:split
-- The audit log is append-only and holds no personal data: names of
-- changed fields, and before/after values only for non-personal fields.
CREATE TABLE userdesk_audit_log (
    id          uuid        PRIMARY KEY,
    at          timestamptz NOT NULL,
    operator_id uuid,
    user_id     uuid,
    action      text        NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    fields      text        NOT NULL DEFAULT '[]',
    before      text        NOT NULL DEFAULT '{}',
    after       text        NOT NULL DEFAULT '{}'
);
--bun:split
CREATE INDEX userdesk_audit_log_user_idx ON userdesk_audit_log (user_id, id DESC);
--bun:split
CREATE INDEX userdesk_audit_log_operator_idx ON userdesk_audit_log (operator_id, id DESC);
--bun:split
CREATE FUNCTION userdesk_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'userdesk_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
--bun:split
CREATE TRIGGER userdesk_audit_log_append_only
    BEFORE UPDATE OR DELETE ON userdesk_audit_log
    FOR EACH ROW EXECUTE FUNCTION userdesk_audit_log_append_only();
--bun:split
CREATE TRIGGER userdesk_audit_log_no_truncate
    BEFORE TRUNCATE ON userdesk_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_audit_log_append_only();
