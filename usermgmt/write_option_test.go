package usermgmt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestIfVersion checks every operator write that takes IfVersion: at the
// version read it writes and moves the version by exactly 1 (the version
// it reports is the stored one); a stale version, a missing one or a
// missing permission write nothing and leave the version; the permission
// is checked before the version.
func TestIfVersion(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		finance := newOperator(t, s, db, usermgmt.RoleFinance) // fees only
		support := newOperator(t, s, db, usermgmt.RoleSupport) // all but fees
		cat, err := s.CreateCategory(ctx, db, admin, "florists", "Florists")
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		no := false
		writes := map[string]func(actor, id uuid.UUID, opt usermgmt.WriteOption) error{
			"status": func(actor, id uuid.UUID, opt usermgmt.WriteOption) error {
				_, err := s.ChangeStatus(ctx, db, actor, id, usermgmt.StatusInReview, "documents", opt)
				return err
			},
			"fees": func(actor, id uuid.UUID, opt usermgmt.WriteOption) error {
				_, err := s.SetUserFees(ctx, db, actor, id, fees.Override{UseStandard: true}, opt)
				return err
			},
			"categories": func(actor, id uuid.UUID, opt usermgmt.WriteOption) error {
				_, err := s.SetUserCategories(ctx, db, actor, id, []uuid.UUID{cat.ID}, opt)
				return err
			},
			"verifications": func(actor, id uuid.UUID, opt usermgmt.WriteOption) error {
				_, err := s.SetVerifications(ctx, db, actor, id, usermgmt.VerificationUpdate{ID: &yes}, opt)
				return err
			},
			"password": func(actor, id uuid.UUID, opt usermgmt.WriteOption) error {
				return s.SetPassword(ctx, db, actor, id, usermgmt.PasswordChange{Password: "correct horse battery", Confirmation: "correct horse battery", Temporary: &no}, opt)
			},
		}
		for name, write := range writes {
			u := register(t, s, db)
			v0 := u.Version
			version := func() int64 {
				t.Helper()
				v, err := s.UserVersion(ctx, db, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			var after int64
			lacking := finance
			if name == "fees" {
				lacking = support
			}
			if err := write(lacking, u.ID, usermgmt.IfVersion(v0-1, &after)); !errors.Is(err, usermgmt.ErrForbidden) {
				t.Errorf("%s: no permission and stale: %v, want ErrForbidden first", name, err)
			}
			if err := write(admin, u.ID, usermgmt.IfVersion(v0+1, &after)); !errors.Is(err, usermgmt.ErrStaleVersion) {
				t.Errorf("%s: stale: %v", name, err)
			}
			var verr *usermgmt.ValidationError
			if err := write(admin, u.ID, usermgmt.IfVersion(0, &after)); !errors.As(err, &verr) || !verr.Has("version") {
				t.Errorf("%s: no version: %v", name, err)
			}
			if err := write(admin, uuid.New(), usermgmt.IfVersion(1, &after)); !errors.Is(err, usermgmt.ErrNotFound) {
				t.Errorf("%s: unknown user: %v", name, err)
			}
			if v := version(); v != v0 {
				t.Fatalf("%s: refused writes moved the version from %d to %d", name, v0, v)
			}
			if err := write(admin, u.ID, usermgmt.IfVersion(v0, &after)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if v := version(); v != v0+1 || after != v0+1 {
				t.Errorf("%s: one write moved the version from %d to %d (reported %d), want exactly +1", name, v0, v, after)
			}
			// Without IfVersion the write checks the version it reads
			// itself, and still moves it by exactly 1.
			if err := write(admin, u.ID, nil); err != nil {
				t.Fatalf("%s unguarded: %v", name, err)
			}
			if name == "status" || name == "verifications" {
				// The second write changes nothing: unguarded, it writes
				// nothing; guarded, it claims the version (+1), and a
				// stale one is refused.
				if v := version(); v != v0+1 {
					t.Errorf("%s: an unguarded write that changed nothing moved the version to %d", name, v)
				}
				if err := write(admin, u.ID, usermgmt.IfVersion(v0, &after)); !errors.Is(err, usermgmt.ErrStaleVersion) {
					t.Errorf("%s: a stale no-op: %v", name, err)
				}
				if err := write(admin, u.ID, usermgmt.IfVersion(v0+1, &after)); err != nil || after != v0+2 || version() != v0+2 {
					t.Errorf("%s: a guarded no-op: %v, version %d (reported %d), want %d", name, err, version(), after, v0+2)
				}
				continue
			}
			if v := version(); v != v0+2 {
				t.Errorf("%s: an unguarded write moved the version from %d to %d, want +1", name, v0+1, v)
			}
		}
	})
}
