-- name_text: the names and company only (no email), the fragment search of
-- operators who may not read personal data; the search columns are then
-- rebuilt by Go (internal/searchtext) with the transliterating fold.
ALTER TABLE userdesk_users ADD COLUMN name_text text NOT NULL DEFAULT '';
--bun:split
CREATE INDEX userdesk_users_list_names_trgm_idx ON userdesk_users
    USING gin (name_text gin_trgm_ops) WHERE deleted_at IS NULL;
