package usermgmt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

func TestClaimUserVersion(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		finance := newOperator(t, s, db, usermgmt.RoleFinance)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		u := register(t, s, db)
		got, err := s.ClaimUserVersion(ctx, db, finance, usermgmt.PermEditFees, u.ID, u.Version)
		if err != nil || got != u.Version+1 {
			t.Fatalf("claim: %d %v", got, err)
		}
		if v, err := s.UserVersion(ctx, db, u.ID); err != nil || v != got {
			t.Fatalf("version after the claim: %d %v", v, err)
		}
		var verr *usermgmt.ValidationError
		for name, c := range map[string]struct {
			actor   uuid.UUID
			id      uuid.UUID
			version int64
			is      func(error) bool
		}{
			"stale":         {finance, u.ID, u.Version, func(err error) bool { return errors.Is(err, usermgmt.ErrStaleVersion) }},
			"unknown user":  {finance, uuid.New(), 1, func(err error) bool { return errors.Is(err, usermgmt.ErrNotFound) }},
			"no permission": {support, u.ID, got, func(err error) bool { return errors.Is(err, usermgmt.ErrForbidden) }},
			"no version":    {finance, u.ID, 0, func(err error) bool { return errors.As(err, &verr) && verr.Has("version") }},
		} {
			if _, err := s.ClaimUserVersion(ctx, db, c.actor, usermgmt.PermEditFees, c.id, c.version); !c.is(err) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if v, _ := s.UserVersion(ctx, db, u.ID); v != got {
			t.Fatalf("a refused claim moved the version to %d", v)
		}
		if err := s.EraseUser(ctx, db, newOperator(t, s, db, usermgmt.RoleAdmin), u.ID, "gdpr"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimUserVersion(ctx, db, finance, usermgmt.PermEditFees, u.ID, got); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erased user: %v", err)
		}
	})
}
