package verification_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

func TestRegisterExistingEmailAnswersLikeANewOne(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.SendAtRegistration = true })
		fresh := usermgmttest.Registration()
		if err := e.v.Register(e.ctx, db, fresh, client); err != nil {
			t.Fatal(err)
		}
		u, err := e.users.FindUserByEmail(e.ctx, db, fresh.Email)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.v.ConfirmEmail(e.ctx, db, e.token(fresh.Email, verification.KindEmailVerification)); err != nil {
			t.Fatal(err)
		}

		again := usermgmttest.Registration()
		again.Email = strings.ToUpper(fresh.Email)
		again.FirstName = "Mallory"
		before := e.count("SELECT count(*) FROM userdesk_users")
		if err := e.v.Register(e.ctx, db, again, client); err != nil {
			t.Fatalf("existing address answers %v, a new one nil", err)
		}
		if e.count("SELECT count(*) FROM userdesk_users") != before {
			t.Fatal("a second account was created")
		}
		m := e.last(fresh.Email, verification.KindRegistrationAttempt)
		if m.UserID == nil || *m.UserID != u.ID || !strings.Contains(m.Text, "Camille") || strings.Contains(m.Text, "Mallory") {
			t.Fatalf("notice = %+v", m)
		}
		if got := e.reload(u.ID); got.FirstName != "Camille" || !got.Verifications.Email.Verified {
			t.Fatalf("the account changed: %+v", got)
		}

		// Validation answers the same on both paths.
		bad := again
		bad.FirstName = ""
		var v1, v2 *usermgmt.ValidationError
		errTaken := e.v.Register(e.ctx, db, bad, client)
		bad.Email = "nobody-" + u.ID.String() + "@example.com"
		errNew := e.v.Register(e.ctx, db, bad, client)
		if !errors.As(errTaken, &v1) || !errors.As(errNew, &v2) || errTaken.Error() != errNew.Error() {
			t.Fatalf("validation differs: %v / %v", errTaken, errNew)
		}
	})
}

func TestRateLimitsAnswerAlikeForKnownAndUnknownAddresses(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		unknown := "nobody-" + u.ID.String() + "@example.com"
		for _, addr := range []string{u.Email, unknown} {
			var errs []string
			for range 6 {
				err := e.v.RequestPasswordReset(e.ctx, db, addr, verification.Client{IP: addr})
				if err == nil {
					errs = append(errs, "nil")
				} else {
					errs = append(errs, err.Error())
				}
			}
			if strings.Join(errs[:5], ",") != "nil,nil,nil,nil,nil" || !strings.Contains(errs[5], "(address)") {
				t.Fatalf("%s: %v", addr, errs)
			}
		}
		if n := len(e.messages(unknown)); n != 5 {
			t.Fatalf("%d messages to the unknown address", n)
		}
		if m := e.last(unknown, verification.KindNoAccount); m.UserID != nil || m.Language != "en" {
			t.Fatalf("no-account notice = %+v", m)
		}
		// The window ends on the hour.
		e.clock.Advance(time.Hour)
		if err := e.v.RequestPasswordReset(e.ctx, db, unknown, client); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRateLimitPerClient(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *verification.Config) { c.Limits.PerClient = verification.Limit{Max: 3, Window: time.Hour} })
		c := verification.Client{IP: "198.51.100.1", Language: "fr-CA"}
		for i := range 3 {
			addr := "probe" + string(rune('a'+i)) + "@example.com"
			if err := e.v.ResendEmailVerification(e.ctx, db, addr, c); err != nil {
				t.Fatal(err)
			}
			if m := e.last(addr, verification.KindNoAccount); m.Language != "fr" {
				t.Fatalf("language %s", m.Language)
			}
		}
		var rl *verification.RateLimitError
		if err := e.v.ResendEmailVerification(e.ctx, db, "probez@example.com", c); !errors.As(err, &rl) || rl.Scope != "client" || rl.RetryAfter <= 0 {
			t.Fatalf("fourth address from one client: %v", err)
		}
		if len(e.messages("probez@example.com")) != 0 {
			t.Fatal("a refused request queued a message")
		}
		if err := e.v.ResendEmailVerification(e.ctx, db, "probez@example.com", verification.Client{IP: "198.51.100.2"}); err != nil {
			t.Fatalf("another client: %v", err)
		}
	})
}

