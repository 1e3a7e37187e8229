package impersonation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func TestListActive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		alice, bob := e.user(t), e.user(t)
		a1 := e.issue(t, e.support, alice, impersonation.ScopeReadOnly)
		a2 := e.issue(t, e.support2, alice, impersonation.ScopeFull)
		b1 := e.issue(t, e.support, bob, impersonation.ScopeReadOnly)
		gone := e.issue(t, e.admin, bob, impersonation.ScopeFull)
		if _, err := e.imp.Revoke(e.ctx, db, e.admin, gone.Record.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{
			OperatorID: e.admin, UserID: bob, Reason: "short", TTL: time.Second,
		}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(2 * time.Second) // the one-second token expires

		ids := func(recs []impersonation.Record) []uuid.UUID {
			out := make([]uuid.UUID, 0, len(recs))
			for _, r := range recs {
				out = append(out, r.ID)
			}
			return out
		}
		same := func(t *testing.T, got []impersonation.Record, want ...*impersonation.Issued) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("got %v, want %d records", ids(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].Record.ID || !got[i].Active(e.clock.Now()) {
					t.Fatalf("got %v at %d, want %v", got[i].ID, i, want[i].Record.ID)
				}
			}
		}
		for _, tc := range []struct {
			name   string
			actor  uuid.UUID
			filter impersonation.ListFilter
			want   []*impersonation.Issued
		}{
			{"all live, newest first", e.support2, impersonation.ListFilter{}, []*impersonation.Issued{b1, a2, a1}},
			{"one user", e.support, impersonation.ListFilter{UserID: &alice}, []*impersonation.Issued{a2, a1}},
			{"one operator", e.admin, impersonation.ListFilter{OperatorID: &e.support}, []*impersonation.Issued{b1, a1}},
			{"both", e.admin, impersonation.ListFilter{OperatorID: &e.support, UserID: &bob}, []*impersonation.Issued{b1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, next, err := e.imp.ListActive(e.ctx, db, tc.actor, tc.filter)
				if err != nil || next != "" {
					t.Fatalf("next %q, err %v", next, err)
				}
				same(t, got, tc.want...)
			})
		}

		t.Run("pages", func(t *testing.T) {
			page1, next, err := e.imp.ListActive(e.ctx, db, e.support, impersonation.ListFilter{Limit: 2})
			if err != nil || next == "" {
				t.Fatalf("next %q, err %v", next, err)
			}
			same(t, page1, b1, a2)
			page2, next, err := e.imp.ListActive(e.ctx, db, e.support, impersonation.ListFilter{Limit: 2, Cursor: next})
			if err != nil || next != "" {
				t.Fatalf("next %q, err %v", next, err)
			}
			same(t, page2, a1)
		})

		t.Run("refusals", func(t *testing.T) {
			if _, _, err := e.imp.ListActive(e.ctx, db, e.reader, impersonation.ListFilter{}); !errors.Is(err, usermgmt.ErrForbidden) {
				t.Fatalf("finance: %v", err)
			}
			if _, _, err := e.imp.ListActive(e.ctx, db, e.support, impersonation.ListFilter{Cursor: "AAAA"}); !errors.Is(err, usermgmt.ErrInvalidCursor) {
				t.Fatalf("cursor: %v", err)
			}
			if _, _, err := e.imp.ListActive(e.ctx, db, e.support, impersonation.ListFilter{Limit: 201}); !errors.Is(err, usermgmt.ErrInvalid) {
				t.Fatalf("limit: %v", err)
			}
		})
	})
}
