-- The users list: keyword search, sorts, filters and keyset pagination.
--
-- sort_name is the alphabetical sort key, computed in Go like the other
-- search columns: NormalizeSearch(last name) U+0001 NormalizeSearch(first
-- name), compared bytewise (COLLATE "C") so that the database and Go agree
-- on the order. Rows written before this migration get an approximation
-- (lower(), no accent folding) until their next write.
ALTER TABLE userdesk_users ADD COLUMN sort_name text COLLATE "C" NOT NULL DEFAULT '';
--bun:split
UPDATE userdesk_users SET sort_name = lower(last_name) || chr(1) || lower(first_name);
--bun:split
-- pg_trgm makes LIKE '%fragment%' an index search (GIN over trigrams).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--bun:split
-- Every list query has "deleted_at IS NULL": erased users never show, so
-- every index below is partial and skips the tombstones.
--
-- Keyword search: search_text holds first name, last name, email and
-- company (normalised); phone_digits the phone's digits. The email needs
-- no index of its own: it is part of search_text, and an exact email hits
-- the unique index on email_normalized.
CREATE INDEX userdesk_users_list_search_trgm_idx ON userdesk_users
    USING gin (search_text gin_trgm_ops) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_phone_trgm_idx ON userdesk_users
    USING gin (phone_digits gin_trgm_ops) WHERE deleted_at IS NULL;
--bun:split
-- A fine histogram of the search columns: PostgreSQL estimates how many
-- rows LIKE '%fragment%' matches from it, and with the default 100 entries
-- it takes a fragment shared by 1 % of the users for a rare one and
-- fetches them all through the trigram index (270 ms at a million users)
-- instead of walking the sort index until the page is full (7 ms).
ALTER TABLE userdesk_users ALTER COLUMN search_text SET STATISTICS 1000;
--bun:split
ALTER TABLE userdesk_users ALTER COLUMN phone_digits SET STATISTICS 1000;
--bun:split
-- One B-tree per sort order, with the UID as tie-breaker: a keyset page is
-- a range scan whatever its depth, forwards or backwards. Status and the
-- listings counter ride along, so the page's UIDs come from the index
-- alone when the filters are on those columns (an index-only walk).
CREATE INDEX userdesk_users_list_created_idx ON userdesk_users (created_at, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_updated_idx ON userdesk_users (updated_at, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_name_idx ON userdesk_users (sort_name, id) INCLUDE (status, listings_count) WHERE deleted_at IS NULL;
--bun:split
-- The status filter with the default sort: the review queue
-- (in_review, newest first) is a range scan too.
CREATE INDEX userdesk_users_list_status_created_idx ON userdesk_users (status, created_at, id) WHERE deleted_at IS NULL;
