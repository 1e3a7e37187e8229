-- Links between an app user and an external profile (package thirdparty):
-- one per provider per user. snapshot (the remote profile as last seen)
-- and candidates (the profiles of an ambiguous link) are personal data,
-- deleted with the link when the user is erased. retry_at and attempts
-- queue an automatic link that could not finish.
CREATE TABLE userdesk_thirdparty_links (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES userdesk_users (id) ON DELETE CASCADE,
    provider        text        NOT NULL CHECK (provider <> ''),
    external_id     text        NOT NULL DEFAULT '',
    environment     text        NOT NULL DEFAULT '',
    status          text        NOT NULL CHECK (status IN ('linked', 'broken', 'ambiguous', 'unlinked')),
    reason          text        NOT NULL DEFAULT '' CHECK (reason IN ('', 'not_found', 'deleted', 'merged_elsewhere', 'wrong_environment', 'wrong_kind', 'unauthorized', 'unreachable')),
    detail          text        NOT NULL DEFAULT '',
    last_checked_at timestamptz,
    snapshot        text,
    candidates      text,
    retry_at        timestamptz,
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         bigint      NOT NULL CHECK (version > 0),
    UNIQUE (user_id, provider),
    CHECK ((status = 'broken') = (reason <> '')),
    CHECK (status IN ('ambiguous', 'unlinked') OR external_id <> '')
);
--bun:split
-- An external profile belongs to one user.
CREATE UNIQUE INDEX userdesk_thirdparty_links_external_idx
    ON userdesk_thirdparty_links (provider, environment, external_id) WHERE external_id <> '';
--bun:split
-- The health checker takes the links checked longest ago first.
CREATE INDEX userdesk_thirdparty_links_checked_idx
    ON userdesk_thirdparty_links (provider, last_checked_at) WHERE external_id <> '';
--bun:split
CREATE INDEX userdesk_thirdparty_links_status_idx
    ON userdesk_thirdparty_links (provider, status, updated_at);
--bun:split
CREATE INDEX userdesk_thirdparty_links_retry_idx
    ON userdesk_thirdparty_links (retry_at) WHERE retry_at IS NOT NULL;
