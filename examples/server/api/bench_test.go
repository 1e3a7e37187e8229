package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/usergen/synth"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// BenchmarkListPage measures what the HTTP layer adds to a users-list
// page (issue 18: "the HTTP layer adds < 1 ms to any list page"): the
// same first page of 50 users, through the library (ListUsers with the
// operator already resolved, as the server calls it) and over HTTP on a
// loopback keep-alive connection (routing, the session lookup, the query
// decoding, the JSON of 50 rows, the client reading the body). The
// difference per operation is the HTTP layer's cost. Run with
//
//	go test -run '^$' -bench ListPage -benchtime 2000x ./examples/server/api/
//
// (the PostgreSQL rows need USERDESK_TEST_POSTGRES, as the tests do).
func BenchmarkListPage(b *testing.B) {
	eachBenchDatabase(b, func(b *testing.B, db *bun.DB) {
		ctx := context.Background()
		a, op, tok := seededApp(b, db, 500)
		for _, page := range []struct{ name, query string }{
			{"first", ""},
			{"filtered-by-name", "?status=live&sort=name&dir=asc"},
		} {
			q, err := listQuery(mustParseQuery(b, page.query))
			if err != nil {
				b.Fatal(err)
			}
			b.Run(page.name+"/library", func(b *testing.B) {
				octx := a.users.WithOperator(ctx, op)
				for b.Loop() {
					p, err := a.users.ListUsers(octx, db, op.ID, q)
					if err != nil || len(p.Items) == 0 {
						b.Fatalf("%v, %d rows", err, len(p.Items))
					}
				}
			})
			b.Run(page.name+"/http", func(b *testing.B) {
				ts := httptest.NewServer(a.Handler())
				defer ts.Close()
				client := ts.Client()
				req, _ := http.NewRequest("GET", ts.URL+"/admin/v1/users"+page.query, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || n < 1000 {
						b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
					}
				}
			})
		}
	})
}

// BenchmarkUserDetail is the detail view of one user (issue 18: "the
// detail view in at most 4 statements", "≥ 5,000 detail views/s"):
// through the library as the server calls it (the operator's session
// resolved, then GetUserDetail with the operator in the context) and over
// HTTP on a loopback keep-alive connection, one of 500 generated users
// after another. The allocations per operation are the figure to watch
// here; requests per second under load come from wrk against the server
// (BENCHMARKS.md). Run with
//
//	go test -run '^$' -bench UserDetail -benchmem -benchtime 5000x ./examples/server/api/
func BenchmarkUserDetail(b *testing.B) {
	eachBenchDatabase(b, func(b *testing.B, db *bun.DB) {
		ctx := context.Background()
		a, _, tok := seededApp(b, db, 500)
		var ids []uuid.UUID
		if err := db.NewSelect().Table("userdesk_users").Column("id").Where("deleted_at IS NULL").Scan(ctx, &ids); err != nil || len(ids) == 0 {
			b.Fatalf("%v, %d users", err, len(ids))
		}
		b.Run("library", func(b *testing.B) {
			i := 0
			for b.Loop() {
				op, err := a.users.ResolveOperatorSession(ctx, db, tok)
				if err != nil {
					b.Fatal(err)
				}
				i++
				if _, err := a.users.GetUserDetail(a.users.WithOperator(ctx, op), db, op.ID, ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("http", func(b *testing.B) {
			ts := httptest.NewServer(a.Handler())
			defer ts.Close()
			client := ts.Client()
			reqs := make([]*http.Request, len(ids))
			for i, id := range ids {
				reqs[i], _ = http.NewRequest("GET", ts.URL+"/admin/v1/users/"+id.String(), nil)
				reqs[i].Header.Set("Authorization", "Bearer "+tok)
			}
			i := 0
			for b.Loop() {
				i++
				resp, err := client.Do(reqs[i%len(reqs)])
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || n < 500 {
					b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
				}
			}
		})
	})
}

// eachBenchDatabase runs f as a sub-benchmark on a migrated SQLite
// database and on a PostgreSQL one (which needs USERDESK_TEST_POSTGRES, as
// the tests do).
func eachBenchDatabase(b *testing.B, f func(b *testing.B, db *bun.DB)) {
	for _, tc := range []struct {
		name string
		open func(testing.TB) *bun.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(tc.name, func(b *testing.B) { f(b, tc.open(b)) })
	}
}

// seededApp loads n generated users into db and returns an API on it, an
// admin operator and a session token of that operator.
func seededApp(tb testing.TB, db *bun.DB, n int) (*API, *usermgmt.Operator, string) {
	tb.Helper()
	ctx := context.Background()
	if err := synth.Load(ctx, db, synth.NewGenerator(1, time.Now(), n), n, nil); err != nil {
		tb.Fatal(err)
	}
	a := newTestApp(tb, db)
	op, err := a.users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Bench", Email: "bench@ops.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}})
	if err != nil {
		tb.Fatal(err)
	}
	tok, _, err := a.users.StartSession(ctx, db, usermgmt.OperatorSession, op.ID, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return a, op, tok
}

func mustParseQuery(tb testing.TB, q string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
