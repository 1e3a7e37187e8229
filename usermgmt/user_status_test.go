package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestChangeStatus(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)

		var seen []usermgmt.StatusChange
		s.OnStatusChange(func(ctx context.Context, tx bun.IDB, c usermgmt.StatusChange) error {
			// The hook runs inside the transaction: it sees the new status.
			var st string
			if err := tx.NewRaw("SELECT status FROM userdesk_users WHERE id = ?", c.UserID).Scan(ctx, &st); err != nil {
				return err
			}
			if st != string(c.To) {
				return fmt.Errorf("hook sees status %s", st)
			}
			seen = append(seen, c)
			return nil
		})

		got, err := s.ChangeStatus(ctx, db, support, u.ID, usermgmt.StatusInvalidated, "  chargeback fraud  ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != usermgmt.StatusInvalidated || got.Version != 2 {
			t.Fatalf("status %s version %d", got.Status, got.Version)
		}
		if len(seen) != 1 || seen[0].From != usermgmt.StatusLive || seen[0].To != usermgmt.StatusInvalidated ||
			seen[0].OperatorID != support || seen[0].Reason != "chargeback fraud" {
			t.Fatalf("hook saw %+v", seen)
		}
		recs, _, err := s.AuditTrail(ctx, db, support, u.ID, usermgmt.AuditPage{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit %v %v", recs, err)
		}
		if r := recs[0]; r.Action != usermgmt.ActionStatusChange || r.Reason != "chargeback fraud" ||
			r.Before["status"] != "live" || r.After["status"] != "invalidated" {
			t.Fatalf("audit record %+v", r)
		}

		t.Run("same status is a no-op", func(t *testing.T) {
			if _, err := s.ChangeStatus(ctx, db, support, u.ID, usermgmt.StatusInvalidated, "again"); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 1 || count(t, db, "SELECT count(*) FROM userdesk_audit_log") != 1 {
				t.Fatal("a no-op change was hooked or audited")
			}
		})

		t.Run("a failing hook aborts the change", func(t *testing.T) {
			s := newService(t)
			s.OnStatusChange(func(context.Context, bun.IDB, usermgmt.StatusChange) error { return errors.New("session store down") })
			other := register(t, s, db)
			_, err := s.ChangeStatus(ctx, db, support, other.ID, usermgmt.StatusInReview, "check")
			if err == nil || err.Error() != "session store down" {
				t.Fatalf("err = %v", err)
			}
			read, _ := s.GetUser(ctx, db, support, other.ID)
			if read.Status != usermgmt.StatusLive || count(t, db, "SELECT count(*) FROM userdesk_audit_log WHERE user_id = ?", other.ID) != 0 {
				t.Fatal("aborted change left a trace")
			}
		})

		t.Run("validation", func(t *testing.T) {
			_, err := s.ChangeStatus(ctx, db, support, u.ID, "banned", "")
			var verr *usermgmt.ValidationError
			if !errors.As(err, &verr) || !verr.Has("status") || !verr.Has("reason") {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.ChangeStatus(ctx, db, support, uuid.Must(uuid.NewV7()), usermgmt.StatusLive, "x"); !errors.Is(err, usermgmt.ErrNotFound) {
				t.Fatalf("unknown user: %v", err)
			}
		})
	})
}

