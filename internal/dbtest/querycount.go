package dbtest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// QueryCounter counts the statements run on a *bun.DB, so that a test can
// pin how many statements an operation costs: a later change that adds a
// query per row fails it.
type QueryCounter struct{ n atomic.Int64 }

var _ bun.QueryHook = (*QueryCounter)(nil)

// CountQueries returns a copy of db whose statements are counted, and the
// counter (db itself is left as it was).
func CountQueries(db *bun.DB) (*bun.DB, *QueryCounter) {
	c := &QueryCounter{}
	return db.WithQueryHook(c), c
}

// BeforeQuery implements bun.QueryHook.
func (c *QueryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook: it counts the statement.
func (c *QueryCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch e.Operation() {
	case "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE":
		return // transaction control is not a statement of the operation
	}
	c.n.Add(1)
}

// Count returns the statements counted so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// Since returns the statements counted since an earlier Count.
func (c *QueryCounter) Since(before int64) int64 { return c.n.Load() - before }

// QueryRecorder is a bun.QueryHook that keeps the text of the statements
// that match its filter, for a test that asserts how a statement was sent.
// It is safe for concurrent use.
type QueryRecorder struct {
	match func(query string) bool
	mu    sync.Mutex
	texts []string
}

var _ bun.QueryHook = (*QueryRecorder)(nil)

// RecordQueries returns a copy of db whose statements matching match are
// recorded, and the recorder (db itself is left as it was).
func RecordQueries(db *bun.DB, match func(query string) bool) (*bun.DB, *QueryRecorder) {
	r := &QueryRecorder{match: match}
	return db.WithQueryHook(r), r
}

// BeforeQuery implements bun.QueryHook.
func (r *QueryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook: it records a matching statement.
func (r *QueryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if r.match(e.Query) {
		r.mu.Lock()
		r.texts = append(r.texts, e.Query)
		r.mu.Unlock()
	}
}

// Take returns the statements recorded since the last Take, oldest first.
func (r *QueryRecorder) Take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.texts
	r.texts = nil
	return t
}