func TestResendEmailVerification(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		if err := e.v.ResendEmailVerification(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		first := e.token(u.Email, verification.KindEmailVerification)
		if err := e.v.ResendEmailVerification(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ConfirmEmail(e.ctx, db, first); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("replaced link: %v", err)
		}
		if err := e.v.ConfirmEmail(e.ctx, db, e.token(u.Email, verification.KindEmailVerification)); err != nil {
			t.Fatal(err)
		}
		var v *usermgmt.ValidationError
		if err := e.v.ResendEmailVerification(e.ctx, db, "x", client); !errors.As(err, &v) || !v.Has("email") {
			t.Fatalf("malformed: %v", err)
		}
	})
}

func TestNoEnumerationAnswersWaitOutTheFloor(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		const floor = time.Hour // longer than any call's work
		e := newEnv(t, db, func(c *verification.Config) { c.AnswerFloor = floor })
		u := e.user()
		mover := e.user()
		unknown := "nobody-" + u.ID.String() + "@example.com"
		calls := map[string]func() error{
			"register taken": func() error {
				r := usermgmttest.Registration()
				r.Email = u.Email
				return e.v.Register(e.ctx, db, r, client)
			},
			"register new":      func() error { return e.v.Register(e.ctx, db, usermgmttest.Registration(), client) },
			"reset known":       func() error { return e.v.RequestPasswordReset(e.ctx, db, u.Email, client) },
			"reset unknown":     func() error { return e.v.RequestPasswordReset(e.ctx, db, unknown, client) },
			"resend known":      func() error { return e.v.ResendEmailVerification(e.ctx, db, u.Email, client) },
			"resend unknown":    func() error { return e.v.ResendEmailVerification(e.ctx, db, unknown, client) },
			"change to taken":   func() error { return e.v.RequestEmailChange(e.ctx, db, mover.ID, u.Email, client) },
			"change to free":    func() error { return e.v.RequestEmailChange(e.ctx, db, mover.ID, unknown, client) },
			"malformed address": func() error { return e.v.RequestPasswordReset(e.ctx, db, "x", client) },
		}
		for name, call := range calls {
			e.takeSleeps()
			err := call()
			if name != "malformed address" && err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := e.takeSleeps()
			if len(got) != 1 || got[0] <= 0 || got[0] > floor {
				t.Fatalf("%s: waits %v, want one wait filling the floor", name, got)
			}
		}
		// Flows that may tell (the user is logged in and names their own
		// data) do not wait.
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if got := e.takeSleeps(); len(got) != 0 {
			t.Fatalf("SendEmailVerification waited %v", got)
		}
	})
}

func TestRateLimitPerUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		var rl *verification.RateLimitError
		for i := range 11 {
			addr := "next" + string(rune('a'+i)) + "-" + u.ID.String() + "@example.org"
			err := e.v.RequestEmailChange(e.ctx, db, u.ID, addr, verification.Client{IP: addr})
			switch {
			case i < 10 && err != nil:
				t.Fatalf("request %d: %v", i, err)
			case i == 10 && (!errors.As(err, &rl) || rl.Scope != "user"):
				t.Fatalf("eleventh request of the hour: %v", err)
			}
		}
		// The same address, asked for the sixth time in the hour, is
		// refused per address.
		e.clock.Advance(time.Hour)
		for i := range 6 {
			err := e.v.SendEmailVerification(e.ctx, db, u.ID, verification.Client{})
			if i < 5 && err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			if i == 5 && (!errors.As(err, &rl) || rl.Scope != "address") {
				t.Fatalf("sixth send: %v", err)
			}
		}
	})
}

func TestOutboxAndDeliverRefuseBadLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	for _, limit := range []int{-1, 501} {
		var v *usermgmt.ValidationError
		if _, err := e.v.Outbox(e.ctx, e.db, verification.OutboxFilter{Limit: limit}); !errors.As(err, &v) || !v.Has("limit") {
			t.Fatalf("outbox limit %d: %v", limit, err)
		}
	}
	if _, err := e.v.Deliver(e.ctx, e.db, 1001); !errors.Is(err, usermgmt.ErrInvalid) {
		t.Fatalf("deliver limit: %v", err)
	}
	u := e.user()
	other := e.user()
	if err := e.v.SendEmailVerification(e.ctx, e.db, u.ID, client); err != nil {
		t.Fatal(err)
	}
	if err := e.v.SendEmailVerification(e.ctx, e.db, other.ID, client); err != nil {
		t.Fatal(err)
	}
	ms, err := e.v.Outbox(e.ctx, e.db, verification.OutboxFilter{UserID: &u.ID})
	if err != nil || len(ms) != 1 || ms[0].To != u.Email {
		t.Fatalf("by user: %+v, %v", ms, err)
	}
}
