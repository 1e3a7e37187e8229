package verification_test

import (
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/verification"
)

func TestSweep(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := &fakeSender{}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = f })
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.Deliver(e.ctx, db, 0); err != nil { // the email is sent, the SMS stays pending
			t.Fatal(err)
		}
		if n, err := e.v.Sweep(e.ctx, db); err != nil || n != 0 {
			t.Fatalf("fresh sweep = %d, %v", n, err)
		}
		e.clock.Advance(31 * 24 * time.Hour)
		fresh := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, fresh.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.Sweep(e.ctx, db); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{
			"SELECT count(*) FROM userdesk_verification_tokens":                            1, // the fresh link
			"SELECT count(*) FROM userdesk_verification_codes":                             0,
			"SELECT count(*) FROM userdesk_verification_messages WHERE status = 'sent'":    0,
			"SELECT count(*) FROM userdesk_verification_messages WHERE status = 'pending'": 2, // the old SMS and the fresh email
			"SELECT count(*) FROM userdesk_verification_throttle":                          3, // the fresh request: address, user, client
		} {
			if got := e.count(q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		if err := e.v.ConfirmEmail(e.ctx, db, e.token(fresh.Email, verification.KindEmailVerification)); err != nil {
			t.Fatal(err)
		}
	})
}
