package activity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is one test's world.
type env struct {
	ctx                     context.Context
	db                      *bun.DB
	users                   *usermgmt.Service
	act                     *activity.Service
	clock                   *usermgmttest.Clock
	support, finance, admin uuid.UUID
}

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newEnv(tb testing.TB, db *bun.DB, edit ...func(*activity.Config)) *env {
	tb.Helper()
	clock := usermgmttest.NewClock(t0)
	users := usermgmttest.NewService(tb, usermgmt.Config{Permissions: activity.Permissions(), Now: clock.Now})
	cfg := activity.Config{Users: users, Now: clock.Now, MinAppVersion: "3.2.0"}
	for _, f := range edit {
		f(&cfg)
	}
	act, err := activity.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{
		ctx: context.Background(), db: db, users: users, act: act, clock: clock,
		support: usermgmttest.Operator(tb, users, db, usermgmt.RoleSupport).ID,
		finance: usermgmttest.Operator(tb, users, db, usermgmt.RoleFinance).ID,
		admin:   usermgmttest.Operator(tb, users, db, usermgmt.RoleAdmin).ID,
	}
}

func (e *env) user(tb testing.TB) *usermgmt.User {
	tb.Helper()
	return usermgmttest.User(tb, e.users, e.db)
}

func hasField(err error, field string) bool {
	var ve *usermgmt.ValidationError
	return errors.As(err, &ve) && ve.Has(field)
}

func count(tb testing.TB, db bun.IDB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.NewRaw(q, args...).Scan(context.Background(), &n); err != nil {
		tb.Fatal(err)
	}
	return n
}
