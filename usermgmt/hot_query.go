package usermgmt

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"

	"github.com/userdesk/userdesk/internal/pgxdrv"
	"github.com/userdesk/userdesk/internal/sqlitedrv"
)

// hotQueries holds the text of the statements that run on every request
// (the operator's session, the detail view's user), built once per
// dialect and way of passing arguments.
type hotQueries struct{ m sync.Map } // key: hotKey, value: string

type hotKey struct {
	name    string
	dialect string
	mode    bindMode
}

// bindMode is how scanOne hands a hot statement its arguments.
type bindMode int

const (
	// bindInline: bun writes them into the text (a host's own pool).
	bindInline bindMode = iota
	// bindSQLite: bound to the connection's compiled statement
	// (internal/sqlitedrv).
	bindSQLite
	// bindPostgres: bound to a statement prepared once per connection
	// (internal/pgxdrv), $1, $2, … in the text.
	bindPostgres
)

func modeOf(db bun.IDB) bindMode {
	sdb := db.NewSelect().DB().DB
	switch {
	case sqlitedrv.Supports(sdb):
		return bindSQLite
	case pgxdrv.Supports(sdb):
		return bindPostgres
	}
	return bindInline
}

// text returns the statement name for db, building it with build on first
// use; build writes arg(n) where the n-th argument (from 1) goes.
func (h *hotQueries) text(db bun.IDB, name string, build func(arg func(n int) bun.Safe) string) string {
	mode := modeOf(db)
	k := hotKey{name, db.Dialect().Name().String(), mode}
	if q, ok := h.m.Load(k); ok {
		return q.(string)
	}
	arg := func(int) bun.Safe { return bun.Safe("?") }
	if mode == bindPostgres {
		arg = func(n int) bun.Safe { return bun.Safe("$" + strconv.Itoa(n)) }
	}
	q := build(arg)
	h.m.Store(k, q)
	return q
}

// scanOne runs the hot statement query (text of hotQueries.text, args in
// order) and scans its one row into dest; no row is sql.ErrNoRows. On a
// database opened by sqldb the statement is compiled (SQLite) or prepared
// (PostgreSQL) once per connection and its arguments bound
// (internal/sqlitedrv, internal/pgxdrv); elsewhere bun writes the
// arguments into the text, as for every other statement. Every path goes
// through bun's query hooks.
func scanOne(ctx context.Context, db bun.IDB, query string, dest any, args ...any) error {
	bdb := db.NewSelect().DB()
	var rows *sql.Rows
	var err error
	switch modeOf(db) {
	case bindSQLite:
		bound := make([]any, len(args))
		for i, a := range args {
			if bound[i], err = boundValue(bdb, a); err != nil {
				return err
			}
		}
		rows, err = db.QueryContext(sqlitedrv.With(ctx, query, bound...), query)
	case bindPostgres:
		bound := make([]any, len(args))
		for i, a := range args {
			if bound[i], err = boundValue(bdb, a); err != nil {
				return err
			}
		}
		rows, err = db.QueryContext(pgxdrv.With(ctx, query, bound...), query)
	default:
		rows, err = db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := bdb.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// boundValue is arg as the driver value that compares like the literal bun
// would have written: SQLite keeps UUIDs and times as text in bun's format;
// PostgreSQL takes the UUID's text and the time itself.
func boundValue(db *bun.DB, arg any) (any, error) {
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
	case SessionKind:
		return string(v), nil
	}
	return nil, fmt.Errorf("usermgmt: no bound form for %T", arg)
}

// hotParams numbers the arguments of a bun statement that is to run
// through the per-connection statement cache: bun writes a placeholder for
// each (param) instead of its value, so that every request with the same
// shape (the same filters, say, with another cursor) gives the same text.
// A nil *hotParams passes values through for bun to write into the text.
type hotParams struct {
	mode bindMode
	args []any
}

// param returns what to hand bun for v: v itself without p, else a
// placeholder for the next argument.
func (p *hotParams) param(v any) any {
	if p == nil {
		return v
	}
	p.args = append(p.args, v)
	return hotParam{n: len(p.args), pg: p.mode == bindPostgres}
}

// hotParam is the placeholder of the n-th argument: $n on PostgreSQL, ?n
// on SQLite (numbered, so that the order in which bun writes them does not
// matter). It writes the same text each time bun formats the statement.
type hotParam struct {
	n  int
	pg bool
}

// AppendQuery implements schema.QueryAppender.
func (h hotParam) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	if h.pg {
		b = append(b, '$')
	} else {
		b = append(b, '?')
	}
	return strconv.AppendInt(b, int64(h.n), 10), nil
}

// bindHot returns ctx carrying args (of p) for the statement q, for a
// database of modeOf bindSQLite or bindPostgres: the connection that runs
// q's exact text binds them. q is then run through bun as usual (Scan), so
// its query hooks and a read replica resolver (sqldb.Replicas) apply.
func bindHot(ctx context.Context, db bun.IDB, q bun.Query, p *hotParams) (context.Context, error) {
	bdb := db.NewSelect().DB()
	text, err := q.AppendQuery(bdb.QueryGen(), nil)
	if err != nil {
		return nil, err
	}
	bound := make([]any, len(p.args))
	for i, a := range p.args {
		if bound[i], err = boundValue(bdb, a); err != nil {
			return nil, err
		}
	}
	if p.mode == bindPostgres {
		return pgxdrv.With(ctx, string(text), bound...), nil
	}
	return sqlitedrv.With(ctx, string(text), bound...), nil
}
