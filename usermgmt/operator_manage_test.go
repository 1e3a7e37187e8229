package usermgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestOperatorManagement: an admin lists, creates, re-roles, deactivates
// and reactivates operators, each audited; nobody else may; nobody changes
// themself, and the last active admin stays one.
func TestOperatorManagement(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s, err := usermgmt.New(usermgmt.Config{Argon2: usermgmttest.FastArgon2, Permissions: usermgmt.OperatorPermissions(),
			Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{"ops_manager": {usermgmt.PermManageOperators}}})
		if err != nil {
			t.Fatal(err)
		}
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		if _, err := s.ListOperators(ctx, db, support); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support lists operators: %v", err)
		}
		op, err := s.CreateOperatorAs(ctx, db, admin, usermgmt.NewOperator{Name: "Ines", Email: "ines@ops.test", Password: "a long operator password", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateOperatorAs(ctx, db, support, usermgmt.NewOperator{Name: "X", Email: "x@ops.test", Password: "a long operator password", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("support creates an admin: %v", err)
		}
		all, err := s.ListOperators(ctx, db, admin)
		if err != nil || len(all) != 3 {
			t.Fatalf("list: %d %v", len(all), err)
		}
		op, err = s.ChangeOperatorRoles(ctx, db, admin, op.ID, op.Version, []usermgmt.OperatorRole{usermgmt.RoleFinance})
		if err != nil || len(op.Roles) != 1 || op.Roles[0] != usermgmt.RoleFinance {
			t.Fatalf("roles: %+v %v", op, err)
		}
		if _, err := s.ChangeOperatorRoles(ctx, db, admin, op.ID, op.Version-1, []usermgmt.OperatorRole{usermgmt.RoleSupport}); !errors.Is(err, usermgmt.ErrStaleVersion) {
			t.Fatalf("stale roles: %v", err)
		}
		if _, err := s.ChangeOperatorRoles(ctx, db, admin, op.ID, op.Version, []usermgmt.OperatorRole{"wizard"}); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("unknown role: %v", err)
		}
		self, _ := s.GetOperator(ctx, db, admin)
		if _, err := s.SetOperatorActiveAs(ctx, db, admin, admin, self.Version, false, "me"); !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("self deactivation: %v", err)
		}
		token, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, op.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetOperatorActiveAs(ctx, db, admin, op.ID, op.Version, false, ""); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("no reason: %v", err)
		}
		op, err = s.SetOperatorActiveAs(ctx, db, admin, op.ID, op.Version, false, "left the company")
		if err != nil || op.Active {
			t.Fatalf("deactivate: %+v %v", op, err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.OperatorSession, token); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("session after deactivation: %v", err)
		}
		if op, err = s.SetOperatorActiveAs(ctx, db, admin, op.ID, op.Version, true, ""); err != nil || !op.Active {
			t.Fatalf("reactivate: %v", err)
		}
		// The last active admin stays one, whoever manages operators.
		manager := newOperator(t, s, db, "ops_manager")
		last, _ := s.GetOperator(ctx, db, admin)
		if _, err := s.SetOperatorActiveAs(ctx, db, manager, admin, last.Version, false, "x"); !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("deactivate the last admin: %v", err)
		}
		if _, err := s.ChangeOperatorRoles(ctx, db, manager, admin, last.Version, []usermgmt.OperatorRole{usermgmt.RoleSupport}); !errors.Is(err, usermgmt.ErrConflict) {
			t.Fatalf("demote the last admin: %v", err)
		}
		newOperator(t, s, db, usermgmt.RoleAdmin)
		if _, err := s.ChangeOperatorRoles(ctx, db, manager, admin, last.Version, []usermgmt.OperatorRole{usermgmt.RoleSupport}); err != nil {
			t.Fatalf("demote one of two admins: %v", err)
		}
		// A host resets a password: the old one and the sessions go.
		tok, _, err := s.StartSession(ctx, db, usermgmt.OperatorSession, support, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetOperatorPassword(ctx, db, support, "short"); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("short password: %v", err)
		}
		if err := s.SetOperatorPassword(ctx, db, support, "a brand new operator password"); err != nil {
			t.Fatal(err)
		}
		sup, _ := s.GetOperator(ctx, db, support)
		if _, err := s.AuthenticateOperator(ctx, db, sup.Email, "a brand new operator password"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, err := s.ResolveSession(ctx, db, usermgmt.OperatorSession, tok); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("session after the reset: %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_audit_log WHERE action LIKE 'operator.%'"); n != 5 {
			t.Fatalf("%d operator audit records, want 5", n)
		}
	})
}
