package impersonation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestTokenEndsWithItsOperatorSession: a token issued from an operator
// session is refused once that session ends, whatever its expiry says.
func TestTokenEndsWithItsOperatorSession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		session, _, err := e.users.StartSession(e.ctx, db, usermgmt.OperatorSession, e.support, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 9", OperatorSession: session})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.imp.Verify(e.ctx, db, is.Token); err != nil {
			t.Fatalf("while the session lives: %v", err)
		}
		if err := e.users.EndSession(e.ctx, db, session); err != nil {
			t.Fatal(err)
		}
		_, err = e.imp.Verify(e.ctx, db, is.Token)
		wantRefused(t, err, impersonation.CheckSession, impersonation.ErrOperatorRefused)

		// Another operator's session cannot vouch for a token, and an
		// ended session cannot issue one.
		other, _, _ := e.users.StartSession(e.ctx, db, usermgmt.OperatorSession, e.admin, time.Hour)
		if _, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "x", OperatorSession: other}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("issue from another operator's session: %v", err)
		}
		if _, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "x", OperatorSession: session}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("issue from an ended session: %v", err)
		}

		// Expiry of the session ends the token too.
		short, _, _ := e.users.StartSession(e.ctx, db, usermgmt.OperatorSession, e.support, time.Minute)
		is, err = e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 10", OperatorSession: short})
		if err != nil {
			t.Fatal(err)
		}
		later := newEnvSharing(t, e, 2*time.Minute)
		_, err = later.Verify(e.ctx, db, is.Token)
		wantRefused(t, err, impersonation.CheckSession, impersonation.ErrOperatorRefused)
	})
}

// newEnvSharing returns an impersonation service whose clock and whose
// users service's clock run d ahead of e's.
func newEnvSharing(t *testing.T, e *env, d time.Duration) *impersonation.Service {
	t.Helper()
	now := func() time.Time { return e.clock.Now().Add(d) }
	users := usermgmttest.NewService(t, usermgmt.Config{Now: now})
	s, err := impersonation.New(impersonation.Config{Users: users, Audience: audience, Now: now, Keys: impersonation.KeyRing{Keys: []impersonation.Key{e.key}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenIssuedInTheFutureIsRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		// An issuer whose clock runs an hour ahead signs iat = nbf in the
		// future; a token with nbf in the past but iat in the future is
		// made by the same clock, so the iat check is what refuses it.
		ahead := e.sibling(t, func(c *impersonation.Config) { c.Now = func() time.Time { return e.clock.Now().Add(time.Hour) } })
		is, err := ahead.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 3"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.imp.Verify(e.ctx, db, is.Token)
		wantRefused(t, err, impersonation.CheckNotYetValid, impersonation.ErrNotYetValid)
		// Within the skew allowance it is accepted.
		slight := e.sibling(t, func(c *impersonation.Config) {
			c.Now = func() time.Time { return e.clock.Now().Add(impersonation.DefaultClockSkew / 2) }
		})
		is, err = slight.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: "ticket 4"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.imp.Verify(e.ctx, db, is.Token); err != nil {
			t.Fatalf("within the skew: %v", err)
		}
	})
}

func TestReasonStaysServerSideAndIsErased(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		user := e.user(t)
		const reason = "Camille Durand called about ticket 8812"
		is, err := e.imp.Issue(e.ctx, db, impersonation.IssueRequest{OperatorID: e.support, UserID: user, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		payload, footer := parts(t, is.Token)
		if strings.Contains(string(payload)+string(footer), "ticket 8812") {
			t.Fatal("the token carries the reason")
		}
		imp, err := e.imp.Verify(e.ctx, db, is.Token)
		if err != nil || imp.Reason != reason {
			t.Fatalf("verified reason %q (%v), want it from the record", imp.Reason, err)
		}
		if err := e.users.EraseUser(e.ctx, db, e.admin, user, "GDPR ticket 9"); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_impersonation_tokens WHERE reason LIKE '%8812%'"); n != 0 {
			t.Fatalf("%d token records keep the reason after the erasure", n)
		}
		if n := e.count(t, "SELECT count(*) FROM userdesk_audit_reasons WHERE reason LIKE '%8812%'"); n != 0 {
			t.Fatalf("%d audit reasons keep it after the erasure", n)
		}
	})
}

// TestImpersonationSeesWhatTheRoleMay: under an impersonation, usermgmt's
// own-account reads mask what the operator's role may not see, and every
// clear view is audited.
func TestImpersonationSeesWhatTheRoleMay(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := usermgmttest.User(t, e.users, db)
		for _, tc := range []struct {
			name   string
			op     uuid.UUID
			masked bool
		}{{"support", e.support, true}, {"finance", usermgmttest.Operator(t, e.users, db, usermgmt.RoleFinance).ID, false}} {
			t.Run(tc.name, func(t *testing.T) {
				is := e.issue(t, tc.op, u.ID, impersonation.ScopeReadOnly)
				imp, err := e.imp.Verify(e.ctx, db, is.Token)
				if err != nil {
					t.Fatal(err)
				}
				ctx := impersonation.NewContext(context.Background(), imp)
				before := e.count(t, "SELECT count(*) FROM userdesk_audit_log WHERE action = ? AND operator_id = ?", usermgmt.ActionPersonalDataView, tc.op)
				me, err := e.users.GetOwnUser(ctx, db, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if me.Masked != tc.masked || (me.Email == u.Email) == tc.masked || (me.DateOfBirth == nil) != tc.masked ||
					(me.PostalAddress.Line1 == u.PostalAddress.Line1) == tc.masked {
					t.Fatalf("masked=%v: email %q, dob %v, postal %q", me.Masked, me.Email, me.DateOfBirth, me.PostalAddress.Line1)
				}
				after := e.count(t, "SELECT count(*) FROM userdesk_audit_log WHERE action = ? AND operator_id = ?", usermgmt.ActionPersonalDataView, tc.op)
				if want := map[bool]int{true: 0, false: 1}[tc.masked]; after-before != want {
					t.Fatalf("%d reveal records, want %d", after-before, want)
				}
				if err := e.users.ChangeOwnPassword(ctx, db, u.ID, "correct horse battery staple", "a brand new passphrase 42"); !errors.Is(err, usermgmt.ErrUnderImpersonation) || !errors.Is(err, usermgmt.ErrForbidden) {
					t.Fatalf("password change under impersonation: %v", err)
				}
				if err := e.users.SetOwnBankAccount(ctx, db, u.ID, usermgmt.BankAccount{Holder: "Op", IBAN: "FR1420041010050500013M02606"}); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
					t.Fatalf("bank account under impersonation: %v", err)
				}
				if _, _, err := e.users.InviteGuest(ctx, db, u.ID, usermgmt.GuestInvite{Email: "op@evil.example", Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}}); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
					t.Fatalf("guest invitation under impersonation: %v", err)
				}
				if _, err := e.users.AcceptInvitation(ctx, db, "some-token", u.ID); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
					t.Fatalf("accepting an invitation under impersonation: %v", err)
				}
				if err := impersonation.NotImpersonated(ctx); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
					t.Fatalf("guard: %v", err)
				}
			})
		}
		if err := impersonation.NotImpersonated(context.Background()); err != nil {
			t.Fatalf("guard without impersonation: %v", err)
		}
	})
}
