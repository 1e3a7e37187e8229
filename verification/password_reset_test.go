package verification_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

const newPassword = "a brand new passphrase"

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		e.secret(newPassword)
		session, _, err := e.users.StartSession(e.ctx, db, usermgmt.UserSession, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.v.RequestPasswordReset(e.ctx, db, " "+u.Email+" ", client); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindPasswordReset)
		if m := e.last(u.Email, verification.KindPasswordReset); m.Language != "fr" {
			t.Fatalf("language %s", m.Language)
		}
		var v *usermgmt.ValidationError
		if err := e.v.ResetPassword(e.ctx, db, tok, "short"); !errors.As(err, &v) || !v.Has("password") {
			t.Fatalf("short password: %v", err)
		}
		if err := e.v.ResetPassword(e.ctx, db, tok, newPassword); err != nil {
			t.Fatalf("the refused password spent the link: %v", err)
		}
		if _, err := e.users.ResolveSession(e.ctx, db, usermgmt.UserSession, session); !errors.Is(err, usermgmt.ErrSessionInvalid) {
			t.Fatalf("session survived: %v", err)
		}
		if _, err := e.users.Authenticate(e.ctx, db, u.Email, newPassword); err != nil {
			t.Fatalf("new password: %v", err)
		}
		e.last(u.Email, verification.KindPasswordChanged)
		if !slices.Contains(e.auditActions(u.ID), verification.ActionPasswordReset) {
			t.Fatalf("audit = %v", e.auditActions(u.ID))
		}
		if err := e.v.ResetPassword(e.ctx, db, tok, "another new passphrase"); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("reuse: %v", err)
		}
	})
}

func TestPasswordResetLinkExpiresInAnHour(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.RequestPasswordReset(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindPasswordReset)
		e.clock.Advance(time.Hour)
		if err := e.v.ResetPassword(e.ctx, db, tok, newPassword); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("expired: %v", err)
		}
	})
}

func TestConcurrentResets(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.RequestPasswordReset(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindPasswordReset)
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.v.ResetPassword(e.ctx, db, tok, newPassword)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if !errors.Is(err, verification.ErrInvalidLink) {
				t.Errorf("loser: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d resets won: %v", wins, errs)
		}
	})
}

func TestOperatorSendsPasswordReset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		finance := usermgmtOperator(t, e, usermgmt.RoleFinance)
		if err := e.v.SendPasswordReset(e.ctx, db, finance, u.ID); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		if len(e.messages(u.Email)) != 0 {
			t.Fatal("a refused request queued a message")
		}
		support := usermgmtOperator(t, e, usermgmt.RoleSupport)
		if err := e.v.SendPasswordReset(e.ctx, db, support, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ResetPassword(e.ctx, db, e.token(u.Email, verification.KindPasswordReset), newPassword); err != nil {
			t.Fatal(err)
		}
		if got := e.auditActions(u.ID); !slices.Contains(got, verification.ActionPasswordResetSent) {
			t.Fatalf("audit = %v", got)
		}
		if err := e.v.SendPasswordReset(e.ctx, db, support, [16]byte{1}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}
