package usermgmt_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func newService(tb testing.TB) *usermgmt.Service {
	tb.Helper()
	return usermgmttest.NewService(tb, usermgmt.Config{
		Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{"auditor": {usermgmt.PermReadUsers}},
	})
}

// validRegistration returns a registration that passes every rule, with a
// unique email.
func validRegistration() usermgmt.Registration { return usermgmttest.Registration() }

func register(tb testing.TB, s *usermgmt.Service, db bun.IDB) *usermgmt.User {
	tb.Helper()
	return usermgmttest.User(tb, s, db)
}

// newOperator creates an active operator with the given roles.
func newOperator(tb testing.TB, s *usermgmt.Service, db bun.IDB, roles ...usermgmt.OperatorRole) uuid.UUID {
	tb.Helper()
	return usermgmttest.Operator(tb, s, db, roles...).ID
}

func setPlatform(tb testing.TB, db bun.IDB, column, value string) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), "UPDATE userdesk_platform_settings SET "+column+" = ?", value); err != nil {
		tb.Fatal(err)
	}
}

func count(tb testing.TB, db bun.IDB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
