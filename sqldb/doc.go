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
// Timestamps on SQLite are text in bun's format, always in UTC
// ("2006-01-02 15:04:05.999999+00:00", the fraction trimmed of trailing
// zeros). Because "+" sorts below "." and below every digit, text order is
// time order even between a whole second and a trimmed fraction, which
// keyset pagination relies on; a test pins it. userdesk truncates times to
// microseconds, PostgreSQL's precision, so both dialects hold the same
// values.
//
// [OpenPostgres] opens a PostgreSQL DSN, and [Open] picks one or the other
// from the shape of its argument. A host that already has a *bun.DB does not
// need this package except for [DialectOf], the one place where userdesk asks
// which dialect it runs on.
package sqldb
