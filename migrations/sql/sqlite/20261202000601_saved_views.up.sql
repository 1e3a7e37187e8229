-- Saved views of the back office's users list (usermgmt.SavedView): a
-- name and the list's URL query (filters, sort, page size, hidden
-- columns), kept for its owner and optionally shared with one operator
-- role.
CREATE TABLE userdesk_saved_views (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    shared_role TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX userdesk_saved_views_owner_idx ON userdesk_saved_views (owner_id);
--bun:split
CREATE INDEX userdesk_saved_views_role_idx ON userdesk_saved_views (shared_role);
