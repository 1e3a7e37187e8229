// Package pgxdrv wraps the pgx connections that sqldb.OpenPostgres opens,
// so that userdesk's hottest reads run as prepared statements.
//
// sqldb's pools send statements in PostgreSQL's simple query protocol:
// bun writes every argument into the SQL text, so nearly every statement
// is new text, and preparing each one would cost a round trip and a
// server-side prepare for SQL that is never sent twice (see
// sqldb.PostgresQueryExecMode). The few statements that run on every
// request (the operator's session, the detail view's user) are the
// opposite case: the same text thousands of times a second, each time
// parsed and planned again by the server, which was most of PostgreSQL's
// CPU under the detail view's load (issue 18).
//
// A caller that knows a statement is hot writes it with PostgreSQL's $1,
// $2, … placeholders, hands the arguments to [With] in the context, and
// runs the text through bun with no arguments: bun leaves text without
// arguments as it is (and its query hooks see it), and the connection
// finds the arguments in the context and runs the text in pgx's
// cache-statement mode: prepared once per connection (pgx keeps the
// prepared statements in its per-connection LRU cache, and prepares again
// after a schema change invalidates one), then bound and executed in one
// round trip. The arguments are tied to the exact text they were given
// with, so a context passed further down binds nothing else.
//
// A DSN that names default_query_exec_mode (a PgBouncer in transaction
// mode before 1.21, which cannot keep named statements, wants
// simple_protocol) keeps that mode for the hot statements too: their
// arguments are then sent as that mode sends them.
//
// A database not opened through [Connector] (a host's own pool) does not
// bind from the context: [Supports] tells the caller, which then lets bun
// write the arguments into the text as usual.
package pgxdrv

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

type ctxKey struct{}

type bound struct {
	query string
	args  []driver.NamedValue
}

// With returns a context that carries args for the statement query (with
// $1, $2, … where they go), to be run through a connection of [Connector]
// with no arguments of its own. The args are anything pgx encodes.
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

// Connector returns a connector for cfg whose connections run the
// statements of [With] in mode: pgx.QueryExecModeCacheStatement, or the
// mode a DSN named.
func Connector(cfg pgx.ConnConfig, mode pgx.QueryExecMode) driver.Connector {
	return &connector{inner: stdlib.GetConnector(cfg), mode: mode}
}

type connector struct {
	inner driver.Connector
	mode  pgx.QueryExecMode
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &Conn{pgxConn: dc.(*stdlib.Conn), mode: c.mode}, nil
}

func (c *connector) Driver() driver.Driver { return &wrappedDriver{c: c} }

type wrappedDriver struct{ c *connector }

func (d *wrappedDriver) Open(string) (driver.Conn, error) {
	return d.c.Connect(context.Background())
}

// pgxConn names pgx's connection type for embedding: as the embedded
// field's name it keeps stdlib.Conn's Conn method from being shadowed.
type pgxConn = stdlib.Conn

// Conn is a pgx database/sql connection that runs the statements of
// [With] prepared. It embeds pgx's own, so that code reaching the driver
// connection through sql.Conn.Raw (COPY, say) finds its Conn method,
// which returns the *pgx.Conn.
type Conn struct {
	*pgxConn
	mode pgx.QueryExecMode
}

// QueryContext runs query; with no arguments of its own and a context of
// [With] for this very text, bound in the connector's mode.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		if b, ok := ctx.Value(ctxKey{}).(*bound); ok && b.query == query {
			withMode := make([]driver.NamedValue, 0, len(b.args)+1)
			withMode = append(withMode, driver.NamedValue{Ordinal: 1, Value: c.mode})
			for _, a := range b.args {
				a.Ordinal++
				withMode = append(withMode, a)
			}
			return c.pgxConn.QueryContext(ctx, query, withMode)
		}
	}
	return c.pgxConn.QueryContext(ctx, query, args)
}
