-- Nothing to do on SQLite: it has no partitioning, and its events table
-- (clustered by user, WITHOUT ROWID) stays as it is. PostgreSQL's events
-- are partitioned by time in this migration.
SELECT 1;
