package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
)

// mailbox is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port that keeps the sender and recipient of each message.
type mailbox struct {
	addr string
	mu   sync.Mutex
	got  []string // "from -> to"
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailboxSession{mb: mb}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return mb
}

func (mb *mailbox) mails() []string {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]string(nil), mb.got...)
}

type mailboxSession struct {
	mb       *mailbox
	from, to string
}

func (s *mailboxSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *mailboxSession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = to; return nil }
func (s *mailboxSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.got = append(s.mb.got, s.from+" -> "+s.to)
	return nil
}
func (s *mailboxSession) Reset()        {}
func (s *mailboxSession) Logout() error { return nil }

// replica is one server process's app on a shared database, mailing
// through the SMTP server as from.
func replica(t *testing.T, db *bun.DB, smtpAddr, from string) *app {
	t.Helper()
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	cfg := config{sessionTTL: time.Hour, impersonationTTL: 15 * time.Minute, audience: "http://front.test", bankKey: key(), signingKey: key(),
		smtpAddr: smtpAddr, smtpFrom: from, smtpTLS: "none"}
	a, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDeliveryOnOneReplica wires two replicas the way run does, each
// mailing through a real SMTP server under its own sender: the outbox
// goes out through one of them only, each message once; when that one
// stops, the other takes over.
func TestDeliveryOnOneReplica(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		mb := startMailbox(t)
		a := replica(t, db, mb.addr, "replica-a@userdesk.test")
		b := replica(t, db, mb.addr, "replica-b@userdesk.test")
		srv := httptest.NewServer(a.routes())
		t.Cleanup(srv.Close)
		register := func(email string) {
			t.Helper()
			resp, err := http.Post(srv.URL+"/v1/register", "application/json", strings.NewReader(fmt.Sprintf(
				`{"email": %q, "password": "user password 1234", "first_name": "R", "last_name": "M", "type": "individual", "roles": ["asker"]}`, email)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("register %s: %d", email, resp.StatusCode)
			}
		}
		ctxA, stopA := context.WithCancel(context.Background())
		ctxB, stopB := context.WithCancel(context.Background())
		doneA, doneB := make(chan struct{}), make(chan struct{})
		go func() { defer close(doneA); a.runDelivery(ctxA) }()
		go func() { defer close(doneB); b.runDelivery(ctxB) }()
		defer func() { stopA(); stopB(); <-doneA; <-doneB }()

		for i := range 3 {
			register(fmt.Sprintf("user%d@example.com", i))
		}
		got := waitMails(t, mb, 3)
		sender := strings.Fields(got[0])[0]
		for _, m := range got {
			if !strings.HasPrefix(m, sender+" ") {
				t.Fatalf("two replicas delivered: %v", got)
			}
		}
		// The holder stops (and releases its lease): the other delivers.
		stop, done, other := stopA, doneA, "replica-b@userdesk.test"
		if sender == "replica-b@userdesk.test" {
			stop, done, other = stopB, doneB, "replica-a@userdesk.test"
		}
		stop()
		<-done
		register("late@example.com")
		got = waitMails(t, mb, 4)
		if got[3] != other+" -> late@example.com" {
			t.Fatalf("after the holder stopped: %v", got)
		}
	})
}

func waitMails(t *testing.T, mb *mailbox, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := mb.mails()
		if len(got) > n {
			t.Fatalf("%d mails, want %d: %v", len(got), n, got)
		}
		if len(got) == n {
			time.Sleep(deliveryInterval + 500*time.Millisecond) // a tick of each replica: nothing more comes
			if got = mb.mails(); len(got) != n {
				t.Fatalf("%d mails, want %d: %v", len(got), n, got)
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails after 20 s, want %d: %v", len(got), n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParseMessagingConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"USERDESK_SMTP_PASSWORD": "pw", "USERDESK_SMS_TOKEN": "tok"}
	c, err := parseConfig([]string{"-smtp-addr", "mail.test:587", "-smtp-from", "no-reply@x.test", "-smtp-tls", "tls", "-sms-account", "AC1", "-sms-calling-codes", "+33, +44,"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.smtpAddr != "mail.test:587" || c.smtpTLS != "tls" || c.smtpPassword != "pw" || c.smsToken != "tok" || fmt.Sprint(c.smsCallingCodes) != "[+33 +44]" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := parseConfig([]string{"-smtp-tls", "maybe"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("-smtp-tls maybe accepted")
	}
	// A bad SMTP or SMS setting stops the start.
	key := make([]byte, 32)
	for _, cfg := range []config{{smtpAddr: "no port", smtpFrom: "x@y.test", smtpTLS: "none"}, {smsAccount: "AC1"}} {
		cfg.sessionTTL, cfg.impersonationTTL, cfg.bankKey, cfg.signingKey = time.Hour, time.Minute, key, key
		if _, err := newApp(dbtest.SQLite(t), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg); err == nil {
			t.Errorf("newApp accepted %+v", cfg)
		}
	}
}
