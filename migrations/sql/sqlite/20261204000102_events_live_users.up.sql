-- Nothing to do on SQLite: its ingest joins the users table by primary
-- key; the index is PostgreSQL's (see its up migration).
SELECT 1;
