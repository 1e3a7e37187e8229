package usermgmt_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestListPagesUseTheStatementCache: a page without keyword, dates or
// category runs one text for every page of a filter set, its cursor bound
// as arguments (and, on PostgreSQL, prepared once on the connection); the
// pages it gives are those of the one-off statements bun writes in full.
func TestListPagesUseTheStatementCache(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		for range 7 {
			register(t, s, db)
		}
		db, hook := dbtest.RecordQueries(db, func(q string) bool { return strings.Contains(q, "u.id IN (SELECT") })
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		pages := func(q usermgmt.ListQuery) (ids []string) {
			for {
				p, err := s.ListUsers(ctx, conn, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range p.Items {
					ids = append(ids, r.ID.String())
				}
				if p.NextCursor == "" {
					return ids
				}
				q.Cursor = p.NextCursor
			}
		}
		placeholder := "?1"
		if db.Dialect().Name().String() == "pg" {
			placeholder = "$1"
		}
		for _, sort := range []usermgmt.ListSort{usermgmt.SortCreated, usermgmt.SortName} {
			hot := pages(usermgmt.ListQuery{Limit: 2, Sort: sort, Statuses: []usermgmt.Status{usermgmt.StatusLive}})
			texts := hook.Take()
			if len(texts) != 4 {
				t.Fatalf("%s: %d page statements for 7 users by 2", sort, len(texts))
			}
			for i, text := range texts[1:] {
				if text != texts[1] || !strings.Contains(text, placeholder) {
					t.Fatalf("%s: page %d's statement is not the shared text with bound cursor:\n%s\n%s", sort, i+2, texts[1], text)
				}
			}
			// The same users through one-off statements (a date range
			// keeps a page out of the cache).
			from := time.Now().Add(-24 * time.Hour)
			inline := pages(usermgmt.ListQuery{Limit: 2, Sort: sort, Statuses: []usermgmt.Status{usermgmt.StatusLive}, CreatedFrom: &from})
			for _, text := range hook.Take() {
				if strings.Contains(text, placeholder) {
					t.Fatalf("%s: a page with a date range has a bound argument:\n%s", sort, text)
				}
			}
			if len(hot) != 7 || strings.Join(hot, ",") != strings.Join(inline, ",") {
				t.Fatalf("%s: cached pages %v; one-off pages %v", sort, hot, inline)
			}
		}
		if db.Dialect().Name().String() != "pg" {
			return
		}
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%u.id IN (SELECT%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		// First pages and cursor pages, by creation and by name: 4 texts.
		if n != 4 {
			t.Fatalf("%d list statements prepared on the connection; want 4", n)
		}
	})
}
