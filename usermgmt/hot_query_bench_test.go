package usermgmt_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// BenchmarkResolveOperatorSession is the statement every back-office
// request starts with, on SQLite (compiled once per connection there)
// and PostgreSQL:
//
//	go test -run '^$' -bench ResolveOperatorSession ./usermgmt/
func BenchmarkResolveOperatorSession(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *bun.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db := open(b)
			s := newService(b)
			op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Bench", Email: "bench@ops.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, op.ID, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.ResolveOperatorSession(ctx, db, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
