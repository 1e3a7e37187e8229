-- The users list's role and language filters, read from the sort indexes
-- (issue 18). A filtered page walks the index of its order; before this
-- migration each row it walked was probed in userdesk_user_roles and
-- userdesk_user_languages (two random index reads per candidate, ~4,300
-- for a page of 51 at a million users). Now userdesk_users carries both
-- as columns that ride in the sort indexes, so the walk filters every
-- condition inside the index:
--
--   role_mask      1 asker + 2 offeror (the user counts' mask, 0 none);
--   language_keys  the spoken tags plus each tag's primary subtag (the
--                  part before the first "-"), sorted, distinct: "fr-CA"
--                  gives {fr, fr-CA}, so the filter "fr" (which matches
--                  "fr" and "fr-*") is "language_keys && {fr}" and the
--                  filter "fr-CA" (exact) too: a primary subtag has no
--                  "-", so it never equals a regional filter.
--
-- Both are kept by statement triggers on the join tables, in the
-- transaction of the write, whoever makes it; usermgmt never writes them.
-- An erased user's roles and languages are deleted, so its columns go
-- back to 0 and {} (and the partial indexes skip it anyway).
DROP INDEX userdesk_users_list_created_idx;
--bun:split
DROP INDEX userdesk_users_list_updated_idx;
--bun:split
DROP INDEX userdesk_users_list_name_idx;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN role_mask smallint NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE userdesk_users ADD COLUMN language_keys text[] NOT NULL DEFAULT '{}';
--bun:split
-- Recomputes both columns of the given users, after locking their rows in
-- id order (as the counts' role trigger does), and writes only the rows
-- whose value changed: replacing a user's roles by the same roles (DELETE
-- then INSERT) leaves the row alone after the INSERT. Set-based (one
-- aggregate per join table), so that a bulk write (a COPY of thousands
-- of users' languages) costs one join, not a function call per user.
CREATE FUNCTION userdesk_user_filters_refresh(ids uuid[]) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM 1 FROM userdesk_users WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
    UPDATE userdesk_users AS u SET role_mask = f.mask, language_keys = f.keys
    FROM (SELECT x.id, coalesce(r.mask, 0)::smallint AS mask, coalesce(l.keys, '{}') AS keys
          FROM unnest(ids) AS x (id)
          LEFT JOIN (SELECT user_id, bit_or(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END) AS mask
                     FROM userdesk_user_roles WHERE user_id = ANY (ids) GROUP BY user_id) AS r ON r.user_id = x.id
          LEFT JOIN (SELECT l.user_id, array_agg(DISTINCT k.key ORDER BY k.key) AS keys
                     FROM userdesk_user_languages AS l,
                          LATERAL (VALUES (l.language), (split_part(l.language, '-', 1))) AS k (key)
                     WHERE l.user_id = ANY (ids) GROUP BY l.user_id) AS l ON l.user_id = x.id) AS f
    WHERE u.id = f.id AND (u.role_mask, u.language_keys) IS DISTINCT FROM (f.mask, f.keys);
END $$;
--bun:split
-- One function for both join tables and every event; a trigger with
-- transition tables has one event, hence three triggers per table, and
-- the names of the transition tables are the same in all of them.
CREATE FUNCTION userdesk_user_filters_on_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT user_id) INTO ids FROM userdesk_filters_new;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT user_id) INTO ids FROM userdesk_filters_old;
    ELSE
        SELECT array_agg(DISTINCT user_id) INTO ids FROM (
            SELECT user_id FROM userdesk_filters_old UNION SELECT user_id FROM userdesk_filters_new) AS t;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM userdesk_user_filters_refresh(ids);
    END IF;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER userdesk_user_filters_roles_insert AFTER INSERT ON userdesk_user_roles
    REFERENCING NEW TABLE AS userdesk_filters_new
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
CREATE TRIGGER userdesk_user_filters_roles_update AFTER UPDATE ON userdesk_user_roles
    REFERENCING OLD TABLE AS userdesk_filters_old NEW TABLE AS userdesk_filters_new
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
CREATE TRIGGER userdesk_user_filters_roles_delete AFTER DELETE ON userdesk_user_roles
    REFERENCING OLD TABLE AS userdesk_filters_old
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
CREATE TRIGGER userdesk_user_filters_languages_insert AFTER INSERT ON userdesk_user_languages
    REFERENCING NEW TABLE AS userdesk_filters_new
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
CREATE TRIGGER userdesk_user_filters_languages_update AFTER UPDATE ON userdesk_user_languages
    REFERENCING OLD TABLE AS userdesk_filters_old NEW TABLE AS userdesk_filters_new
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
CREATE TRIGGER userdesk_user_filters_languages_delete AFTER DELETE ON userdesk_user_languages
    REFERENCING OLD TABLE AS userdesk_filters_old
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_filters_on_change();
--bun:split
-- Backfill in one pass over both join tables (one new row version per
-- user who has a role or a language), before the indexes are rebuilt.
UPDATE userdesk_users AS u SET role_mask = coalesce(f.mask, 0), language_keys = coalesce(f.keys, '{}')
FROM (
    SELECT coalesce(r.user_id, l.user_id) AS user_id, r.mask, l.keys
    FROM (SELECT user_id, bit_or(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END)::smallint AS mask
          FROM userdesk_user_roles GROUP BY user_id) AS r
    FULL JOIN (SELECT l.user_id, array_agg(DISTINCT k.key ORDER BY k.key) AS keys
               FROM userdesk_user_languages AS l,
                    LATERAL (VALUES (l.language), (split_part(l.language, '-', 1))) AS k (key)
               GROUP BY l.user_id) AS l ON l.user_id = r.user_id
) AS f
WHERE u.id = f.user_id;
--bun:split
-- The sort indexes of migration 20261122000006, now carrying the filter
-- columns too: a page filtered on status, listings, roles and languages
-- is an index-only walk that reads no other relation.
CREATE INDEX userdesk_users_list_created_idx ON userdesk_users (created_at, id)
    INCLUDE (status, listings_count, role_mask, language_keys) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_updated_idx ON userdesk_users (updated_at, id)
    INCLUDE (status, listings_count, role_mask, language_keys) WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX userdesk_users_list_name_idx ON userdesk_users (sort_name, id)
    INCLUDE (status, listings_count, role_mask, language_keys) WHERE deleted_at IS NULL;
--bun:split
-- Statistics of the new columns now: without them the planner takes a
-- role and language filter for a rare one and sorts a parallel sequential
-- scan (900 ms at a million users) instead of walking the sort index
-- (5 ms). The backfill writes a new version of every user who has a role
-- or a language, with new entries in every index of userdesk_users (and
-- the sort indexes built in this transaction point to the old versions
-- too): on a large table, VACUUM userdesk_users after the migration
-- (autovacuum will, later), then REINDEX CONCURRENTLY its indexes. At a
-- million users the name index is 189 MB, 107 MB once rebuilt; the search
-- trigram index 154 MB, 72 MB once rebuilt (an email fragment search
-- 6.4 ms, then 1.5 ms).
ANALYZE userdesk_users;
