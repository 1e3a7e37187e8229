-- Nothing to do on SQLite (no functions, no schemas).
SELECT 1;
