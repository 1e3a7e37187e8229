-- Users counted by status and roles (mask: 1 asker, 2 offeror, 3 both, 0
-- none), erased users left out, kept by triggers in the transaction of
-- every write that changes them: the unfiltered, status-only and
-- role-only counts of the users list are a sum over at most 12 cells
-- instead of a scan (usermgmt.CountUsers). SQLite has one writer at a
-- time, so each cell is one row updated in place; every cell exists from
-- the start (status has a CHECK of its three values).
CREATE TABLE userdesk_user_counts (
    status TEXT    NOT NULL,
    mask   INTEGER NOT NULL,
    n      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status, mask)
) WITHOUT ROWID;
--bun:split
INSERT INTO userdesk_user_counts (status, mask) VALUES
    ('live', 0),
    ('live', 1),
    ('live', 2),
    ('live', 3),
    ('in_review', 0),
    ('in_review', 1),
    ('in_review', 2),
    ('in_review', 3),
    ('invalidated', 0),
    ('invalidated', 1),
    ('invalidated', 2),
    ('invalidated', 3);
--bun:split
UPDATE userdesk_user_counts SET n = (
    SELECT count(*) FROM userdesk_users AS u
    WHERE u.deleted_at IS NULL AND u.status = userdesk_user_counts.status AND (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = u.id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = u.id AND role = 'offeror') THEN 2 ELSE 0 END) = userdesk_user_counts.mask
);
--bun:split
CREATE TRIGGER userdesk_user_counts_insert AFTER INSERT ON userdesk_users
WHEN NEW.deleted_at IS NULL
BEGIN
    UPDATE userdesk_user_counts SET n = n + (1) WHERE status = NEW.status AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'offeror') THEN 2 ELSE 0 END);
END;
--bun:split
CREATE TRIGGER userdesk_user_counts_update AFTER UPDATE OF status, deleted_at ON userdesk_users
WHEN OLD.status IS NOT NEW.status OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE userdesk_user_counts SET n = n - 1 WHERE OLD.deleted_at IS NULL AND status = OLD.status AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'offeror') THEN 2 ELSE 0 END);
    UPDATE userdesk_user_counts SET n = n + 1 WHERE NEW.deleted_at IS NULL AND status = NEW.status AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.id AND role = 'offeror') THEN 2 ELSE 0 END);
END;
--bun:split
CREATE TRIGGER userdesk_user_counts_delete BEFORE DELETE ON userdesk_users
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE userdesk_user_counts SET n = n + (-1) WHERE status = OLD.status AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.id AND role = 'offeror') THEN 2 ELSE 0 END);
END;
--bun:split
CREATE TRIGGER userdesk_user_counts_role_insert AFTER INSERT ON userdesk_user_roles
WHEN EXISTS (SELECT 1 FROM userdesk_users WHERE id = NEW.user_id AND deleted_at IS NULL)
BEGIN
    UPDATE userdesk_user_counts SET n = n + (-1) WHERE status = (SELECT status FROM userdesk_users WHERE id = NEW.user_id) AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.user_id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.user_id AND role = 'offeror') THEN 2 ELSE 0 END) - (CASE NEW.role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END);
    UPDATE userdesk_user_counts SET n = n + (1) WHERE status = (SELECT status FROM userdesk_users WHERE id = NEW.user_id) AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.user_id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = NEW.user_id AND role = 'offeror') THEN 2 ELSE 0 END);
END;
--bun:split
CREATE TRIGGER userdesk_user_counts_role_delete AFTER DELETE ON userdesk_user_roles
WHEN EXISTS (SELECT 1 FROM userdesk_users WHERE id = OLD.user_id AND deleted_at IS NULL)
BEGIN
    UPDATE userdesk_user_counts SET n = n + (-1) WHERE status = (SELECT status FROM userdesk_users WHERE id = OLD.user_id) AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.user_id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.user_id AND role = 'offeror') THEN 2 ELSE 0 END) + (CASE OLD.role WHEN 'asker' THEN 1 WHEN 'offeror' THEN 2 ELSE 0 END);
    UPDATE userdesk_user_counts SET n = n + (1) WHERE status = (SELECT status FROM userdesk_users WHERE id = OLD.user_id) AND mask = (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.user_id AND role = 'asker') THEN 1 ELSE 0 END + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = OLD.user_id AND role = 'offeror') THEN 2 ELSE 0 END);
END;
