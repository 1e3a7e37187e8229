package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/userdesk/userdesk/internal/pgxdrv"
	"github.com/userdesk/userdesk/internal/sqlitedrv"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names a database family userdesk supports.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// ErrUnsupportedDialect is returned when a *bun.DB runs on a dialect that
// userdesk has no SQL for.
var ErrUnsupportedDialect = errors.New("sqldb: unsupported dialect")

// DialectOf reports which dialect db speaks. It is the only place where
// userdesk asks; code with dialect-specific SQL switches on its result.
// Returns ErrUnsupportedDialect for anything but PostgreSQL and SQLite.
func DialectOf(db bun.IDB) (Dialect, error) {
	switch db.Dialect().Name() {
	case dialect.PG:
		return Postgres, nil
	case dialect.SQLite:
		return SQLite, nil
	default:
		return "", fmt.Errorf("%w: %s", ErrUnsupportedDialect, db.Dialect().Name())
	}
}

// SQLiteBusyTimeout is how long a SQLite connection opened by OpenSQLite
// waits for a lock held by another connection before it gives up.
const SQLiteBusyTimeout = 10 * time.Second

// SQLiteDSN returns the modernc.org/sqlite data source name that OpenSQLite
// uses for the file at path: WAL, foreign keys, busy timeout, IMMEDIATE
// write transactions, secure_delete, so that deleted and overwritten
// content (an erased user's data) is zeroed in the file instead of lying
// in free pages (see Checkpoint for the write-ahead log), and reads through
// a memory map of up to 1 GiB of the file (mmap_size).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", SQLiteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "secure_delete(1)")
	q.Add("_pragma", "mmap_size(1073741824)")
	q.Set("_txlock", "immediate")
	return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
}

// SQLitePool sizes the connection pool OpenSQLite configures, from the
// number of CPUs the process may use (GOMAXPROCS). A new SQLite connection
// is not cheap: it runs the DSN's pragmas and, at its first statement,
// parses the whole schema (every table, index and trigger). With
// database/sql's default of 2 idle connections, 16 concurrent requests
// opened and closed a connection for most of them, and parsing the schema
// was half of the server's CPU (issue 18). The defaults: as many idle
// connections as 8 per core (at least 16) are kept, idle ones closed after
// 5 minutes; the number open is not capped, since readers do not block
// each other in WAL mode and writers wait on SQLite's own lock (busy
// timeout) rather than on the pool. A host lowers them with the *sql.DB
// setters (db.DB.SetMaxIdleConns, …).
func SQLitePool(procs int) (maxIdle int, idleTime time.Duration) {
	return max(16, 8*procs), 5 * time.Minute
}

func sqliteConnector(dsn string) (driver.Connector, error) {
	return sqlitedrv.Connector(dsn, SQLiteBusyTimeout)
}

// OpenSQLite opens (creating it if needed) the SQLite database file at path
// for concurrent use, with the pool sized by SQLitePool for writes and
// transactions and a read pool of SQLiteReaders connections for bun's
// read-only queries outside transactions (sized by [WithSQLiteReaders]
// when given); see the package documentation for the settings. The
// connection is checked before OpenSQLite returns; bun.DB.Close closes
// both pools.
func OpenSQLite(ctx context.Context, path string, opts ...SQLiteOption) (*bun.DB, error) {
	db, _, err := openSQLite(ctx, path, opts...)
	return db, err
}

func openSQLite(ctx context.Context, path string, opts ...SQLiteOption) (*bun.DB, *sqliteReads, error) {
	if path == "" {
		return nil, nil, errors.New("sqldb: empty SQLite path")
	}
	procs := runtime.GOMAXPROCS(0)
	o := sqliteOptions{readers: SQLiteReaders(procs)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.readers < 0 {
		return nil, nil, fmt.Errorf("sqldb: open sqlite %s: %d readers", path, o.readers)
	}
	connector, err := sqliteConnector(SQLiteDSN(path))
	if err != nil {
		return nil, nil, fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
	}
	sqldb := sql.OpenDB(connector)
	maxIdle, idleTime := SQLitePool(procs)
	sqldb.SetMaxIdleConns(maxIdle)
	sqldb.SetConnMaxIdleTime(idleTime)
	var reads *sqliteReads
	var bunOpts []bun.DBOption
	if o.readers > 0 {
		if reads, err = newSQLiteReads(path, o.readers); err != nil {
			_ = sqldb.Close()
			return nil, nil, fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
		}
		bunOpts = append(bunOpts, bun.WithConnResolver(reads))
	}
	db := bun.NewDB(sqldb, sqlitedialect.New(), bunOpts...)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = db.Close()
		return nil, nil, fmt.Errorf("sqldb: open sqlite %s: journal mode is %q, want wal", path, mode)
	}
	return db, reads, nil
}

