// Package sqldb opens the databases userdesk runs on and tells them apart.
//
// userdesk stores its data through bun on two dialects: PostgreSQL (the
// production target, through pgx v5's database/sql adapter) and SQLite (the
// embedded default, through the pure-Go modernc.org/sqlite driver, no cgo).
//
// [OpenSQLite] opens a SQLite file the way concurrent use needs it:
//
//   - WAL journal, so readers never block the writer;
//   - foreign keys enforced;
//   - a busy timeout, so a writer waits for the lock instead of failing;
//   - write transactions that begin IMMEDIATE: a DEFERRED transaction that
//     reads and then writes fails with SQLITE_BUSY under concurrent writers
//     whatever the busy timeout, because SQLite cannot upgrade its read lock
//     while another connection holds the write lock.
//
// [OpenPostgres] opens a PostgreSQL DSN, and [Open] picks one or the other
// from the shape of its argument. A host that already has a *bun.DB does not
// need this package except for [DialectOf], the one place where userdesk asks
// which dialect it runs on.
package sqldb
