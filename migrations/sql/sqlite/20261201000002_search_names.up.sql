-- name_text: the names and company only (no email), the fragment search of
-- operators who may not read personal data; the search columns are then
-- rebuilt by Go (internal/searchtext) with the transliterating fold.
ALTER TABLE userdesk_users ADD COLUMN name_text TEXT NOT NULL DEFAULT '';