// PostgresPool sizes the connection pool OpenPostgres configures, from
// the number of CPUs the process may use (GOMAXPROCS). PostgreSQL runs a
// process per connection and does its best work with a few connections per
// core; database/sql's defaults (2 idle, unlimited open) open and close a
// connection for most requests under load, which costs more than the
// queries. The defaults: at most 4 open per core (at least 8), as many
// kept idle, idle ones closed after 5 minutes, every one renewed after an
// hour. A host sharing the database with other services lowers them with
// the *sql.DB setters (db.DB.SetMaxOpenConns, …).
func PostgresPool(procs int) (maxOpen, maxIdle int, idleTime, lifetime time.Duration) {
	maxOpen = max(8, 4*procs)
	return maxOpen, maxOpen, 5 * time.Minute, time.Hour
}

// OpenPostgres opens the PostgreSQL database named by dsn (a postgres:// URL
// or a key=value string) through pgx v5's database/sql adapter, with the
// pool sized by PostgresPool, and checks the connection before it returns.
func OpenPostgres(ctx context.Context, dsn string) (*bun.DB, error) {
	pool, err := openPostgresPool(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return bun.NewDB(pool, pgdialect.New()), nil
}

// openPostgresPool opens and checks a pool sized by PostgresPool.
func openPostgresPool(ctx context.Context, dsn string) (*sql.DB, error) {
	pool, err := openPostgresDB(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open postgres: %w", err)
	}
	maxOpen, maxIdle, idleTime, lifetime := PostgresPool(runtime.GOMAXPROCS(0))
	pool.SetMaxOpenConns(maxOpen)
	pool.SetMaxIdleConns(maxIdle)
	pool.SetConnMaxIdleTime(idleTime)
	pool.SetConnMaxLifetime(lifetime)
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("sqldb: open postgres: %w", err)
	}
	return pool, nil
}

// openPostgresDB opens (without connecting) a database/sql pool on pgx
// for dsn, in the simple query protocol unless the DSN names another
// default_query_exec_mode, and with PostgresJIT unless the DSN names jit.
//
// Why: bun writes every argument into the SQL text, so nearly every
// statement's text is new (a user's ID, a cursor, a timestamp). pgx's
// default mode prepares each new text as a named statement (a Parse and
// Describe round trip), caches 512 of them per connection and closes the
// oldest on the way: for SQL that is never sent twice that is an extra
// round trip and a server-side prepare per statement, and the detail view's
// statements paid it. The simple protocol sends the text once and reads the
// rows, one round trip; arguments a caller passes to database/sql directly
// are quoted by pgx (it requires standard_conforming_strings, PostgreSQL's
// default since 9.1). The few statements of every request are the
// exception: they run prepared, once per connection (internal/hotsql,
// internal/pgxdrv).
func openPostgresDB(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = PostgresJIT
	}
	hot := pgx.QueryExecModeCacheStatement
	if strings.Contains(dsn, "default_query_exec_mode") {
		hot = cfg.DefaultQueryExecMode
	} else {
		cfg.DefaultQueryExecMode = PostgresQueryExecMode
	}
	return sql.OpenDB(pgxdrv.Connector(*cfg, hot)), nil
}

// PostgresJIT is the jit setting OpenPostgres's connections start with
// ("off"), unless the DSN names jit itself (jit=on in the URL's query or
// the key=value string); it overrides a jit set on the database or role.
//
// Why: PostgreSQL compiles a statement whose estimated cost passes
// jit_above_cost (100,000 by default), and a back office's statements
// that pass it are the counts and exports of many rows. At 1M users, a
// count of the users matching a common keyword took 1,130 ms with JIT and
// 356 ms without ("an", 286,096 users), 508 → 325 ms ("ie"), 363 → 321 ms
// ("mar"): the compile time (10–15 ms and more) was never won back by the
// scan it compiled (BENCHMARKS.md, issue 18).
const PostgresJIT = "off"

// PostgresQueryExecMode is how OpenPostgres's connections send statements
// (pgx's simple query protocol; see openPostgresDB for why). A host or a
// test that builds its own pgx configuration sets it too, so that it runs
// the statements as the library's pools do.
const PostgresQueryExecMode = pgx.QueryExecModeSimpleProtocol

// IsPostgresDSN reports whether s names a PostgreSQL database
// (postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens a PostgreSQL database when target is a postgres:// or
// postgresql:// URL, and otherwise the SQLite file at path target.
func Open(ctx context.Context, target string) (*bun.DB, error) {
	if IsPostgresDSN(target) {
		return OpenPostgres(ctx, target)
	}
	return OpenSQLite(ctx, target)
}

// IsUniqueViolation reports whether err comes from a unique constraint or
// unique index refusing a write, on either dialect.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Checkpoint copies SQLite's write-ahead log into the database file and
// truncates the log, so that page images written before (an erased user's
// old rows, say) no longer lie in the -wal file. It is a no-op on
// PostgreSQL. usermgmt.EraseUser calls it after its own transaction; a host
// that erases inside its own transaction calls it after the commit.
func Checkpoint(ctx context.Context, db bun.IDB) error {
	d, err := DialectOf(db)
	if err != nil || d != SQLite {
		return err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("sqldb: checkpoint: %w", err)
	}
	return nil
}
