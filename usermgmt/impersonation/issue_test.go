package impersonation_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func TestIssueAndVerify(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{
			OperatorID: e.support, UserID: user, Reason: "  user asked why payouts fail  ",
			Landing: impersonation.LandingBankAccount,
		})
		if err != nil {
			t.Fatal(err)
		}
		rec := is.Record
		now := e.clock.Now()

		t.Run("record", func(t *testing.T) {
			if rec.ID.Version() != 7 || rec.UserID != user || rec.OperatorID != e.support || rec.KeyID != "k1" ||
				rec.Reason != "user asked why payouts fail" || rec.Scope != impersonation.ScopeReadOnly ||
				rec.Landing != impersonation.LandingBankAccount || !rec.IssuedAt.Equal(now) ||
				!rec.ExpiresAt.Equal(now.Add(15*time.Minute)) || rec.RevokedAt != nil || rec.FirstUsedAt != nil {
				t.Fatalf("record %+v", rec)
			}
			if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens WHERE id = ? AND revoked_at IS NULL AND first_used_at IS NULL", rec.ID); n != 1 {
				t.Fatalf("%d stored records", n)
			}
		})

		t.Run("claims", func(t *testing.T) {
			payload, footer := parts(t, is.Token)
			var foot map[string]any
			if err := json.Unmarshal(footer, &foot); err != nil || foot["kid"] != "k1" || len(foot) != 1 {
				t.Fatalf("footer %s (%v)", footer, err)
			}
			var c map[string]any
			if err := json.Unmarshal(payload[:len(payload)-64], &c); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"sub": user.String(), "act": map[string]any{"sub": e.support.String()}, "jti": rec.ID.String(),
				"aud": audience, "iat": now.Format(time.RFC3339), "nbf": now.Format(time.RFC3339),
				"exp": now.Add(15 * time.Minute).Format(time.RFC3339), "scope": "read_only",
				"landing": "bank_account",
			}
			got, _ := json.Marshal(c)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Fatalf("claims\n got %s\nwant %s", got, exp)
			}
		})

		t.Run("issue is audited", func(t *testing.T) {
			recs, _, err := e.users.AuditTrail(e.ctx, db, e.admin, user, usermgmt.AuditPage{})
			if err != nil || len(recs) != 1 {
				t.Fatalf("audit %v %v", recs, err)
			}
			r := recs[0]
			if r.Action != impersonation.ActionIssue || *r.OperatorID != e.support || r.Reason != rec.Reason ||
				r.After["token_id"] != rec.ID.String() || r.After["scope"] != "read_only" || r.After["key_id"] != "k1" {
				t.Fatalf("audit record %+v", r)
			}
		})

		t.Run("verify, and the first use is recorded once", func(t *testing.T) {
			for range 3 {
				imp, err := e.imp.Verify(e.ctx, db, is.Token)
				if err != nil {
					t.Fatal(err)
				}
				if imp.TokenID != rec.ID || imp.UserID != user || imp.OperatorID != e.support || !imp.ReadOnly() ||
					imp.Landing != impersonation.LandingBankAccount || imp.Reason != rec.Reason || !imp.ExpiresAt.Equal(rec.ExpiresAt) {
					t.Fatalf("impersonation %+v", imp)
				}
			}
			if n := e.audits(t, impersonation.ActionFirstUse, rec.ID); n != 1 {
				t.Fatalf("%d first-use audit records", n)
			}
			if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens WHERE id = ? AND first_used_at IS NOT NULL", rec.ID); n != 1 {
				t.Fatal("first use not stamped")
			}
		})

		t.Run("full scope, explicit lifetime", func(t *testing.T) {
			is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{
				OperatorID: e.admin, UserID: user, Reason: "fix the presentation", Scope: impersonation.ScopeFull,
				Landing: impersonation.LandingPresentation, TTL: time.Hour,
			})
			if err != nil {
				t.Fatal(err)
			}
			imp, err := e.imp.Verify(e.ctx, db, is.Token)
			if err != nil || imp.ReadOnly() || !imp.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("%+v %v", imp, err)
			}
		})
	})
}

func TestIssueRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		inactive := e.operator(t, usermgmt.RoleSupport)
		if err := e.users.SetOperatorActive(e.ctx, db, inactive, false); err != nil {
			t.Fatal(err)
		}
		invalidated := e.user(t)
		if _, err := e.users.ChangeStatus(e.ctx, db, e.admin, invalidated, usermgmt.StatusInvalidated, "fraud"); err != nil {
			t.Fatal(err)
		}
		erased := e.user(t)
		e.exec(t, "UPDATE userdesk_users SET deleted_at = ?, deleted_by = ? WHERE id = ?", time.Now().UTC(), e.admin, erased)
		ok := impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 1"}
		ctxImp := impersonation.NewContext(e.ctx, &impersonation.Impersonation{UserID: user, OperatorID: e.admin})
		before := e.count(t, "SELECT count(*) FROM userdesk_audit_log")

		invalidField := func(field string) func(*testing.T, error) {
			return func(t *testing.T, err error) {
				var verr *usermgmt.ValidationError
				if !errors.As(err, &verr) || !verr.Has(field) || !errors.Is(err, usermgmt.ErrInvalid) {
					t.Fatalf("err = %v, want a validation error on %s", err, field)
				}
			}
		}
		is := func(target error) func(*testing.T, error) {
			return func(t *testing.T, err error) {
				if !errors.Is(err, target) {
					t.Fatalf("err = %v, want %v", err, target)
				}
			}
		}
		for _, tc := range []struct {
			name string
			ctx  bool // issue from an impersonated context
			edit func(*impersonation.IssueRequest)
			want func(*testing.T, error)
		}{
			{"empty reason", false, func(r *impersonation.IssueRequest) { r.Reason = "" }, invalidField("reason")},
			{"blank reason", false, func(r *impersonation.IssueRequest) { r.Reason = " \t\n" }, invalidField("reason")},
			{"reason too long", false, func(r *impersonation.IssueRequest) { r.Reason = strings.Repeat("x", 1001) }, invalidField("reason")},
			{"lifetime above the cap", false, func(r *impersonation.IssueRequest) { r.TTL = time.Hour + time.Second }, invalidField("ttl")},
			{"negative lifetime", false, func(r *impersonation.IssueRequest) { r.TTL = -time.Minute }, invalidField("ttl")},
			{"unknown scope", false, func(r *impersonation.IssueRequest) { r.Scope = "admin" }, invalidField("scope")},
			{"unknown landing", false, func(r *impersonation.IssueRequest) { r.Landing = "settings" }, invalidField("landing")},
			{"no user", false, func(r *impersonation.IssueRequest) { r.UserID = uuid.Nil }, invalidField("user_id")},
			{"operator without the permission", false, func(r *impersonation.IssueRequest) { r.OperatorID = e.reader }, is(usermgmt.ErrForbidden)},
			{"deactivated operator", false, func(r *impersonation.IssueRequest) { r.OperatorID = inactive }, is(usermgmt.ErrForbidden)},
			{"unknown operator", false, func(r *impersonation.IssueRequest) { r.OperatorID = uuid.Must(uuid.NewV7()) }, is(usermgmt.ErrForbidden)},
			{"unknown user", false, func(r *impersonation.IssueRequest) { r.UserID = uuid.Must(uuid.NewV7()) }, is(usermgmt.ErrNotFound)},
			{"an operator is not a user", false, func(r *impersonation.IssueRequest) { r.UserID = e.support2 }, is(usermgmt.ErrNotFound)},
			{"invalidated user", false, func(r *impersonation.IssueRequest) { r.UserID = invalidated }, is(impersonation.ErrUserRefused)},
			{"erased user", false, func(r *impersonation.IssueRequest) { r.UserID = erased }, is(impersonation.ErrUserRefused)},
			{"chain refused", true, func(*impersonation.IssueRequest) {}, is(impersonation.ErrChain)},
			{"chain refused even for another operator", true, func(r *impersonation.IssueRequest) { r.OperatorID = e.admin }, is(impersonation.ErrChain)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := ok
				tc.edit(&req)
				ctx := e.ctx
				if tc.ctx {
					ctx = ctxImp
				}
				got, err := e.imp.Issue(ctx, db, req)
				if got != nil {
					t.Fatalf("issued %+v", got.Record)
				}
				tc.want(t, err)
			})
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens"); n != 0 {
			t.Fatalf("refusals left %d records", n)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_audit_log"); n != before {
			t.Fatalf("refusals wrote %d audit records", n-before)
		}

		t.Run("invalidated user when the policy allows", func(t *testing.T) {
			lenient := e.sibling(t, func(c *impersonation.Config) { c.AllowInvalidated = true })
			is, err := lenient.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: invalidated, Reason: "see the ban screen"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lenient.Verify(e.ctx, db, is.Token); err != nil {
				t.Fatal(err)
			}
			// The strict service refuses the same token at verification.
			_, err = e.imp.Verify(e.ctx, db, is.Token)
			wantRefused(t, err, impersonation.CheckUser, impersonation.ErrUserRefused)
			// Erased users stay refused whatever the policy.
			if _, err := lenient.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: erased, Reason: "x"}); !errors.Is(err, impersonation.ErrUserRefused) {
				t.Fatalf("erased: %v", err)
			}
		})

		t.Run("verify-only ring", func(t *testing.T) {
			verifier := e.sibling(t, func(c *impersonation.Config) {
				c.Keys = impersonation.KeyRing{Keys: []impersonation.Key{{ID: "k1", Public: e.key.Public}}}
			})
			if _, err := verifier.Issue(e.ctx, db, ok); !errors.Is(err, impersonation.ErrNoSigningKey) {
				t.Fatalf("err = %v", err)
			}
			is := e.issue(t, e.support, user, impersonation.ScopeReadOnly)
			if _, err := verifier.Verify(e.ctx, db, is.Token); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("inside the host's transaction", func(t *testing.T) {
			// A failure later in the host's transaction takes the record
			// and its audit record with it.
			boom := errors.New("host failed")
			var id uuid.UUID
			err := db.RunInTx(e.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				is, err := e.imp.Issue(ctx, tx, ok)
				if err != nil {
					return err
				}
				id = is.Record.ID
				return boom
			})
			if !errors.Is(err, boom) || id == uuid.Nil {
				t.Fatalf("err = %v", err)
			}
			if e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens WHERE id = ?", id)+e.audits(t, impersonation.ActionIssue, id) != 0 {
				t.Fatal("rolled-back issue left a trace")
			}
		})
	})
}
