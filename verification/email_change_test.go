package verification_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func TestEmailChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		// A pending reset link is bound to the old address.
		if err := e.v.RequestPasswordReset(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		reset := e.token(u.Email, verification.KindPasswordReset)

		next := "Next." + u.ID.String() + "@Example.org"
		if err := e.v.RequestEmailChange(e.ctx, db, u.ID, next, client); err != nil {
			t.Fatal(err)
		}
		if got := e.reload(u.ID).Email; got != u.Email {
			t.Fatalf("address changed before confirmation: %s", got)
		}
		m := e.last(next, verification.KindEmailChange)
		if !strings.Contains(m.Text, next) || m.Language != "fr" {
			t.Fatalf("message = %s %q", m.Language, m.Text)
		}
		tok := e.token(next, verification.KindEmailChange)
		if err := e.v.ConfirmEmailChange(e.ctx, db, tok); err != nil {
			t.Fatal(err)
		}
		got := e.reload(u.ID)
		if got.Email != next || !got.Verifications.Email.Verified || !got.Verifications.Email.BySystem() {
			t.Fatalf("after confirmation: %s %+v", got.Email, got.Verifications.Email)
		}
		told := e.last(u.Email, verification.KindEmailChanged)
		if !strings.Contains(told.Text, next) {
			t.Fatalf("old address told %q", told.Text)
		}
		if !slices.Contains(e.auditActions(u.ID), verification.ActionEmailChanged) {
			t.Fatalf("audit = %v", e.auditActions(u.ID))
		}
		if err := e.v.ConfirmEmailChange(e.ctx, db, tok); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("reuse: %v", err)
		}
		if err := e.v.ResetPassword(e.ctx, db, reset, "a brand new passphrase"); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("reset link of the old address: %v", err)
		}
		if len(e.messages(next)) != 1 {
			t.Fatalf("the new address got a verification link too: %v", e.messages(next))
		}
	})
}

func TestEmailChangeToTakenAddress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		owner := e.user(func(r *usermgmt.Registration) { r.PreferredLanguage = "pt-BR" })
		before := e.count("SELECT count(*) FROM userdesk_verification_tokens")
		if err := e.v.RequestEmailChange(e.ctx, db, u.ID, strings.ToUpper(owner.Email), client); err != nil {
			t.Fatalf("a taken address answers differently: %v", err)
		}
		m := e.last(owner.Email, verification.KindEmailChangeAttempt)
		if m.Language != "en" || m.UserID == nil || *m.UserID != owner.ID {
			t.Fatalf("attempt notice = %+v", m)
		}
		if e.count("SELECT count(*) FROM userdesk_verification_tokens") != before {
			t.Fatal("a link was made for a taken address")
		}
		if e.reload(u.ID).Email != u.Email {
			t.Fatal("address changed")
		}
	})
}

func TestEmailChangeValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		for _, bad := range []string{"", "not an address", "Ann <ann@example.com>", strings.ToLower(u.Email)} {
			err := e.v.RequestEmailChange(e.ctx, db, u.ID, bad, client)
			var v *usermgmt.ValidationError
			if !errors.As(err, &v) || !v.Has("email") {
				t.Fatalf("%q: %v", bad, err)
			}
		}
	})
}

func TestCredentialChangesRefusedUnderImpersonation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		op := usermgmtOperator(t, e, usermgmt.RoleSupport)
		imp := usermgmt.WithImpersonator(e.ctx, usermgmt.Impersonator{OperatorID: op})
		next := "taken-over-" + u.ID.String() + "@example.org"
		if err := e.v.RequestEmailChange(imp, db, u.ID, next, client); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
			t.Fatalf("email change: %v", err)
		}
		if len(e.messages(next)) != 0 {
			t.Fatal("a link went out")
		}
		if err := e.v.RequestEmailChange(e.ctx, db, u.ID, next, client); err != nil {
			t.Fatal(err)
		}
		change := e.token(next, verification.KindEmailChange)
		if err := e.v.ConfirmEmailChange(imp, db, change); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
			t.Fatalf("confirm: %v", err)
		}
		if err := e.v.RequestPasswordReset(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		reset := e.token(u.Email, verification.KindPasswordReset)
		if err := e.v.ResetPassword(imp, db, reset, newPassword); !errors.Is(err, usermgmt.ErrUnderImpersonation) {
			t.Fatalf("reset: %v", err)
		}
		// Both links still work for the user.
		if err := e.v.ResetPassword(e.ctx, db, reset, newPassword); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ConfirmEmailChange(e.ctx, db, change); err != nil {
			t.Fatal(err)
		}
	})
}
