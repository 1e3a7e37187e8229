package verification_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/verification"
)

// TestDeliverThroughRealSenders runs the outbox through the SMTP mailer
// (to a real SMTP server) and the HTTP SMS sender (to the fake provider),
// and uses the link and the code as received.
func TestDeliverThroughRealSenders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		srv := startSMTP(t, true, false)
		mailer := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword,
			TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}})
		sms, fake, _ := newSMS(t, "+15005550006", created)
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = mailer; c.SMS = sms })
		u := e.user()
		if err := e.v.SendEmailVerification(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		if rep, err := e.v.Deliver(e.ctx, db, 0); err != nil || rep.Sent != 2 {
			t.Fatalf("deliver = %+v, %v", rep, err)
		}
		mails := srv.mails()
		if len(mails) != 1 {
			t.Fatalf("%d mails", len(mails))
		}
		// The parts are quoted-printable: undo the soft line breaks and
		// the "=" escape (the token alphabet needs no other).
		raw := strings.ReplaceAll(strings.ReplaceAll(string(mails[0].data), "=\r\n", ""), "=3D", "=")
		tok := tokenRE.FindStringSubmatch(raw)
		if tok == nil {
			t.Fatalf("no link in %s", raw)
		}
		e.secret(tok[1])
		if err := e.v.ConfirmEmail(e.ctx, db, tok[1]); err != nil {
			t.Fatal(err)
		}
		code := codeRE.FindStringSubmatch(fake.forms[0]["Body"])
		if code == nil || fake.forms[0]["To"] != u.Phone {
			t.Fatalf("sms = %v", fake.forms)
		}
		e.secret(code[1])
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code[1]); err != nil {
			t.Fatal(err)
		}
		if v := e.reload(u.ID).Verifications; !v.Email.Verified || !v.Phone.Verified {
			t.Fatalf("verifications = %+v", v)
		}
	})
}
