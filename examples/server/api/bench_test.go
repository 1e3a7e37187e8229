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
	for _, tc := range []struct {
		name string
		open func(testing.TB) *bun.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			db := tc.open(b)
			if err := synth.Load(ctx, db, synth.NewGenerator(1, time.Now(), 500), 500, nil); err != nil {
				b.Fatal(err)
			}
			a := newTestApp(b, db)
			op, err := a.users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Bench", Email: "bench@ops.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := a.users.StartSession(ctx, db, usermgmt.OperatorSession, op.ID, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
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
}

func mustParseQuery(tb testing.TB, q string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
