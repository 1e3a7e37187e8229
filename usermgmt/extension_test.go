package usermgmt_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

const permReadWidgets usermgmt.Permission = "widgets.read"

func TestPermissionCatalogue(t *testing.T) {
	defs := []usermgmt.PermissionDef{
		{Permission: permReadWidgets, Description: "Read widgets.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}},
		{Permission: "widgets.change", Description: "Change widgets."},
	}
	s := usermgmttest.NewService(t, usermgmt.Config{Permissions: defs})
	for _, p := range []usermgmt.Permission{permReadWidgets, "widgets.change", usermgmt.PermReadUsers, usermgmt.PermManageImpersonations} {
		if !s.KnowsPermission(p) {
			t.Errorf("KnowsPermission(%q) = false", p)
		}
	}
	if s.KnowsPermission("widgets.delete") {
		t.Error("an undeclared permission is known")
	}
	admin, _ := s.RolePermissions(usermgmt.RoleAdmin)
	if !slices.Equal(admin, s.KnownPermissions()) {
		t.Errorf("admin holds %v, want every known permission %v", admin, s.KnownPermissions())
	}
	support, _ := s.RolePermissions(usermgmt.RoleSupport)
	if !slices.Contains(support, permReadWidgets) || slices.Contains(support, "widgets.change") {
		t.Errorf("support holds %v: want widgets.read (declared for it) and not widgets.change", support)
	}
	finance, _ := s.RolePermissions(usermgmt.RoleFinance)
	if slices.Contains(finance, permReadWidgets) {
		t.Errorf("finance holds %v, widgets.read was not declared for it", finance)
	}

	t.Run("a host's redefinition of a role wins", func(t *testing.T) {
		s := usermgmttest.NewService(t, usermgmt.Config{Permissions: defs, Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{
			usermgmt.RoleSupport: {usermgmt.PermReadUsers},
		}})
		got, _ := s.RolePermissions(usermgmt.RoleSupport)
		if !slices.Equal(got, []usermgmt.Permission{usermgmt.PermReadUsers}) {
			t.Errorf("support = %v", got)
		}
	})
	for name, cfg := range map[string]usermgmt.Config{
		"undeclared permission in a role": {Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{"x": {"widgets.read"}}},
		"definition for a non-built-in":   {Permissions: []usermgmt.PermissionDef{{Permission: "w.r", Roles: []usermgmt.OperatorRole{"janitor"}}}},
		"empty permission name":           {Permissions: []usermgmt.PermissionDef{{Description: "nameless"}}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Argon2 = usermgmttest.FastArgon2
			if _, err := usermgmt.New(cfg); err == nil {
				t.Fatal("New accepted the configuration")
			}
		})
	}
	t.Run("Authorize checks a declared permission", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *bun.DB) {
			ctx := context.Background()
			support := usermgmttest.Operator(t, s, db, usermgmt.RoleSupport)
			finance := usermgmttest.Operator(t, s, db, usermgmt.RoleFinance)
			if _, err := s.Authorize(ctx, db, support.ID, permReadWidgets); err != nil {
				t.Errorf("support: %v", err)
			}
			var perr *usermgmt.PermissionError
			if _, err := s.Authorize(ctx, db, finance.ID, permReadWidgets); !errors.As(err, &perr) || perr.Permission != permReadWidgets {
				t.Errorf("finance: err = %v, want a *PermissionError for %s", err, permReadWidgets)
			}
		})
	})
}

func TestValidationErrorBuilder(t *testing.T) {
	var none *usermgmt.ValidationError
	if none.Err() != nil || (&usermgmt.ValidationError{}).Err() != nil {
		t.Fatal("an empty ValidationError is an error")
	}
	v := usermgmt.Invalid("code", "len", "must be 8 characters").Add("amount", "range", "must be between -1000 and 1000")
	err := v.Err()
	if !errors.Is(err, usermgmt.ErrInvalid) {
		t.Fatalf("%v does not match ErrInvalid", err)
	}
	var got *usermgmt.ValidationError
	if !errors.As(err, &got) || !got.Has("code") || !got.Has("amount") || got.Fields[1].Rule != "range" {
		t.Fatalf("fields = %+v", got)
	}
}

