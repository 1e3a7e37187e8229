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

// TestSavedViews: an operator saves views of the users list, private or
// shared with a role they hold; others open only what is shared with
// their roles; only the owner deletes.
func TestSavedViews(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		alice := newOperator(t, s, db, usermgmt.RoleSupport)
		bob := newOperator(t, s, db, usermgmt.RoleSupport)
		fin := newOperator(t, s, db, usermgmt.RoleFinance)

		private, err := s.SaveView(ctx, db, alice, usermgmt.SavedViewInput{Name: " German speakers ", Query: "lang=de&sort=name&cursor=abc"})
		if err != nil {
			t.Fatal(err)
		}
		if private.Name != "German speakers" || private.Query != "lang=de&sort=name" {
			t.Errorf("saved %+v (name trimmed, cursor dropped)", private)
		}
		shared, err := s.SaveView(ctx, db, alice, usermgmt.SavedViewInput{Name: "In review", Query: "status=in_review", SharedRole: usermgmt.RoleSupport})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			in    usermgmt.SavedViewInput
			field string
		}{
			{usermgmt.SavedViewInput{Name: "  "}, "name"},
			{usermgmt.SavedViewInput{Name: "x", SharedRole: usermgmt.RoleFinance}, "shared_role"},
			{usermgmt.SavedViewInput{Name: "x", Query: "%zz"}, "query"},
		} {
			var verr *usermgmt.ValidationError
			if _, err := s.SaveView(ctx, db, alice, c.in); !errors.As(err, &verr) || verr.Fields[0].Field != c.field {
				t.Errorf("SaveView(%+v): %v, want a ValidationError on %s", c.in, err, c.field)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_saved_views"); n != 2 {
			t.Errorf("%d views stored after the refusals, want 2", n)
		}

		list := func(actor uuid.UUID) []string {
			t.Helper()
			vs, err := s.ListViews(ctx, db, actor)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, v := range vs {
				out = append(out, v.Name)
			}
			return out
		}
		if got := list(alice); len(got) != 2 || got[0] != "German speakers" || got[1] != "In review" {
			t.Errorf("alice's views %v", got)
		}
		if got := list(bob); len(got) != 1 || got[0] != "In review" {
			t.Errorf("bob's views %v, want the one shared with support", got)
		}
		if got := list(fin); len(got) != 0 {
			t.Errorf("finance's views %v, want none", got)
		}
		if v, err := s.OpenView(ctx, db, bob, shared.ID); err != nil || v.Query != "status=in_review" {
			t.Errorf("bob opens the shared view: %v %v", v, err)
		}
		if _, err := s.OpenView(ctx, db, bob, private.ID); !errors.Is(err, usermgmt.ErrViewNotShared) || !errors.Is(err, usermgmt.ErrForbidden) {
			t.Errorf("bob opens alice's private view: %v", err)
		}
		if _, err := s.OpenView(ctx, db, fin, shared.ID); !errors.Is(err, usermgmt.ErrViewNotShared) {
			t.Errorf("finance opens a view shared with support: %v", err)
		}
		if err := s.DeleteView(ctx, db, bob, shared.ID); !errors.Is(err, usermgmt.ErrViewNotShared) {
			t.Errorf("bob deletes alice's view: %v", err)
		}
		if err := s.DeleteView(ctx, db, alice, shared.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OpenView(ctx, db, alice, shared.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("a deleted view: %v", err)
		}
	})
}
