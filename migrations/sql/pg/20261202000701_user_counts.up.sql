-- Users counted by status and roles (mask: 1 asker, 2 offeror, 3 both, 0
-- none), erased users left out, kept by triggers in the transaction of
-- every write that changes them: the unfiltered, status-only and
-- role-only counts of the users list are a sum over at most 12 cells
-- instead of a scan (usermgmt.CountUsers).
--
-- On PostgreSQL the table holds deltas rather than one row per cell:
-- concurrent writers only INSERT, so they never wait for each other nor
-- deadlock on a hot counter row; a count is the sum of the rows of its
-- cells. Every 256th delta, the writer that inserts it folds the table
-- into one row per cell (one DELETE … RETURNING feeding an INSERT), if no
-- other transaction is folding (transaction-scoped advisory lock).
-- Deltas of transactions still open are not visible to the fold, which
-- leaves them for the next one, so sums stay exact.
CREATE TABLE userdesk_user_counts (
    id     bigserial PRIMARY KEY,
    status text      NOT NULL,
    mask   smallint  NOT NULL,
    n      bigint    NOT NULL
);
--bun:split
CREATE FUNCTION userdesk_user_role_mask(uid uuid) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    SELECT (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = uid AND role = 'asker') THEN 1 ELSE 0 END)
         + (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = uid AND role = 'offeror') THEN 2 ELSE 0 END)
$$;
--bun:split
CREATE FUNCTION userdesk_user_count_add(st text, m integer, d bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    nid bigint;
BEGIN
    INSERT INTO userdesk_user_counts (status, mask, n) VALUES (st, m, d) RETURNING id INTO nid;
    IF nid % 256 = 0 AND pg_try_advisory_xact_lock(hashtext('userdesk_user_counts')) THEN
        WITH gone AS (DELETE FROM userdesk_user_counts RETURNING status, mask, n)
        INSERT INTO userdesk_user_counts (status, mask, n)
        SELECT status, mask, sum(n) FROM gone GROUP BY status, mask;
    END IF;
END $$;
--bun:split
CREATE FUNCTION userdesk_user_counts_on_user() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    m integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN
            PERFORM userdesk_user_count_add(NEW.status, userdesk_user_role_mask(NEW.id), 1);
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        m := userdesk_user_role_mask(NEW.id);
        IF OLD.deleted_at IS NULL THEN
            PERFORM userdesk_user_count_add(OLD.status, m, -1);
        END IF;
        IF NEW.deleted_at IS NULL THEN
            PERFORM userdesk_user_count_add(NEW.status, m, 1);
        END IF;
        RETURN NULL;
    END IF;
    -- DELETE, BEFORE the row (and by cascade its roles) goes.
    IF OLD.deleted_at IS NULL THEN
        PERFORM userdesk_user_count_add(OLD.status, userdesk_user_role_mask(OLD.id), -1);
    END IF;
    RETURN OLD;
END $$;
--bun:split
CREATE TRIGGER userdesk_user_counts_insert AFTER INSERT ON userdesk_users
    FOR EACH ROW EXECUTE FUNCTION userdesk_user_counts_on_user();
--bun:split
CREATE TRIGGER userdesk_user_counts_update AFTER UPDATE OF status, deleted_at ON userdesk_users
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION userdesk_user_counts_on_user();
--bun:split
CREATE TRIGGER userdesk_user_counts_delete BEFORE DELETE ON userdesk_users
    FOR EACH ROW EXECUTE FUNCTION userdesk_user_counts_on_user();
--bun:split
-- Role changes are counted per statement (a multi-row INSERT of a user's
-- two roles fires row triggers only once both rows are in, so a row
-- trigger could not tell the mask before). For each user the statement
-- touched, in id order, the user's row is locked first, so that the role
-- change and a concurrent status change of the same user see each
-- other's committed result; the mask before is the mask now without the
-- inserted roles (with the deleted ones).
CREATE FUNCTION userdesk_user_counts_on_roles() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r   record;
    st  text;
    del timestamptz;
    m   integer;
    was integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR r IN SELECT user_id, bit_or(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END) AS bits
                 FROM userdesk_new_roles GROUP BY user_id ORDER BY user_id LOOP
            SELECT status, deleted_at INTO st, del FROM userdesk_users WHERE id = r.user_id FOR UPDATE;
            CONTINUE WHEN NOT FOUND OR del IS NOT NULL;
            m := userdesk_user_role_mask(r.user_id);
            was := m & ~r.bits;
            IF was <> m THEN
                PERFORM userdesk_user_count_add(st, was, -1);
                PERFORM userdesk_user_count_add(st, m, 1);
            END IF;
        END LOOP;
    ELSE
        FOR r IN SELECT user_id, bit_or(CASE role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END) AS bits
                 FROM userdesk_old_roles GROUP BY user_id ORDER BY user_id LOOP
            SELECT status, deleted_at INTO st, del FROM userdesk_users WHERE id = r.user_id FOR UPDATE;
            CONTINUE WHEN NOT FOUND OR del IS NOT NULL;
            m := userdesk_user_role_mask(r.user_id);
            was := m | r.bits;
            IF was <> m THEN
                PERFORM userdesk_user_count_add(st, was, -1);
                PERFORM userdesk_user_count_add(st, m, 1);
            END IF;
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER userdesk_user_counts_roles_insert AFTER INSERT ON userdesk_user_roles
    REFERENCING NEW TABLE AS userdesk_new_roles
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_counts_on_roles();
--bun:split
CREATE TRIGGER userdesk_user_counts_roles_delete AFTER DELETE ON userdesk_user_roles
    REFERENCING OLD TABLE AS userdesk_old_roles
    FOR EACH STATEMENT EXECUTE FUNCTION userdesk_user_counts_on_roles();
--bun:split
INSERT INTO userdesk_user_counts (status, mask, n)
SELECT status, userdesk_user_role_mask(id), count(*) FROM userdesk_users
WHERE deleted_at IS NULL GROUP BY 1, 2;
