package usermgmt

import (
	"context"
	"database/sql"
	"sync"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/hotsql"
	"github.com/userdesk/userdesk/sqldb"
)

// hotQueries holds the text of the statements that run on every request
// (the operator's session, the detail view's user), built once per
// dialect and way of passing arguments.
type hotQueries struct{ m sync.Map } // key: hotKey, value: string

type hotKey struct {
	name    string
	dialect string
	mode    hotsql.Mode
}

// text returns the statement name for db, building it with build on first
// use; build writes arg(n) where the n-th argument (from 1) goes.
func (h *hotQueries) text(db bun.IDB, name string, build func(arg func(n int) bun.Safe) string) string {
	mode := hotsql.ModeOf(db)
	k := hotKey{name, db.Dialect().Name().String(), mode}
	if q, ok := h.m.Load(k); ok {
		return q.(string)
	}
	q := build(func(n int) bun.Safe { return hotsql.Placeholder(mode, n) })
	h.m.Store(k, q)
	return q
}

// scanOne runs the hot statement query (text of hotQueries.text, args in
// order) and scans its one row into dest; no row is sql.ErrNoRows. On a
// database opened by sqldb the statement is compiled (SQLite) or prepared
// (PostgreSQL) once per connection and its arguments bound
// (internal/hotsql); elsewhere bun writes the arguments into the text, as
// for every other statement. Every path goes through bun's query hooks.
func scanOne(ctx context.Context, db bun.IDB, query string, dest any, args ...any) error {
	bdb := hotsql.BunDB(db)
	var rows *sql.Rows
	var err error
	if mode := hotsql.ModeOf(db); mode != hotsql.Inline {
		bctx, berr := hotsql.BindText(ctx, bdb, query, mode, args...)
		if berr != nil {
			return berr
		}
		if x, ok := db.(*bun.DB); ok && mode == hotsql.SQLite {
			// Through bun's resolver, so that the statement runs on
			// sqldb.OpenSQLite's read pool; hooks see it the same.
			return x.NewRaw(query).Scan(sqldb.ReadOnly(bctx), dest)
		}
		rows, err = db.QueryContext(bctx, query)
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