func TestProfileChangeHookAndVerificationFlags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := newService(t)
		var seen []usermgmt.ProfileChange
		s.OnProfileChange(func(ctx context.Context, tx bun.IDB, ch usermgmt.ProfileChange) error {
			seen = append(seen, ch)
			if ch.After.LastName == "Refused" {
				return errors.New("hook says no")
			}
			return nil
		})
		op := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)
		for _, k := range []usermgmt.VerificationKind{usermgmt.VerifyEmail, usermgmt.VerifyPhone, usermgmt.VerifyID} {
			if _, err := s.SetVerificationBySystem(ctx, db, u.ID, k, true); err != nil {
				t.Fatal(err)
			}
		}
		cur, _ := s.GetOwnUser(ctx, db, u.ID)

		// The user changes their email: the email flag goes, in the same
		// write; the others stay.
		email := "new.address@example.com"
		after, err := s.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: cur.Version, Email: &email})
		if err != nil {
			t.Fatal(err)
		}
		if after.Verifications.Email.Verified || after.Verifications.Email.At != nil {
			t.Errorf("email still verified after an email change: %+v", after.Verifications.Email)
		}
		if !after.Verifications.Phone.Verified || !after.Verifications.ID.Verified {
			t.Errorf("other flags lost: %+v", after.Verifications)
		}
		stored, _ := s.GetOwnUser(ctx, db, u.ID)
		if stored.Verifications.Email.Verified {
			t.Error("the stored email flag survived")
		}
		if len(seen) != 1 || seen[0].OperatorID != nil || !seen[0].Changed("email") || !seen[0].Changed("email_verified") || seen[0].Before.Email == seen[0].After.Email {
			t.Fatalf("hook saw %+v", seen)
		}

		// An operator changes the phone: the phone flag goes, and the hook
		// names the operator.
		phone := "+33700000000"
		after, err = s.UpdateUser(ctx, db, op, u.ID, usermgmt.UserUpdate{Version: stored.Version, Phone: &phone})
		if err != nil {
			t.Fatal(err)
		}
		if after.Verifications.Phone.Verified || !after.Verifications.ID.Verified {
			t.Errorf("flags after a phone change: %+v", after.Verifications)
		}
		if len(seen) != 2 || seen[1].OperatorID == nil || *seen[1].OperatorID != op || !seen[1].Changed("phone_verified") {
			t.Fatalf("hook saw %+v", seen[1])
		}

		// A hook error rolls the whole update back.
		refused := "Refused"
		if _, err := s.UpdateUser(ctx, db, op, u.ID, usermgmt.UserUpdate{Version: after.Version, LastName: &refused}); err == nil {
			t.Fatal("a failing hook did not abort the update")
		}
		if got, _ := s.GetOwnUser(ctx, db, u.ID); got.LastName == refused || got.Version != after.Version {
			t.Errorf("the refused update was written: %q v%d", got.LastName, got.Version)
		}
	})
}

func TestEraseHook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := newService(t)
		var erased []uuid.UUID
		fail := false
		s.OnErase(func(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
			if fail {
				return errors.New("cannot erase widgets")
			}
			erased = append(erased, userID)
			return nil
		})
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		u := register(t, s, db)
		fail = true
		if err := s.EraseUser(ctx, db, admin, u.ID, "GDPR request"); err == nil {
			t.Fatal("a failing erase hook did not abort the erasure")
		}
		if got, err := s.GetOwnUser(ctx, db, u.ID); err != nil || got.Deleted() {
			t.Fatalf("the user was erased although a hook failed: %v", err)
		}
		fail = false
		if err := s.EraseUser(ctx, db, admin, u.ID, "GDPR request"); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(erased, []uuid.UUID{u.ID}) {
			t.Errorf("hook saw %v", erased)
		}
	})
}
