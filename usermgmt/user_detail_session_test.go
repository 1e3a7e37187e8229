package usermgmt_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestGetUserDetailBySession checks that the one-statement read answers
// exactly what ResolveOperatorSession then GetUserDetail answer (the same
// operator, the same detail, masked or in clear by the operator's
// permissions), and refuses in their order: the session, then the
// permission, then the user.
//
// It runs on the test databases (opened by sqldb: the statement prepared
// and its arguments bound) and on a SQLite database opened with
// database/sql alone (bun writes the arguments into the text, in their
// order there).
func TestGetUserDetailBySession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		checkUserDetailBySession(t, db)
	})
	t.Run("database/sql", func(t *testing.T) {
		t.Parallel()
		raw, err := sql.Open("sqlite", sqldb.SQLiteDSN(filepath.Join(t.TempDir(), "plain.db")))
		if err != nil {
			t.Fatal(err)
		}
		db := bun.NewDB(raw, sqlitedialect.New())
		t.Cleanup(func() { _ = db.Close() })
		if err := migrations.Up(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		checkUserDetailBySession(t, db)
	})
}

func checkUserDetailBySession(t *testing.T, db *bun.DB) {
	ctx := context.Background()
	s := usermgmttest.NewService(t, usermgmt.Config{
		BankKeys: testKeyring(t, "k1", "k1"),
		Roles:    map[usermgmt.OperatorRole][]usermgmt.Permission{"exporter": {usermgmt.PermExport}},
	})
	support := newOperator(t, s, db, usermgmt.RoleSupport)
	admin := newOperator(t, s, db, usermgmt.RoleAdmin, usermgmt.RoleFinance)
	exporter := newOperator(t, s, db, "exporter")
	u := register(t, s, db)
	if err := s.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "Camille Durand", IBAN: "FR1420041010050500013M02606"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: "helper@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestManageBookings}}); err != nil {
		t.Fatal(err)
	}
	cat, err := s.CreateCategory(ctx, db, admin, "chef", "Chef")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserCategories(ctx, db, admin, u.ID, []uuid.UUID{cat.ID}); err != nil {
		t.Fatal(err)
	}
	session := func(id uuid.UUID) string {
		t.Helper()
		tok, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	for _, c := range []struct {
		name   string
		op     uuid.UUID
		masked bool
	}{{"support, masked", support, true}, {"admin, in clear", admin, false}} {
		tok := session(c.op)
		wantOp, err := s.ResolveOperatorSession(ctx, db, tok)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.GetUserDetail(s.WithOperator(ctx, wantOp), db, c.op, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		op, got, err := s.GetUserDetailBySession(ctx, db, tok, u.ID)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameJSON(t, c.name+": operator", op, wantOp)
		if op.PasswordHash != "" || op.EmailNormalized != "" || len(op.Roles) == 0 {
			t.Errorf("%s: operator %+v", c.name, op)
		}
		sameJSON(t, c.name+": detail", got, want)
		if got.Masked != c.masked || len(got.Guests) != 1 || len(got.Categories) != 1 || got.BankAccount == nil || got.Fees == nil {
			t.Errorf("%s: detail %+v: the case does not hold what it checks", c.name, got)
		}
	}

	refused := func(what, tok string, id uuid.UUID, want error) {
		t.Helper()
		op, d, err := s.GetUserDetailBySession(ctx, db, tok, id)
		if !errors.Is(err, want) {
			t.Errorf("%s: err %v, want %v", what, err, want)
		}
		if op != nil || d != nil {
			t.Errorf("%s: answered %+v, %+v with the error", what, op, d)
		}
	}
	tok := session(support)
	refused("no token", "", u.ID, usermgmt.ErrSessionInvalid)
	refused("unknown token", "not-a-token", u.ID, usermgmt.ErrSessionInvalid)
	refused("unknown user", tok, uuid.New(), usermgmt.ErrNotFound)
	userTok, _, err := s.StartSession(ctx, db, usermgmt.UserSession, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	refused("a user's session", userTok, u.ID, usermgmt.ErrSessionInvalid)

	var perr *usermgmt.PermissionError
	if _, _, err := s.GetUserDetailBySession(ctx, db, session(exporter), u.ID); !errors.As(err, &perr) || perr.Permission != usermgmt.PermReadUsers {
		t.Errorf("an operator without %s: err %v", usermgmt.PermReadUsers, err)
	}
	// The permission is checked before the user: no probing for IDs.
	if _, _, err := s.GetUserDetailBySession(ctx, db, session(exporter), uuid.New()); !errors.As(err, &perr) {
		t.Errorf("an operator without %s, unknown user: err %v", usermgmt.PermReadUsers, err)
	}

	ended := session(support)
	if err := s.EndSession(ctx, db, ended); err != nil {
		t.Fatal(err)
	}
	refused("an ended session", ended, u.ID, usermgmt.ErrSessionInvalid)

	other := register(t, s, db)
	if err := s.EraseUser(ctx, db, admin, other.ID, "asked to be forgotten"); err != nil {
		t.Fatal(err)
	}
	refused("an erased user", tok, other.ID, usermgmt.ErrNotFound)

	if err := s.SetOperatorActive(ctx, db, support, false); err != nil {
		t.Fatal(err)
	}
	refused("a deactivated operator", tok, u.ID, usermgmt.ErrLoginRefused)
}

// TestGetUserDetailBySessionExpired: a session past its expiry is refused.
func TestGetUserDetailBySessionExpired(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now()
		s := usermgmttest.NewService(t, usermgmt.Config{Now: func() time.Time { return now }})
		op := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)
		tok, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, op, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetUserDetailBySession(ctx, db, tok, u.ID); err != nil {
			t.Fatalf("a live session: %v", err)
		}
		now = now.Add(time.Minute + time.Second)
		if _, _, err := s.GetUserDetailBySession(ctx, db, tok, u.ID); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Errorf("an expired session: err %v, want ErrSessionInvalid", err)
		}
	})
}
