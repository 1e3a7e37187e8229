-- SQLite only (its FTS5 trigram search table); PostgreSQL searches with
-- the pg_trgm GIN indexes of 20261122000006 and 20261201000002.
SELECT 1;
