package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// deliveryInterval is how often the outbox is delivered.
const deliveryInterval = 2 * time.Second

// newVerification builds the verification service: links point at the
// front office's pages (the impersonation audience + front.BasePath:
// /app/verify-email, /app/confirm-email-change, /app/reset-password),
// the verification email goes out at registration and after an operator's change of address, and
// messages go through SMTP and the SMS API when configured, else stay in
// the outbox (in demo mode, GET /dev/outbox lists them).
func newVerification(users *usermgmt.Service, log *slog.Logger, cfg config) (*verification.Service, error) {
	vc := verification.Config{
		Users: users, BaseURL: strings.TrimRight(cfg.audience, "/") + front.BasePath, PlatformName: "userdesk", Logger: log,
		SendAtRegistration: true, SendAfterEmailChange: true,
		SMSCallingCodes: cfg.smsCallingCodes,
	}
	if cfg.signingKey != nil {
		// The SMS codes' hash key stays out of the database: derived from
		// the signing key, which lives in the keys file or secret store.
		mac := hmac.New(sha256.New, cfg.signingKey)
		mac.Write([]byte("userdesk verification code key"))
		vc.CodeKey = mac.Sum(nil)
	}
	if cfg.smtpAddr != "" {
		mode := map[string]verification.TLSMode{"starttls": verification.StartTLS, "tls": verification.ImplicitTLS, "none": verification.NoTLS}[cfg.smtpTLS]
		m, err := verification.NewSMTPMailer(verification.SMTPConfig{Addr: cfg.smtpAddr, From: cfg.smtpFrom, Username: cfg.smtpUser, Password: cfg.smtpPassword, TLS: mode})
		if err != nil {
			return nil, fmt.Errorf("-smtp-addr: %w", err)
		}
		vc.Mailer = m
	} else if !cfg.demo {
		log.Warn("no -smtp-addr: verification emails stay in the outbox, undelivered")
	}
	if cfg.smsAccount != "" {
		s, err := verification.NewHTTPSMSSender(verification.HTTPSMSConfig{BaseURL: cfg.smsURL, AccountSID: cfg.smsAccount, AuthToken: cfg.smsToken, From: cfg.smsFrom})
		if err != nil {
			return nil, fmt.Errorf("-sms-account: %w", err)
		}
		vc.SMS = s
	} else if !cfg.demo {
		log.Warn("no -sms-account: SMS codes stay in the outbox, undelivered")
	}
	if len(vc.SMSCallingCodes) == 0 && !cfg.demo {
		log.Warn("no -sms-calling-codes: codes may be sent to any country (SMS pumping)")
	}
	return verification.New(vc)
}

// runDelivery delivers the outbox until ctx ends, on one replica at a
// time (verification.RunExclusiveDelivery: a lease row in the database);
// every replica runs it, under a holder name of its own.
func (a *app) runDelivery(ctx context.Context) {
	_ = a.verification.RunExclusiveDelivery(ctx, a.db, deliveryInterval, a.holder)
}

// replicaHolder names this replica in lease rows: host, process id and a
// random part (two apps in one process, as in tests, differ).
func replicaHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
