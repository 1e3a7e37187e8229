package verification_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

// TestNoSecretInLogs runs every flow that handles a secret, with failing
// and succeeding deliveries, under a debug logger, and looks for each
// secret in the log.
func TestNoSecretInLogs(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		srv := startSMTP(t, true, false)
		wrongAuth := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword + "-wrong",
			TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}})
		sms, _, _ := newSMS(t, "+15005550006", status(400, "", `{"code":21211,"message":"Invalid 'To' Phone Number"}`))
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = wrongAuth; c.SMS = sms; c.SendAtRegistration = true })
		reg := usermgmttest.Registration()
		e.secret(reg.Password)
		e.secret(smtpPassword)
		e.secret(twilioToken)
		if err := e.v.Register(e.ctx, db, reg, client); err != nil {
			t.Fatal(err)
		}
		u, err := e.users.FindUserByEmail(e.ctx, db, reg.Email)
		if err != nil {
			t.Fatal(err)
		}
		e.token(u.Email, verification.KindEmailVerification)
		if err := e.v.RequestPasswordReset(e.ctx, db, u.Email, client); err != nil {
			t.Fatal(err)
		}
		reset := e.token(u.Email, verification.KindPasswordReset)
		if _, err := e.v.SendPhoneCode(e.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		code := e.code(u.Phone)
		if err := e.v.CheckPhoneCode(e.ctx, db, u.ID, code); err != nil {
			t.Fatal(err)
		}
		if err := e.v.ResetPassword(e.ctx, db, reset, newPassword); err != nil {
			t.Fatal(err)
		}
		e.secret(newPassword)
		rep, err := e.v.Deliver(e.ctx, db, 0)
		if err != nil || rep.Failed != 4 {
			t.Fatalf("deliver = %+v, %v", rep, err)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "message failed") || !strings.Contains(logs, "message queued") {
			t.Fatalf("the log lacks the delivery records:\n%s", logs)
		}
		// e.secret checks every secret against the log when the test ends.
	})
}
