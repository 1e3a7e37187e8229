package verification_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func TestEmailLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		m := e.last(u.Email, verification.KindEmailVerification)
		if m.Language != "fr" || !strings.Contains(m.Subject, "Confirmez") || !strings.Contains(m.Text, "24 heures") {
			t.Fatalf("message = %s %q %q", m.Language, m.Subject, m.Text)
		}
		tok := e.token(u.Email, verification.KindEmailVerification)
		if !strings.Contains(m.Text, "https://app.example/verify-email?token="+tok) {
			t.Fatalf("link in %q", m.Text)
		}
		if n := e.count("SELECT count(*) FROM userdesk_verification_tokens WHERE token_hash = ?", tok); n != 0 {
			t.Fatal("the token is stored in clear")
		}

		t.Run("wrong token", func(t *testing.T) {
			for _, bad := range []string{"", "nope", strings.Repeat("a", 43)} {
				if err := e.v.ConfirmEmail(e.ctx, db, bad); !errors.Is(err, verification.ErrInvalidLink) {
					t.Fatalf("%q: %v", bad, err)
				}
			}
		})
		if err := e.v.ConfirmEmail(e.ctx, db, tok); err != nil {
			t.Fatal(err)
		}
		got := e.reload(u.ID).Verifications.Email
		if !got.Verified || !got.BySystem() {
			t.Fatalf("flag = %+v", got)
		}
		if !slices.Contains(e.auditActions(u.ID), verification.ActionEmailVerified) {
			t.Fatalf("audit = %v", e.auditActions(u.ID))
		}
		t.Run("reuse", func(t *testing.T) {
			if err := e.v.ConfirmEmail(e.ctx, db, tok); !errors.Is(err, verification.ErrInvalidLink) {
				t.Fatalf("second use: %v", err)
			}
		})
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); !errors.Is(err, verification.ErrAlreadyVerified) {
			t.Fatalf("verified user: %v", err)
		}
	})
}

func TestEmailLinkExpiresAndIsReplaced(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(func(r *usermgmt.Registration) { r.PreferredLanguage = "" })

		t.Run("expiry", func(t *testing.T) {
			if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
				t.Fatal(err)
			}
			tok := e.token(u.Email, verification.KindEmailVerification)
			e.clock.Advance(24 * time.Hour)
			if err := e.v.ConfirmEmail(e.ctx, db, tok); !errors.Is(err, verification.ErrInvalidLink) {
				t.Fatalf("expired link: %v", err)
			}
		})
		t.Run("asking again voids the previous link", func(t *testing.T) {
			if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
				t.Fatal(err)
			}
			first := e.token(u.Email, verification.KindEmailVerification)
			if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
				t.Fatal(err)
			}
			second := e.token(u.Email, verification.KindEmailVerification)
			if err := e.v.ConfirmEmail(e.ctx, db, first); !errors.Is(err, verification.ErrInvalidLink) {
				t.Fatalf("replaced link: %v", err)
			}
			e.clock.Advance(24*time.Hour - time.Second)
			if err := e.v.ConfirmEmail(e.ctx, db, second); err != nil {
				t.Fatalf("latest link, a second before expiry: %v", err)
			}
		})
	})
}

func TestEmailChangeVoidsLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindEmailVerification)
		other := "elsewhere-" + u.ID.String() + "@example.org"
		if _, err := e.users.UpdateOwnProfile(e.ctx, db, u.ID, usermgmt.UserUpdate{Version: u.Version, Email: &other}); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ConfirmEmail(e.ctx, db, tok); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("link for the old address: %v", err)
		}
		if e.reload(u.ID).Verifications.Email.Verified {
			t.Fatal("the new address is verified by the old link")
		}
		if got := e.messages(other); len(got) != 0 {
			t.Fatalf("SendAfterEmailChange is off, yet %d messages went to the new address", len(got))
		}
	})
}

func TestSendAfterEmailChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.SendAfterEmailChange = true })
		u := e.user()
		op := usermgmtOperator(t, e, usermgmt.RoleSupport)
		other := "moved-" + u.ID.String() + "@example.org"
		if _, err := e.users.UpdateUser(e.ctx, db, op, u.ID, usermgmt.UserUpdate{Version: u.Version, Email: &other}); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ConfirmEmail(e.ctx, db, e.token(other, verification.KindEmailVerification)); err != nil {
			t.Fatal(err)
		}
		if !e.reload(u.ID).Verifications.Email.Verified {
			t.Fatal("not verified")
		}
	})
}

func TestConcurrentLinkConfirmations(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindEmailVerification)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.v.ConfirmEmail(e.ctx, db, tok)
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
			t.Fatalf("%d confirmations won: %v", wins, errs)
		}
		var audits int
		for _, a := range e.auditActions(u.ID) {
			if a == verification.ActionEmailVerified {
				audits++
			}
		}
		if audits != 1 {
			t.Fatalf("%d audit records", audits)
		}
	})
}
