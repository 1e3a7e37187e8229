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

func TestRevoke(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		revoked := func(t *testing.T, token string) {
			t.Helper()
			_, err := e.imp.Verify(e.ctx, db, token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
		}
		live := func(t *testing.T, token string) {
			t.Helper()
			if _, err := e.imp.Verify(e.ctx, db, token); err != nil {
				t.Fatalf("token should be live: %v", err)
			}
		}

		t.Run("one token, by its operator", func(t *testing.T) {
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			rec, err := e.imp.Revoke(e.ctx, db, e.support, is.Record.ID, "done with the ticket")
			if err != nil {
				t.Fatal(err)
			}
			if rec.RevokedAt == nil || *rec.RevokedBy != e.support {
				t.Fatalf("record %+v", rec)
			}
			revoked(t, is.Token)
			if n := e.audits(t, impersonation.ActionRevoke, is.Record.ID); n != 1 {
				t.Fatalf("%d revoke audit records", n)
			}
			// Again: nothing to do, nothing recorded.
			again, err := e.imp.Revoke(e.ctx, db, e.support, is.Record.ID, "")
			if err != nil || !again.RevokedAt.Equal(*rec.RevokedAt) {
				t.Fatalf("%+v %v", again, err)
			}
			if n := e.audits(t, impersonation.ActionRevoke, is.Record.ID); n != 1 {
				t.Fatalf("%d revoke audit records after a no-op", n)
			}
		})

		t.Run("another operator's token needs RevokeOthers", func(t *testing.T) {
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			_, err := e.imp.Revoke(e.ctx, db, e.support2, is.Record.ID, "")
			var perr *usermgmt.PermissionError
			if !errors.As(err, &perr) || perr.Permission != usermgmt.PermManageImpersonations {
				t.Fatalf("err = %v", err)
			}
			live(t, is.Token)
			if _, err := e.imp.Revoke(e.ctx, db, e.reader, is.Record.ID, ""); !errors.Is(err, usermgmt.ErrForbidden) {
				t.Fatalf("finance: %v", err)
			}
			if _, err := e.imp.Revoke(e.ctx, db, e.admin, is.Record.ID, "suspicious"); err != nil {
				t.Fatal(err)
			}
			revoked(t, is.Token)
		})

		t.Run("unknown token", func(t *testing.T) {
			if _, err := e.imp.Revoke(e.ctx, db, e.admin, uuid.Must(uuid.NewV7()), ""); !errors.Is(err, usermgmt.ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("all of an operator's tokens", func(t *testing.T) {
			op := e.operator(t, usermgmt.RoleSupport)
			a := e.issue(t, op, user, impersonation.ScopeReadOnly)
			b := e.issue(t, op, e.user(t), impersonation.ScopeFull)
			other := e.issue(t, e.support2, user, impersonation.ScopeReadOnly)
			if _, err := e.imp.RevokeOperator(e.ctx, db, e.support2, op, ""); !errors.Is(err, usermgmt.ErrForbidden) {
				t.Fatalf("someone else's: %v", err)
			}
			n, err := e.imp.RevokeOperator(e.ctx, db, op, op, "end of shift")
			if err != nil || n != 2 {
				t.Fatalf("n = %d, err = %v", n, err)
			}
			revoked(t, a.Token)
			revoked(t, b.Token)
			live(t, other.Token)
			if n, err := e.imp.RevokeOperator(e.ctx, db, e.admin, e.support2, "audit"); err != nil || n != 1 {
				t.Fatalf("admin: n = %d, err = %v", n, err)
			}
			revoked(t, other.Token)
		})

		t.Run("all tokens for a user", func(t *testing.T) {
			u := e.user(t)
			a := e.issue(t, e.support, u, impersonation.ScopeReadOnly)
			b := e.issue(t, e.support2, u, impersonation.ScopeFull)
			elsewhere := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			if _, err := e.imp.RevokeUser(e.ctx, db, e.support, u, ""); !errors.Is(err, usermgmt.ErrForbidden) {
				t.Fatalf("support: %v", err)
			}
			n, err := e.imp.RevokeUser(e.ctx, db, e.admin, u, "account takeover")
			if err != nil || n != 2 {
				t.Fatalf("n = %d, err = %v", n, err)
			}
			revoked(t, a.Token)
			revoked(t, b.Token)
			live(t, elsewhere.Token)
			recs, _, err := e.users.AuditTrail(e.ctx, db, e.admin, u, usermgmt.AuditPage{})
			if err != nil {
				t.Fatal(err)
			}
			var revokes int
			for _, r := range recs {
				if r.Action == impersonation.ActionRevoke {
					revokes++
					if *r.OperatorID != e.admin || r.Reason != "account takeover" || r.After["cause"] != "operator" {
						t.Fatalf("audit record %+v", r)
					}
				}
			}
			if revokes != 2 {
				t.Fatalf("%d revoke audit records", revokes)
			}
		})

		t.Run("expired tokens are left alone", func(t *testing.T) {
			u := e.user(t)
			is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: u, Reason: "short", TTL: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			later := e.sibling(t, func(c *impersonation.Config) {
				c.Now = func() time.Time { return e.clock.Now().Add(2 * time.Minute) }
			})
			if n, err := later.RevokeUser(e.ctx, db, e.admin, u, ""); err != nil || n != 0 {
				t.Fatalf("n = %d, err = %v", n, err)
			}
			if n := e.audits(t, impersonation.ActionRevoke, is.Record.ID); n != 0 {
				t.Fatal("an expired token's revocation was audited")
			}
		})

		t.Run("the status hook revokes on invalidation", func(t *testing.T) {
			u := e.user(t)
			a := e.issue(t, e.support, u, impersonation.ScopeReadOnly)
			b := e.issue(t, e.admin, u, impersonation.ScopeFull)
			if _, err := e.users.ChangeStatus(e.ctx, db, e.support2, u, usermgmt.StatusInReview, "documents"); err != nil {
				t.Fatal(err)
			}
			live(t, a.Token)
			if _, err := e.users.ChangeStatus(e.ctx, db, e.support2, u, usermgmt.StatusInvalidated, "fraud"); err != nil {
				t.Fatal(err)
			}
			revoked(t, a.Token)
			revoked(t, b.Token)
			if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens WHERE user_id = ? AND revoked_by = ?", u, e.support2); n != 2 {
				t.Fatalf("%d tokens revoked by the status-changing operator", n)
			}
			recs, _, err := e.users.AuditTrail(e.ctx, db, e.admin, u, usermgmt.AuditPage{})
			if err != nil {
				t.Fatal(err)
			}
			var revokes int
			for _, r := range recs {
				if r.Action == impersonation.ActionRevoke {
					revokes++
					if *r.OperatorID != e.support2 || r.Reason != "fraud" || r.After["cause"] != "user_invalidated" {
						t.Fatalf("audit record %+v", r)
					}
				}
			}
			if revokes != 2 {
				t.Fatalf("%d revoke audit records", revokes)
			}
		})

		t.Run("the status hook revokes on erasure", func(t *testing.T) {
			u := e.user(t)
			is := e.issue(t, e.support, u, impersonation.ScopeFull)
			if err := e.users.EraseUser(e.ctx, db, e.admin, u, "gdpr request"); err != nil {
				t.Fatal(err)
			}
			_, err := e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckRevoked, impersonation.ErrRevoked)
			if n := e.count(t, "SELECT count(*) FROM userdesk_audit_log WHERE action = ? AND after LIKE ?", impersonation.ActionRevoke, "%user_erased%"); n != 1 {
				t.Fatalf("%d erasure revocations audited", n)
			}
			// Erased stays refused, whatever the policy says.
			lenient := e.sibling(t, func(c *impersonation.Config) { c.AllowInvalidated = true })
			if _, err := lenient.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: u, Reason: "look"}); !errors.Is(err, impersonation.ErrUserRefused) {
				t.Fatalf("issue for an erased user: %v", err)
			}
		})
	})
}
