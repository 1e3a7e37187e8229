package usermgmt

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/sqlitedrv"
)

// hotQueries holds the text of the statements that run on every request
// (the operator's session, the detail view's user), built once per
// dialect with ? where their arguments go.
type hotQueries struct{ m sync.Map } // key: hotKey, value: string

type hotKey struct {
	name    string
	dialect string
}

// text returns the statement name for db's dialect, building it with
// build on first use.
func (h *hotQueries) text(db bun.IDB, name string, build func() string) string {
	k := hotKey{name, db.Dialect().Name().String()}
	if q, ok := h.m.Load(k); ok {
		return q.(string)
	}
	q := build()
	h.m.Store(k, q)
	return q
}

// scanOne runs the hot statement query (? for each argument) and scans its
// one row into dest; no row is sql.ErrNoRows. On a SQLite database opened by
// sqldb the statement is compiled once per connection and its arguments
// bound (internal/sqlitedrv); elsewhere bun writes the arguments into the
// text, as for every other statement. Both go through bun's query hooks.
func scanOne(ctx context.Context, db bun.IDB, query string, dest any, args ...any) error {
	bdb := db.NewSelect().DB()
	var rows *sql.Rows
	var err error
	if sqlitedrv.Supports(bdb.DB) {
		bound := make([]any, len(args))
		for i, a := range args {
			if bound[i], err = boundValue(bdb, a); err != nil {
				return err
			}
		}
		rows, err = db.QueryContext(sqlitedrv.With(ctx, query, bound...), query)
	} else {
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
// would have written: SQLite keeps UUIDs and times as text in bun's format.
func boundValue(db *bun.DB, arg any) (any, error) {
	switch v := arg.(type) {
	case string:
		return v, nil
	case uuid.UUID:
		return v.String(), nil
	case time.Time:
		return strings.Trim(string(db.Dialect().AppendTime(nil, v)), "'"), nil
	case SessionKind:
		return string(v), nil
	}
	return nil, fmt.Errorf("usermgmt: no bound form for %T", arg)
}
