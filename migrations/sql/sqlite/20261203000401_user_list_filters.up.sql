-- Nothing to do on SQLite: its users list keeps the EXISTS probes into
-- the join tables (see the usermgmt package documentation, "List
-- indexes"); the denormalised filter columns are PostgreSQL's.
SELECT 1;
