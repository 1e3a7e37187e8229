package sqldb

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// SQLiteReaders is how many connections OpenSQLite's read pool holds for
// procs usable CPUs (GOMAXPROCS): one per core, at least 2.
//
// SQLite reads are CPU work on pages the memory map shows, and each
// connection maps the file on its own, so each connection takes its own
// page faults for the pages it reads, and they cost more the more
// mappings the kernel keeps (issue 18: with 16 connections reading the
// filtered, name-sorted list page at a million users, more than half of
// the CPU went to first touches of mapped pages, btreeInitPage, and a page
// cost 2.7 times the CPU it costs on 2 connections; 16 goroutines made 145
// to 213 pages/s on 16 connections, 421 to 430 on 2, 379 to 394 on 4, 292
// to 304 on 8). More readers than cores cannot run at once anyway; they
// only add mappings and page caches to keep warm. A read waits for a
// free reader instead, first come first served.
func SQLiteReaders(procs int) int { return max(2, procs) }

type readOnlyKey struct{}

// ReadOnly marks ctx: the raw bun statements run with it (db.NewRaw …
// Scan) only read, so that on a database of OpenSQLite they may run on its
// read pool. bun's SELECT queries need no mark. A statement that writes,
// run with the mark, fails on SQLite (the read pool's connections are
// query_only); PostgreSQL ignores the mark.
func ReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// sqliteReads is the bun.ConnResolver of a database of OpenSQLite: bun's
// read-only queries (a SELECT with read-only WITH parts; a raw statement
// marked [ReadOnly]) outside a transaction run on a pool of
// [SQLiteReaders] query_only connections to the same file, everything else
// on the main pool. In WAL mode a read on another connection sees every
// committed transaction, so a caller reads its own writes as on one pool;
// a statement in a transaction (bun.Tx, bun.Conn) runs on that
// transaction's connection, since bun asks no resolver for it.
type sqliteReads struct{ db *sql.DB }

// SQLiteOption changes how OpenSQLite opens a database.
type SQLiteOption func(*sqliteOptions)

type sqliteOptions struct{ readers int }

// WithSQLiteReaders sizes OpenSQLite's read pool at n connections instead
// of [SQLiteReaders]; 0 opens none, and every statement runs on the main
// pool, as before the read pool existed. A negative n is an error of
// OpenSQLite.
func WithSQLiteReaders(n int) SQLiteOption {
	return func(o *sqliteOptions) { o.readers = n }
}

func newSQLiteReads(path string, n int) (*sqliteReads, error) {
	connector, err := sqliteConnector(SQLiteDSN(path) + "&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	_, idleTime := SQLitePool(n)
	db.SetConnMaxIdleTime(idleTime)
	return &sqliteReads{db: db}, nil
}

// ResolveConn implements bun.ConnResolver.
func (r *sqliteReads) ResolveConn(ctx context.Context, q bun.Query) bun.IConn {
	if bun.IsReadOnlyQuery(q) {
		return r.db
	}
	if _, ok := q.(*bun.RawQuery); ok && ctx.Value(readOnlyKey{}) != nil {
		return r.db
	}
	return nil
}

// Close implements bun.ConnResolver: bun.DB.Close closes the read pool.
func (r *sqliteReads) Close() error { return r.db.Close() }
