package activity

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
)

// copyMinBatch is the smallest batch that goes through COPY: below it the
// single INSERT … SELECT (one round trip) costs less than COPY's four
// (BEGIN, the users check, COPY, COMMIT).
const copyMinBatch = 100

// copyEvents writes a batch on PostgreSQL with COPY when db is a *bun.DB
// or a bun.Conn over pgx: in one transaction, one SELECT of the batch's
// distinct user ids that are live, then one COPY of the events of those
// users. done is false when the path does not apply (a small batch, a
// bun.Tx, another driver): the caller then runs the INSERT … SELECT.
//
// The check and the COPY see the users table as the INSERT … SELECT's
// join does, at the start of a statement of the same transaction: an
// erasure that commits after the check leaves the batch's events of that
// user behind exactly as it does after the join, and PruneEvents sweeps
// them (ErasedSweepWindow). The statements run on the pgx connection
// itself, so bun's query hooks do not see them.
func copyEvents(ctx context.Context, db bun.IDB, rows []Event, attrs []string) (n int64, done bool, err error) {
	if len(rows) < copyMinBatch {
		return 0, false, nil
	}
	var conn *sql.Conn
	switch x := db.(type) {
	case *bun.DB:
		c, err := x.DB.Conn(ctx)
		if err != nil {
			return 0, true, fmt.Errorf("activity: record events: %w", err)
		}
		defer c.Close()
		conn = c
	case bun.Conn:
		conn = x.Conn
	default:
		return 0, false, nil
	}
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(interface{ Conn() *pgx.Conn }) // pgx's, or sqldb's wrapper of it
		if !ok {
			return nil
		}
		done = true
		n, err = copyBatch(ctx, sc.Conn(), rows, attrs)
		return err
	})
	if err != nil {
		return 0, true, fmt.Errorf("activity: record events: %w", err)
	}
	return n, done, nil
}

// pgxQuerier is what copyBatch needs of a *pgx.Conn or a pgx.Tx.
type pgxQuerier interface {
	Query(ctx context.Context, query string, args ...any) (pgx.Rows, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// copyBatch checks the batch's users and copies the events of the live
// ones, in a transaction of its own unless the connection is in one
// already (a bun.Conn on which the caller began one).
func copyBatch(ctx context.Context, pc *pgx.Conn, rows []Event, attrs []string) (int64, error) {
	var q pgxQuerier = pc
	var tx pgx.Tx
	if pc.PgConn().TxStatus() == 'I' {
		var err error
		if tx, err = pc.Begin(ctx); err != nil {
			return 0, err
		}
		defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
		q = tx
	}
	// The distinct ids go as one text array literal: a text parameter
	// encodes in every pgx query exec mode (a DSN may ask for
	// simple_protocol or exec, where pgx does not know the parameter's
	// type and cannot encode a Go slice).
	seen := make(map[uuid.UUID]bool, len(rows))
	ids := make([]byte, 0, 2+len(rows)*37)
	ids = append(ids, '{')
	for i := range rows {
		u := rows[i].UserID
		if _, dup := seen[u]; dup {
			continue
		}
		seen[u] = false
		if len(seen) > 1 {
			ids = append(ids, ',')
		}
		ids = append(ids, u.String()...)
	}
	ids = append(ids, '}')
	res, err := q.Query(ctx, "SELECT id FROM userdesk_users WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL", string(ids))
	if err != nil {
		return 0, err
	}
	var id pgtype.UUID
	live := 0
	_, err = pgx.ForEachRow(res, []any{&id}, func() error {
		seen[id.Bytes] = true
		live++
		return nil
	})
	if err != nil {
		return 0, err
	}
	var n int64
	if live > 0 {
		src := &eventSource{rows: rows, attrs: attrs, live: seen, i: -1, vals: make([]any, len(eventColumns))}
		if n, err = q.CopyFrom(ctx, pgx.Identifier{"userdesk_events"}, eventColumns, src); err != nil {
			return 0, err
		}
	}
	if tx != nil {
		if err := tx.Commit(ctx); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// eventSource feeds COPY the rows of live users, in eventColumns' order.
// pgx encodes each row before asking for the next, so one values slice
// serves every row.
type eventSource struct {
	rows  []Event
	attrs []string
	live  map[uuid.UUID]bool
	i     int
	vals  []any
}

var _ pgx.CopyFromSource = (*eventSource)(nil)

func (s *eventSource) Next() bool {
	for s.i++; s.i < len(s.rows); s.i++ {
		if s.live[s.rows[s.i].UserID] {
			return true
		}
	}
	return false
}

func (s *eventSource) Values() ([]any, error) {
	e, v := &s.rows[s.i], s.vals
	v[0], v[1], v[2], v[3] = [16]byte(e.ID), [16]byte(e.UserID), e.OccurredAt, e.ReceivedAt
	v[4], v[5], v[6], v[7] = e.Type, string(e.Channel), e.DeviceID, e.SessionID
	v[8], v[9], v[10], v[11] = e.AppVersion, e.BotVersion, s.attrs[s.i], string(e.ActorKind)
	v[12] = nil
	if e.ActorID != nil {
		v[12] = [16]byte(*e.ActorID)
	}
	return v, nil
}

func (s *eventSource) Err() error { return nil }
