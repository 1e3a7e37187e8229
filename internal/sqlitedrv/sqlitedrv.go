// Package sqlitedrv wraps the modernc.org/sqlite connections that
// sqldb.OpenSQLite opens, for two things the driver does not do.
//
// A statement cache for userdesk's hottest reads. bun writes every
// argument into the SQL text, so each of its statements is new text that
// SQLite compiles from scratch: for the detail view's user statement that
// was about half of the statement's cost, and most of the server's CPU
// under load went to compiling (issue 18). A caller that knows a statement
// is hot writes it with ? placeholders, hands the arguments to [With] in
// the context, and runs the text through bun with no arguments: bun leaves
// text without arguments as it is (and its query hooks see it), and the
// connection finds the arguments in the context, takes the statement from
// its per-connection cache (compiling it on first use) and binds them. The
// arguments are tied to the exact text they were given with, so a context
// passed further down binds nothing else. A database not opened through
// [Connector] (a host's own pool) does not bind from the context:
// [Supports] tells the caller, which then lets bun write the arguments into
// the text as usual.
//
// A fair queue for writers. SQLite has one writer at a time, and a
// connection that finds the write lock taken sleeps and retries (its busy
// handler) until the busy timeout: a waiter that wakes while another
// writer holds the lock again sleeps again, so under a steady stream of
// short write transactions one writer can starve and fail with
// SQLITE_BUSY although each transaction lasted milliseconds. The
// connections of one [Connector] therefore take turns in the process
// before they ask SQLite: a write transaction (BeginTx without ReadOnly;
// sqldb's DSN makes it BEGIN IMMEDIATE) and a statement executed outside a
// transaction wait, first come first served, for the one writer's turn,
// and give it back at commit, rollback or the statement's end. A wait
// longer than the wait given to [Connector] fails with a *[BusyError]
// whose Code is SQLITE_BUSY, as SQLite's own would. Other processes writing the same file still meet
// SQLite's busy handler.
package sqlitedrv

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// maxCached is how many statements one connection keeps compiled; a
// statement beyond it is compiled for its call and finalized after.
const maxCached = 32

type ctxKey struct{}

type bound struct {
	query string
	args  []driver.NamedValue
}

// With returns a context that carries args for the statement query, to be
// run through a connection of [Connector] with no arguments of its own.
// Each arg must be a driver.Value (nil, int64, float64, bool, []byte,
// string, time.Time): the caller converts them to what bun would have
// written into the text, so that both paths compare the same values.
func With(ctx context.Context, query string, args ...any) context.Context {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return context.WithValue(ctx, ctxKey{}, &bound{query: query, args: nv})
}

// Supports reports whether db's connections come from [Connector].
func Supports(db *sql.DB) bool {
	_, ok := db.Driver().(*wrappedDriver)
	return ok
}

// Connector returns a connector for the modernc.org/sqlite data source
// name dsn whose connections cache the statements run with [With] and
// take turns to write, each waiting at most writeWait for its turn.
func Connector(dsn string, writeWait time.Duration) (driver.Connector, error) {
	inner, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{inner: inner, wait: writeWait, turn: make(chan struct{}, 1)}, nil
}

type connector struct {
	inner driver.Connector
	wait  time.Duration
	// turn holds a token while one of the connections writes; channel
	// senders queue in order, so waiting writers are served first come,
	// first served.
	turn chan struct{}
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newConn(c, dc), nil
}

func (c *connector) Driver() driver.Driver { return &wrappedDriver{c: c} }

type wrappedDriver struct{ c *connector }

func (d *wrappedDriver) Open(string) (driver.Conn, error) {
	return d.c.Connect(context.Background())
}

// BusyError is a writer that waited longer than the connector's wait for
// its turn. It reports SQLITE_BUSY as its Code, as the driver's errors do.
type BusyError struct{ Wait time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("sqlite: database is locked: waited %v for another transaction of this process to finish writing (SQLITE_BUSY)", e.Wait)
}

// Code is SQLITE_BUSY.
func (e *BusyError) Code() int { return 5 }

// acquire waits for the writer's turn.
func (c *connector) acquire(ctx context.Context) error {
	select {
	case c.turn <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case c.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return &BusyError{Wait: c.wait}
	}
}

func (c *connector) release() { <-c.turn }

// conn is a modernc.org/sqlite connection with a statement cache.
// database/sql uses a connection from one goroutine at a time; the mutex
// covers a rows' Close from database/sql's cancellation goroutine.
type conn struct {
	c     *connector
	inner driver.Conn
	mu    sync.Mutex
	stmts map[string]*cached
	// writing is the write transaction holding the turn, nil when none.
	writing *tx
	inTx    bool
}

