-- SQLite's substring search index for the users list: FTS5 with the
-- trigram tokenizer over the same normalised columns as PostgreSQL's
-- pg_trgm indexes (search_text, name_text, written by Go through
-- internal/searchtext). FTS5 needs an integer rowid, which the UUID-keyed
-- users table has only implicitly (VACUUM may renumber it), so a table of
-- its own gives each live user a stable INTEGER PRIMARY KEY that the FTS
-- rows use. Triggers on the search columns keep both in step in the
-- transaction of every write: registration, updates, the migrations'
-- rebuild (go_steps.go), erasure (the user leaves the index) and deletion.
CREATE TABLE userdesk_user_search_ids (
    rowid   INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES userdesk_users (id) ON DELETE CASCADE
);
--bun:split
CREATE VIRTUAL TABLE userdesk_user_search USING fts5(search_text, name_text, tokenize = 'trigram');
--bun:split
-- Deletes remove a row's entries from the index at once instead of
-- leaving them to a later merge: an erased user's text must not linger.
INSERT INTO userdesk_user_search (userdesk_user_search, rank) VALUES ('secure-delete', 1);
--bun:split
INSERT INTO userdesk_user_search_ids (user_id) SELECT id FROM userdesk_users WHERE deleted_at IS NULL ORDER BY created_at, id;
--bun:split
INSERT INTO userdesk_user_search (rowid, search_text, name_text)
SELECT i.rowid, u.search_text, u.name_text FROM userdesk_user_search_ids AS i JOIN userdesk_users AS u ON u.id = i.user_id;
--bun:split
CREATE TRIGGER userdesk_user_search_insert AFTER INSERT ON userdesk_users
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO userdesk_user_search_ids (user_id) VALUES (NEW.id);
    INSERT INTO userdesk_user_search (rowid, search_text, name_text)
    SELECT rowid, NEW.search_text, NEW.name_text FROM userdesk_user_search_ids WHERE user_id = NEW.id;
END;
--bun:split
CREATE TRIGGER userdesk_user_search_update AFTER UPDATE OF search_text, name_text, deleted_at ON userdesk_users
WHEN OLD.search_text IS NOT NEW.search_text OR OLD.name_text IS NOT NEW.name_text
    OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM userdesk_user_search WHERE rowid = (SELECT rowid FROM userdesk_user_search_ids WHERE user_id = OLD.id);
    DELETE FROM userdesk_user_search_ids WHERE user_id = OLD.id AND NEW.deleted_at IS NOT NULL;
    INSERT OR IGNORE INTO userdesk_user_search_ids (user_id) SELECT NEW.id WHERE NEW.deleted_at IS NULL;
    INSERT INTO userdesk_user_search (rowid, search_text, name_text)
    SELECT rowid, NEW.search_text, NEW.name_text FROM userdesk_user_search_ids WHERE user_id = NEW.id AND NEW.deleted_at IS NULL;
END;
--bun:split
CREATE TRIGGER userdesk_user_search_delete BEFORE DELETE ON userdesk_users
BEGIN
    DELETE FROM userdesk_user_search WHERE rowid = (SELECT rowid FROM userdesk_user_search_ids WHERE user_id = OLD.id);
    DELETE FROM userdesk_user_search_ids WHERE user_id = OLD.id;
END;
