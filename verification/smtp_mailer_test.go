package verification_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/userdesk/userdesk/verification"
)

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port, with STARTTLS and AUTH PLAIN, that keeps what it
// receives.
type smtpServer struct {
	addr  string
	roots *x509.CertPool

	mu       sync.Mutex
	received []receivedMail
}

type receivedMail struct {
	from, to, user string
	tls            bool
	data           []byte
}

const smtpUser, smtpPassword = "mailer", "s3cret-smtp-password"

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// startSMTP starts a server; withTLS false offers no STARTTLS, implicit
// wraps the listener in TLS (port 465 style).
func startSMTP(t *testing.T, withTLS, implicit bool) *smtpServer {
	t.Helper()
	cert, roots := selfSigned(t)
	srv := &smtpServer{roots: roots}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: srv, conn: c}, nil })
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if withTLS {
		s.TLSConfig = tlsCfg
	}
	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		l = tls.NewListener(l, tlsCfg)
	}
	srv.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return srv
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	cur  receivedMail
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != smtpUser || pass != smtpPassword {
			return smtp.ErrAuthFailed
		}
		s.cur.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "bounce") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.to = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.data = b
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.received = append(s.srv.received, s.cur)
	return nil
}

func (s *smtpSession) Reset()        { s.cur = receivedMail{user: s.cur.user} }
func (s *smtpSession) Logout() error { return nil }

func (srv *smtpServer) mails() []receivedMail {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return append([]receivedMail(nil), srv.received...)
}

func newMailer(t *testing.T, cfg verification.SMTPConfig) *verification.SMTPMailer {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Userdesk <no-reply@userdesk.test>"
	}
	m, err := verification.NewSMTPMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var testEmail = verification.Email{
	To: "ana@example.com", Subject: "Réinitialisez votre mot de passe", Language: "fr", ID: "0193-abc",
	Text: "Bonjour Ana,\n\nhttps://app.example/reset-password?token=abc_DEF-123\n",
	HTML: `<p>Bonjour Ana, <a href="https://app.example/reset-password?token=abc_DEF-123">ici</a></p>`,
}

func TestSMTPMailerStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, true, false)
	m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword,
		TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}})
	if err := m.Send(context.Background(), testEmail); err != nil {
		t.Fatal(err)
	}
	got := srv.mails()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	r := got[0]
	if !r.tls || r.user != smtpUser || r.from != "no-reply@userdesk.test" || r.to != "ana@example.com" {
		t.Fatalf("envelope = %+v", r)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != testEmail.Subject {
		t.Fatalf("subject %q, %v", subject, err)
	}
	if msg.Header.Get("Content-Language") != "fr" || msg.Header.Get("Message-ID") != "<0193-abc@userdesk.test>" {
		t.Fatalf("headers = %v", msg.Header)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %s, %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, p.Header.Get("Content-Type")+"|"+string(b))
	}
	for i := range parts {
		parts[i] = strings.ReplaceAll(parts[i], "\r\n", "\n")
	}
	if len(parts) != 2 || parts[0] != "text/plain; charset=utf-8|"+testEmail.Text || parts[1] != "text/html; charset=utf-8|"+testEmail.HTML {
		t.Fatalf("parts = %q", parts)
	}
}

func TestSMTPMailerImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, false, true)
	m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, TLS: verification.ImplicitTLS, Username: smtpUser, Password: smtpPassword,
		TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}})
	if err := m.Send(context.Background(), testEmail); err != nil {
		t.Fatal(err)
	}
	if got := srv.mails(); len(got) != 1 || !got[0].tls {
		t.Fatalf("mails = %+v", got)
	}
}

func TestSMTPMailerRefusals(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, true, false)
	tlsCfg := &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}
	t.Run("wrong password", func(t *testing.T) {
		m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: "nope", TLSConfig: tlsCfg})
		err := m.Send(context.Background(), testEmail)
		if !errors.Is(err, verification.ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "nope") {
			t.Fatal("the password is in the error")
		}
	})
	t.Run("refused recipient", func(t *testing.T) {
		m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword, TLSConfig: tlsCfg})
		e := testEmail
		e.To = "bounce@example.com"
		if err := m.Send(context.Background(), e); !errors.Is(err, verification.ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword})
		if err := m.Send(context.Background(), testEmail); err == nil {
			t.Fatal("sent over an unverified TLS connection")
		}
	})
	t.Run("header injection", func(t *testing.T) {
		m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, TLSConfig: tlsCfg})
		e := testEmail
		e.To = "ana@example.com\r\nBcc: all@example.com"
		if err := m.Send(context.Background(), e); !errors.Is(err, verification.ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
		e = testEmail
		e.Subject = "hi\r\nBcc: all@example.com"
		if err := m.Send(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		last := srv.mails()[len(srv.mails())-1]
		msg, err := mail.ReadMessage(strings.NewReader(string(last.data)))
		if err != nil || msg.Header.Get("Bcc") != "" {
			t.Fatalf("a header was injected: %v %v", msg.Header, err)
		}
	})
	if n := len(srv.mails()); n != 1 {
		t.Fatalf("%d mails accepted, want only the header-injection one", n)
	}
}

func TestSMTPMailerRequiresStartTLS(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, false, false)
	m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword})
	if err := m.Send(context.Background(), testEmail); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.mails()) != 0 {
		t.Fatal("sent in clear")
	}
}

func TestSMTPMailerTimesOut(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	})
	m := newMailer(t, verification.SMTPConfig{Addr: l.Addr().String(), Timeout: 200 * time.Millisecond})
	err = m.Send(context.Background(), testEmail)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if errors.Is(err, verification.ErrPermanent) {
		t.Fatal("a timeout is worth retrying")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Send(ctx, testEmail); err == nil {
		t.Fatal("sent with a cancelled context")
	}
}

func TestSMTPMailerTextOnly(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, true, false)
	m := newMailer(t, verification.SMTPConfig{Addr: srv.addr, Username: smtpUser, Password: smtpPassword,
		TLSConfig: &tls.Config{RootCAs: srv.roots, ServerName: "localhost"}})
	e := testEmail
	e.HTML = ""
	if err := m.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(srv.mails()[0].data)))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if strings.ReplaceAll(string(body), "\r\n", "\n") != e.Text {
		t.Fatalf("body %q", body)
	}
}
