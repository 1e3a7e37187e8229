package verification_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// fakeSender records what it is asked to send and fails on demand.
type fakeSender struct {
	mu     sync.Mutex
	emails []verification.Email
	sms    []verification.SMS
	fail   error
}

func (f *fakeSender) Send(_ context.Context, m verification.Email) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.emails = append(f.emails, m)
	return nil
}

type fakeSMS struct{ *fakeSender }

func (f fakeSMS) Send(_ context.Context, m verification.SMS) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sms = append(f.sms, m)
	return nil
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := &fakeSender{}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = f; c.SMS = fakeSMS{f} })
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		rep, err := e.v.Deliver(e.ctx, db, 0)
		if err != nil || rep != (verification.DeliveryReport{Sent: 2}) {
			t.Fatalf("deliver = %+v, %v", rep, err)
		}
		if len(f.emails) != 1 || f.emails[0].To != u.Email || f.emails[0].HTML == "" || f.emails[0].Language != "fr" {
			t.Fatalf("emails = %+v", f.emails)
		}
		if len(f.sms) != 1 || f.sms[0].To != u.Phone || f.sms[0].Text == "" {
			t.Fatalf("sms = %+v", f.sms)
		}
		for _, m := range append(e.messages(u.Email), e.messages(u.Phone)...) {
			if m.Status != verification.StatusSent || m.Text != "" || m.HTML != "" || m.SentAt == nil {
				t.Fatalf("sent message kept its body: %+v", m)
			}
		}
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep != (verification.DeliveryReport{}) {
			t.Fatalf("second deliver = %+v", rep)
		}
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeliverRetriesAndGivesUp(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := &fakeSender{fail: errors.New("421 try later")}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = f; c.DeliveryAttempts = 3 })
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep.Retried != 1 {
			t.Fatalf("first = %+v", rep)
		}
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep != (verification.DeliveryReport{}) {
			t.Fatalf("before the back-off ends = %+v", rep)
		}
		e.clock.Advance(time.Minute)
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep.Retried != 1 {
			t.Fatalf("second = %+v", rep)
		}
		e.clock.Advance(2 * time.Minute)
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep.Failed != 1 {
			t.Fatalf("third = %+v", rep)
		}
		m := e.messages(u.Email)[0]
		if m.Status != verification.StatusFailed || m.Attempts != 3 || m.LastError != "421 try later" {
			t.Fatalf("message = %+v", m)
		}

		f.fail = fmt.Errorf("550 no such user: %w", verification.ErrPermanent)
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep.Failed != 1 {
			t.Fatalf("permanent = %+v", rep)
		}
	})
}

func TestDeliverWithoutSenderKeepsTheOutbox(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := &fakeSender{}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = f })
		u := e.user()
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if rep, _ := e.v.Deliver(e.ctx, db, 0); rep != (verification.DeliveryReport{}) {
			t.Fatalf("deliver = %+v", rep)
		}
		if m := e.last(u.Phone, verification.KindPhoneCode); m.Status != verification.StatusPending || m.Text == "" {
			t.Fatalf("message = %+v", m)
		}
	})
}

func TestConcurrentDeliverSendsEachMessageOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := &fakeSender{}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = f; c.KeepSentBodies = true })
		const users = 6
		for range users {
			if err := e.v.ResendEmailVerification(e.ctx, db, e.user().Email, verification.Client{}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.v.Deliver(e.ctx, db, 0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(f.emails) != users {
			t.Fatalf("%d emails sent for %d messages", len(f.emails), users)
		}
		seen := map[string]bool{}
		for _, m := range f.emails {
			if seen[m.ID] {
				t.Fatalf("message %s sent twice", m.ID)
			}
			seen[m.ID] = true
		}
		if ms := e.messages(f.emails[0].To); ms[0].Text == "" {
			t.Fatal("KeepSentBodies did not keep the body")
		}
	})
}

func TestEraseDeletesVerificationData(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user()
		admin := usermgmtOperator(t, e, usermgmt.RoleAdmin)
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.SetIDVerification(e.ctx, db, admin, u.ID, verification.IDEvidence{Verified: true, Reason: "seen"}); err != nil {
			t.Fatal(err)
		}
		tok := e.token(u.Email, verification.KindEmailVerification)
		if err := e.users.EraseUser(e.ctx, db, admin, u.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"userdesk_verification_tokens", "userdesk_verification_codes", "userdesk_verification_messages", "userdesk_id_verifications"} {
			if n := e.count("SELECT count(*) FROM "+table+" WHERE user_id = ?", u.ID); n != 0 {
				t.Errorf("%s keeps %d rows", table, n)
			}
		}
		if err := e.v.ConfirmEmail(e.ctx, db, tok); !errors.Is(err, verification.ErrInvalidLink) {
			t.Fatalf("link of an erased user: %v", err)
		}
	})
}

// notifySender reports every email it sends on a channel.
type notifySender struct{ sent chan verification.Email }

func (n notifySender) Send(_ context.Context, m verification.Email) error {
	n.sent <- m
	return nil
}

func TestRunDelivery(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		n := notifySender{sent: make(chan verification.Email, 10)}
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = n })
		u := e.user()
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan error, 1)
		go func() { done <- e.v.RunDelivery(ctx, db, time.Millisecond) }()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		got := <-n.sent // waits until the loop delivered it
		if got.To != u.Email {
			t.Fatalf("sent %+v", got)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunDelivery returned %v", err)
		}
	})
}