// TestHostTransactionRollsBackEverything runs a status change inside the
// host's transaction, then fails a later step: the host rolls back, and
// neither the change nor its audit record survives.
func TestHostTransactionRollsBackEverything(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		hostErr := errors.New("host step failed")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := s.ChangeStatus(ctx, tx, admin, u.ID, usermgmt.StatusInvalidated, "suspicious"); err != nil {
				return err
			}
			name := "Changed"
			if _, err := s.UpdateUser(ctx, tx, admin, u.ID, usermgmt.UserUpdate{Version: 2, FirstName: &name}); err != nil {
				return err
			}
			// A failing library call inside the host's transaction rolls
			// back to its savepoint and reports the error…
			stale := "Stale"
			if _, err := s.UpdateUser(ctx, tx, admin, u.ID, usermgmt.UserUpdate{Version: 1, FirstName: &stale}); !errors.Is(err, usermgmt.ErrStaleVersion) {
				return fmt.Errorf("want stale version, got %v", err)
			}
			// …and the host then fails on its own.
			return hostErr
		})
		if !errors.Is(err, hostErr) {
			t.Fatalf("err = %v", err)
		}
		read, _ := s.GetUser(ctx, db, admin, u.ID)
		if read.Status != usermgmt.StatusLive || read.FirstName != u.FirstName || read.Version != 1 {
			t.Fatalf("host rollback left %+v", read)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log"); n != 0 {
			t.Fatalf("%d audit records survived the rollback", n)
		}
	})
}

// TestOperatorPermissions checks every operator operation refuses an
// operator lacking its permission, and a deactivated or unknown operator,
// without writing anything.
func TestOperatorPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		u := register(t, s, db)
		auditor := newOperator(t, s, db, "auditor") // the host's role: read only
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		inactive := newOperator(t, s, db, usermgmt.RoleAdmin)
		if err := s.SetOperatorActive(ctx, db, inactive, false); err != nil {
			t.Fatal(err)
		}
		name := "X"
		ops := []struct {
			name string
			perm usermgmt.Permission
			call func(actor uuid.UUID) error
		}{
			{"ChangeStatus", usermgmt.PermChangeStatus, func(a uuid.UUID) error {
				_, err := s.ChangeStatus(ctx, db, a, u.ID, usermgmt.StatusInvalidated, "r")
				return err
			}},
			{"UpdateUser", usermgmt.PermEditProfile, func(a uuid.UUID) error {
				_, err := s.UpdateUser(ctx, db, a, u.ID, usermgmt.UserUpdate{Version: 1, FirstName: &name})
				return err
			}},
			{"GetUser", usermgmt.PermReadUsers, func(a uuid.UUID) error {
				_, err := s.GetUser(ctx, db, a, u.ID)
				return err
			}},
			{"AuditTrail", usermgmt.PermReadUsers, func(a uuid.UUID) error {
				_, _, err := s.AuditTrail(ctx, db, a, u.ID, usermgmt.AuditPage{})
				return err
			}},
		}
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				for _, actor := range []uuid.UUID{auditor, finance, inactive, uuid.Must(uuid.NewV7())} {
					o, _ := s.GetOperator(ctx, db, actor)
					if o != nil && s.Can(o, op.perm) {
						continue // this operator holds the permission
					}
					err := op.call(actor)
					var perr *usermgmt.PermissionError
					if !errors.Is(err, usermgmt.ErrForbidden) || !errors.As(err, &perr) || perr.Permission != op.perm {
						t.Fatalf("actor %v: err = %v, want forbidden %s", actor, err, op.perm)
					}
				}
			})
		}
		read, _ := s.GetOwnUser(ctx, db, u.ID)
		if read.Version != 1 || read.Status != usermgmt.StatusLive || count(t, db, "SELECT count(*) FROM userdesk_audit_log") != 0 {
			t.Fatal("a refused operation wrote something")
		}
	})
}

