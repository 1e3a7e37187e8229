package verification

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// TLSMode says how an SMTPMailer protects its connection.
type TLSMode int

// The TLS modes.
const (
	// StartTLS (the zero value) upgrades a plain connection (port 587)
	// with STARTTLS, and refuses to send when the server does not offer
	// it.
	StartTLS TLSMode = iota
	// ImplicitTLS opens a TLS connection from the start (port 465).
	ImplicitTLS
	// NoTLS sends in clear: for a development relay on the same machine
	// only (net/smtp refuses to authenticate in clear to another host).
	NoTLS
)

// SMTPConfig configures an SMTPMailer.
type SMTPConfig struct {
	// Addr is the server's host:port. Required.
	Addr string
	// From is the sender, an address with an optional display name
	// ("Userdesk <no-reply@example.com>"). Required.
	From string
	// Username and Password authenticate with AUTH PLAIN (only over TLS,
	// or to localhost); an empty Username skips authentication. The
	// password is never logged or put in an error.
	Username string
	Password string
	// TLS is the TLS mode; zero means StartTLS.
	TLS TLSMode
	// TLSConfig is used for STARTTLS and implicit TLS; nil means the
	// system roots with the ServerName of Addr. Its minimum version is
	// raised to TLS 1.2.
	TLSConfig *tls.Config
	// Timeout bounds one message from dial to QUIT. Zero means 30 seconds.
	Timeout time.Duration
	// HelloName is the name sent with EHLO. Zero means "localhost".
	HelloName string
	// Now stamps the Date header; nil means time.Now.
	Now func() time.Time
}

// SMTPMailer sends email through an SMTP submission server with net/smtp
// (STARTTLS or implicit TLS, AUTH PLAIN, a deadline on the whole
// exchange). It opens one connection per message, which is plenty for
// verification traffic. It is safe for concurrent use.
type SMTPMailer struct {
	cfg  SMTPConfig
	host string
	from *mail.Address
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTPMailer checks cfg and returns a mailer. It does not connect.
// Returns an error for a missing or malformed Addr or From.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("verification: smtp: Addr %q is not host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("verification: smtp: From: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMTPMailer{cfg: cfg, host: host, from: from}, nil
}

func (m *SMTPMailer) tlsConfig() *tls.Config {
	c := &tls.Config{}
	if m.cfg.TLSConfig != nil {
		c = m.cfg.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = m.host
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// Send delivers one email. An error whose SMTP reply is 5xx (a refused
// recipient, failed authentication) wraps ErrPermanent; others (timeouts,
// 4xx, a server without STARTTLS) are worth retrying.
func (m *SMTPMailer) Send(ctx context.Context, e Email) error {
	if strings.ContainsAny(e.To, "\r\n") {
		return fmt.Errorf("verification: smtp: bad recipient: %w", ErrPermanent)
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return fmt.Errorf("verification: smtp: recipient: %v: %w", err, ErrPermanent)
	}
	msg, err := m.build(e, to)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("verification: smtp: dial: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("verification: smtp: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if m.cfg.TLS == ImplicitTLS {
		tc := tls.Client(conn, m.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("verification: smtp: tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return m.fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(m.cfg.HelloName); err != nil {
		return m.fail("ehlo", err)
	}
	if m.cfg.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("verification: smtp: the server does not offer STARTTLS")
		}
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return m.fail("starttls", err)
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.host)); err != nil {
			return m.fail("auth", err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return m.fail("mail from", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return m.fail("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return m.fail("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return m.fail("data", err)
	}
	if err := w.Close(); err != nil {
		return m.fail("data", err)
	}
	if err := c.Quit(); err != nil {
		return m.fail("quit", err)
	}
	return nil
}

// fail wraps an SMTP error with the step it broke, and ErrPermanent for a
// 5xx reply.
func (m *SMTPMailer) fail(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("verification: smtp %s: %w (%w)", step, err, ErrPermanent)
	}
	return fmt.Errorf("verification: smtp %s: %w", step, err)
}

// build writes the MIME message: multipart/alternative with a plain-text
// and an HTML part, quoted-printable, UTF-8 headers Q-encoded.
func (m *SMTPMailer) build(e Email, to *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("verification: smtp: %w", err)
	}
	id := e.ID
	if id == "" {
		id = hex.EncodeToString(rnd[:])
	}
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	header("Date", m.cfg.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+id+"@"+domain+">")
	header("MIME-Version", "1.0")
	if e.Language != "" && !strings.ContainsAny(e.Language, "\r\n") {
		header("Content-Language", e.Language)
	}
	part := func(w *multipart.Writer, ctype, body string) error {
		p, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype + "; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return err
		}
		q := quotedprintable.NewWriter(p)
		if _, err := q.Write([]byte(body)); err != nil {
			return err
		}
		return q.Close()
	}
	if e.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		q := quotedprintable.NewWriter(&b)
		if _, err := q.Write([]byte(e.Text)); err != nil {
			return nil, err
		}
		return b.Bytes(), q.Close()
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	header("Content-Type", "multipart/alternative; boundary="+w.Boundary())
	b.WriteString("\r\n")
	if err := part(w, "text/plain", e.Text); err != nil {
		return nil, err
	}
	if err := part(w, "text/html", e.HTML); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}
