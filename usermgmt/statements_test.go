package usermgmt_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestStatementCounts pins how many statements the hot reads cost, so that
// a change that adds a query per row (or per guest, per role) fails here.
func TestStatementCounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s, err := usermgmt.New(usermgmt.Config{Argon2: usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}, BankKeys: testKeyring(t, "k1", "k1")})
		if err != nil {
			t.Fatal(err)
		}
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)
		if err := s.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "Camille Durand", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if _, _, err := s.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: email, Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings, usermgmt.GuestViewPayouts}}); err != nil {
				t.Fatal(err)
			}
		}
		token, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, support, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		op, err := s.ResolveOperatorSession(ctx, db, token)
		if err != nil {
			t.Fatal(err)
		}
		opCtx := s.WithOperator(ctx, op)
		db, counter := dbtest.CountQueries(db)
		for _, tc := range []struct {
			name string
			max  int64
			run  func() error
		}{
			{"GetUser", 2, func() error { _, err := s.GetUser(ctx, db, support, u.ID); return err }},
			{"GetUserDetail", 2, func() error { _, err := s.GetUserDetail(ctx, db, support, u.ID); return err }},
			{"GetUserDetail, operator in the context", 1, func() error { _, err := s.GetUserDetail(opCtx, db, support, u.ID); return err }},
			{"ResolveOperatorSession", 1, func() error { _, err := s.ResolveOperatorSession(ctx, db, token); return err }},
			{"ListGuests", 3, func() error { _, err := s.ListGuests(ctx, db, support, u.ID); return err }},
			{"ListUsers", 2, func() error {
				_, err := s.ListUsers(ctx, db, support, usermgmt.ListQuery{Limit: 50})
				return err
			}},
		} {
			before := counter.Count()
			if err := tc.run(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if n := counter.Since(before); n > tc.max {
				t.Errorf("%s ran %d statements, at most %d allowed", tc.name, n, tc.max)
			} else {
				t.Logf("%s: %d statements", tc.name, n)
			}
		}
	})
}