func TestOperators(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Ada", Email: "Ada@Backoffice.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Ada 2", Email: "ada@backoffice.TEST", Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}}); !errors.Is(err, usermgmt.ErrEmailTaken) {
			t.Fatalf("duplicate operator email: %v", err)
		}
		_, err = s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "B", Email: "b@backoffice.test", Password: "operator password 1", Roles: []usermgmt.OperatorRole{"janitor"}})
		var verr *usermgmt.ValidationError
		if !errors.As(err, &verr) || !verr.Has("roles[0]") {
			t.Fatalf("unknown role: %v", err)
		}
		if got, err := s.AuthenticateOperator(ctx, db, "ADA@backoffice.test", "operator password 1"); err != nil || got.ID != op.ID {
			t.Fatalf("operator login: %v", err)
		}
		if _, err := s.AuthenticateOperator(ctx, db, "ada@backoffice.test", "nope nope nope"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := s.AuthenticateOperator(ctx, db, "who@backoffice.test", "operator password 1"); !errors.Is(err, usermgmt.ErrInvalidCredentials) {
			t.Fatalf("unknown operator: %v", err)
		}
		got, _ := s.GetOperator(ctx, db, op.ID)
		if s.Can(got, usermgmt.PermReadPersonalData) || s.Can(got, usermgmt.PermExport) || !s.Can(got, usermgmt.PermImpersonate) {
			t.Fatalf("support permissions: %v", s.Permissions(got))
		}
		if err := s.SetOperatorRoles(ctx, db, op.ID, []usermgmt.OperatorRole{usermgmt.RoleFinance, "auditor"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetOperator(ctx, db, op.ID)
		if !s.Can(got, usermgmt.PermExport) || s.Can(got, usermgmt.PermEditProfile) {
			t.Fatalf("after role change: %v", s.Permissions(got))
		}
		if err := s.SetOperatorActive(ctx, db, op.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateOperator(ctx, db, "ada@backoffice.test", "operator password 1"); !errors.Is(err, usermgmt.ErrLoginRefused) {
			t.Fatalf("inactive operator login: %v", err)
		}
		if n, err := s.CountOperators(ctx, db); err != nil || n != 1 {
			t.Fatalf("count = %d, %v", n, err)
		}
		if _, err := usermgmt.New(usermgmt.Config{Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{"x": {"users.fly"}}}); err == nil {
			t.Fatal("a role with an unknown permission was accepted")
		}
	})
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		statuses := []usermgmt.Status{usermgmt.StatusInReview, usermgmt.StatusLive}
		for i := range 7 {
			if _, err := s.ChangeStatus(ctx, db, admin, u.ID, statuses[i%2], fmt.Sprintf("step %d", i)); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("newest first, keyset pages", func(t *testing.T) {
			var reasons []string
			cursor := ""
			for pages := 0; ; pages++ {
				recs, next, err := s.AuditTrail(ctx, db, admin, u.ID, usermgmt.AuditPage{Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					reasons = append(reasons, r.Reason)
				}
				if next == "" {
					break
				}
				cursor = next
				if pages > 5 {
					t.Fatal("pagination does not end")
				}
			}
			want := "step 6,step 5,step 4,step 3,step 2,step 1,step 0"
			if got := strings.Join(reasons, ","); got != want {
				t.Fatalf("trail = %v, want %s", reasons, want)
			}
		})

		t.Run("bad cursor and limit", func(t *testing.T) {
			if _, _, err := s.AuditTrail(ctx, db, admin, u.ID, usermgmt.AuditPage{Cursor: "'; DROP TABLE x; --"}); !errors.Is(err, usermgmt.ErrInvalidCursor) {
				t.Fatalf("forged cursor: %v", err)
			}
			if _, _, err := s.AuditTrail(ctx, db, admin, u.ID, usermgmt.AuditPage{Limit: 500}); !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("limit 500: %v", err)
			}
		})

		t.Run("append-only", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "UPDATE userdesk_audit_log SET action = 'edited'"); err == nil {
				t.Fatal("UPDATE of the audit log was accepted")
			}
			if _, err := db.ExecContext(ctx, "DELETE FROM userdesk_audit_log"); err == nil {
				t.Fatal("DELETE from the audit log was accepted")
			}
			if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log AS a JOIN userdesk_audit_reasons AS r ON r.audit_id = a.id WHERE r.reason LIKE 'step %'"); n != 7 {
				t.Fatalf("%d records left", n)
			}
		})
	})
}
