-- The users list: sorts, filters and keyset pagination.
--
-- sort_name is the alphabetical sort key, computed in Go like the other
-- search columns: NormalizeSearch(last name) U+0001 NormalizeSearch(first
-- name), compared bytewise (BINARY, SQLite's default). Rows written before
-- this migration get an approximation (ASCII lower()) until their next
-- write.
ALTER TABLE userdesk_users ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
--bun:split
UPDATE userdesk_users SET sort_name = lower(last_name) || char(1) || lower(first_name);
--bun:split
-- Keyword search on SQLite is a LIKE '%fragment%' over the normalised
-- columns, checked row by row while walking the sort index (see the
-- package documentation for why not FTS5). The sort indexes below are
-- partial: erased users never show.
CREATE INDEX userdesk_users_list_created_idx ON userdesk_users (created_at, id, status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_updated_idx ON userdesk_users (updated_at, id, status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_name_idx ON userdesk_users (sort_name, id, status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_status_created_idx ON userdesk_users (status, created_at, id) WHERE deleted_at IS NULL;
