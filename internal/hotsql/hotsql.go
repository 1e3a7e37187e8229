// Package hotsql runs userdesk's hottest statements through the
// per-connection statement caches of the connections sqldb opens
// (internal/sqlitedrv on SQLite, internal/pgxdrv on PostgreSQL), while bun
// still builds, hooks and routes them.
//
// bun writes every argument into the SQL text, so each of its statements is
// new text that SQLite compiles and PostgreSQL parses and plans from
// scratch. For a statement that runs on every request, a caller builds it
// with a placeholder per argument ([Params.Param] instead of the value),
// binds the collected arguments to the exact text ([Bind]) in the context,
// and runs the query through bun as usual: the connection finds the
// arguments for that text and runs its cached statement. On a database
// opened some other way ([ModeOf] is [Inline]) the caller passes values
// and bun writes them in.
package hotsql

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"

	"github.com/userdesk/userdesk/internal/pgxdrv"
	"github.com/userdesk/userdesk/internal/sqlitedrv"
)

// Mode is how a database's statements take their arguments.
type Mode int

const (
	// Inline: bun writes them into the text (a host's own pool).
	Inline Mode = iota
	// SQLite: bound to the connection's compiled statement
	// (internal/sqlitedrv), ?1, ?2, … in the text.
	SQLite
	// Postgres: bound to a statement prepared once per connection
	// (internal/pgxdrv), $1, $2, … in the text.
	Postgres
)

// BunDB returns the *bun.DB behind db (itself, or a transaction's or a
// connection's database) without building a query for it when db is one:
// the hot statements ask for it several times per request, and a
// SelectQuery is about 1.4 KB to allocate.
func BunDB(db bun.IDB) *bun.DB {
	if d, ok := db.(*bun.DB); ok {
		return d
	}
	return db.NewSelect().DB()
}

// ModeOf returns db's mode.
func ModeOf(db bun.IDB) Mode {
	sdb := BunDB(db).DB
	switch {
	case sqlitedrv.Supports(sdb):
		return SQLite
	case pgxdrv.Supports(sdb):
		return Postgres
	}
	return Inline
}

// Placeholder is the text of the n-th argument (from 1) in mode m: $n on
// PostgreSQL, ?n on SQLite (numbered, so that the order in which bun
// writes them does not matter), ? inline.
func Placeholder(m Mode, n int) bun.Safe {
	switch m {
	case Postgres:
		return bun.Safe("$" + strconv.Itoa(n))
	case SQLite:
		return bun.Safe("?" + strconv.Itoa(n))
	}
	return bun.Safe("?")
}

// Params collects the arguments of a statement being built for the cache.
// A nil *Params passes values through for bun to write into the text.
type Params struct {
	mode Mode
	args []any
}

// NewParams returns the collector of a statement for a database of mode m
// (SQLite or Postgres).
func NewParams(m Mode) *Params { return &Params{mode: m} }

// Param returns what to hand bun for v: v itself without p, else a
// placeholder for the next argument.
func (p *Params) Param(v any) any {
	if p == nil {
		return v
	}
	p.args = append(p.args, v)
	return placeholder{Placeholder(p.mode, len(p.args))}
}

// placeholder writes the same text each time bun formats the statement.
type placeholder struct{ text bun.Safe }

// AppendQuery implements schema.QueryAppender.
func (h placeholder) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	return append(b, h.text...), nil
}

// Bind returns ctx carrying the arguments of p for the statement q: the
// connection that runs q's exact text binds them. Run q through bun with
// the returned context (Scan): its query hooks and a connection resolver
// (sqldb.Replicas) apply as to any statement.
func Bind(ctx context.Context, db bun.IDB, q bun.Query, p *Params) (context.Context, error) {
	bdb := BunDB(db)
	text, err := q.AppendQuery(bdb.QueryGen(), nil)
	if err != nil {
		return nil, err
	}
	return BindText(ctx, bdb, string(text), p.mode, p.args...)
}

// BindText returns ctx carrying args for the statement text, for a
// database of mode m (SQLite or Postgres); each arg is converted by
// [Value].
func BindText(ctx context.Context, db *bun.DB, text string, m Mode, args ...any) (context.Context, error) {
	bound := make([]any, len(args))
	for i, a := range args {
		var err error
		if bound[i], err = Value(db, a); err != nil {
			return nil, err
		}
	}
	if m == Postgres {
		return pgxdrv.With(ctx, text, bound...), nil
	}
	return sqlitedrv.With(ctx, text, bound...), nil
}

// Value is arg as the driver value that compares like the literal bun
// would have written: SQLite keeps UUIDs and times as text in bun's
// format; PostgreSQL takes the UUID's text and the time itself. Strings
// and types of kind string (an enum) pass as strings.
func Value(db *bun.DB, arg any) (any, error) {
	switch v := arg.(type) {
	case string:
		return v, nil
	case uuid.UUID:
		return v.String(), nil
	case time.Time:
		if db.Dialect().Name() == dialect.PG {
			return v, nil
		}
		return strings.Trim(string(db.Dialect().AppendTime(nil, v)), "'"), nil
	}
	if rv := reflect.ValueOf(arg); rv.Kind() == reflect.String {
		return rv.String(), nil
	}
	return nil, fmt.Errorf("hotsql: no bound form for %T", arg)
}