type cached struct {
	stmt driver.Stmt
	busy bool
}

func newConn(c *connector, dc driver.Conn) *conn {
	return &conn{c: c, inner: dc, stmts: map[string]*cached{}}
}

// Unwrap returns the driver's own connection (its backup API, say).
func (c *conn) Unwrap() driver.Conn { return c.inner }

// NewBackup forwards to the driver connection's backup API
// (sqldb.BackupSQLite).
func (c *conn) NewBackup(dst string) (*sqlite.Backup, error) {
	b, ok := c.inner.(interface {
		NewBackup(string) (*sqlite.Backup, error)
	})
	if !ok {
		return nil, errors.New("sqlitedrv: the driver connection has no backup API")
	}
	return b.NewBackup(dst)
}

func (c *conn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }

func (c *conn) Close() error {
	if c.writing != nil {
		c.writing.end() // closed in a write transaction: give the turn back
	}
	c.mu.Lock()
	var first error
	for q, e := range c.stmts {
		if err := e.stmt.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.stmts, q)
	}
	c.mu.Unlock()
	if err := c.inner.Close(); err != nil {
		return err
	}
	return first
}

// Begin is BeginTx with the default options.
func (c *conn) Begin() (driver.Tx, error) { return c.BeginTx(context.Background(), driver.TxOptions{}) }

// BeginTx begins a transaction; a write transaction first waits for the
// writers' turn, which it keeps until it commits or rolls back.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly {
		t, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		c.inTx = true
		return &tx{Tx: t, conn: c}, nil
	}
	if err := c.c.acquire(ctx); err != nil {
		return nil, err
	}
	t, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		c.c.release()
		return nil, err
	}
	w := &tx{Tx: t, conn: c, holds: true}
	c.inTx, c.writing = true, w
	return w, nil
}

// tx gives the writers' turn back when it ends.
type tx struct {
	driver.Tx
	conn  *conn
	holds bool
	once  sync.Once
}

func (t *tx) Commit() error {
	err := t.Tx.Commit()
	t.end()
	return err
}

func (t *tx) Rollback() error {
	err := t.Tx.Rollback()
	t.end()
	return err
}

func (t *tx) end() {
	t.once.Do(func() {
		t.conn.inTx = false
		if t.holds {
			t.conn.writing = nil
			t.conn.c.release()
		}
	})
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

// ExecContext executes a statement; outside a transaction it takes the
// writers' turn for the statement's length (an autocommitted write).
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.inTx {
		if err := c.c.acquire(ctx); err != nil {
			return nil, err
		}
		defer c.c.release()
	}
	return c.inner.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *conn) Ping(ctx context.Context) error { return c.inner.(driver.Pinger).Ping(ctx) }

func (c *conn) ResetSession(ctx context.Context) error {
	return c.inner.(driver.SessionResetter).ResetSession(ctx)
}

func (c *conn) IsValid() bool { return c.inner.(driver.Validator).IsValid() }

// QueryContext runs query; with no arguments of its own and a context of
// [With] for this very text, through the connection's compiled copy.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		if b, ok := ctx.Value(ctxKey{}).(*bound); ok && b.query == query {
			return c.queryCached(ctx, query, b.args)
		}
	}
	return c.inner.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *conn) queryCached(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.mu.Lock()
	e := c.stmts[query]
	reuse := e != nil && !e.busy
	if reuse {
		e.busy = true
	}
	c.mu.Unlock()
	if !reuse {
		// Not compiled yet, or in use by rows still open on this
		// connection (a statement's rows read while another runs).
		st, err := c.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if e == nil && len(c.stmts) < maxCached {
			e = &cached{stmt: st, busy: true}
			c.stmts[query] = e
			reuse = true
		}
		c.mu.Unlock()
		if !reuse {
			r, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
			if err != nil {
				_ = st.Close()
				return nil, err
			}
			return &rows{Rows: r, done: func() { _ = st.Close() }}, nil
		}
	}
	r, err := e.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(e)
		return nil, err
	}
	return &rows{Rows: r, done: func() { c.release(e) }}, nil
}

func (c *conn) release(e *cached) {
	c.mu.Lock()
	e.busy = false
	c.mu.Unlock()
}

// rows hands the statement back when database/sql closes them.
type rows struct {
	driver.Rows
	once sync.Once
	done func()
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}

func (r *rows) Next(dest []driver.Value) error { return r.Rows.Next(dest) }

// The column-type interfaces of the driver's rows, for sql.Rows.ColumnTypes.

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
