package verification

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// The defaults of Config's zero fields.
const (
	DefaultEmailLinkTTL   = 24 * time.Hour
	DefaultResetLinkTTL   = time.Hour
	DefaultCodeTTL        = 10 * time.Minute
	MaxCodeTTL            = 10 * time.Minute // OWASP ASVS 5.0 V6.5.5
	DefaultCodeChecks     = 5
	DefaultCodeCooldown   = 60 * time.Second
	DefaultCodeSends      = 5
	DefaultSMSDailyNumber = 10
	DefaultSMSDailyUser   = 10
	DefaultBaseURL        = "http://localhost:8080"
	DefaultLanguage       = "en"
	DefaultAnswerFloor    = 50 * time.Millisecond
)

// Limit allows Max requests per Window (a fixed window aligned on the
// clock: the hour, the day).
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimits bound the requests that send a message. A zero Limit takes
// the default given for its field; a negative Max disables that limit.
type RateLimits struct {
	// PerAddress counts requests naming one email address (normalised)
	// or phone number, whoever asks: 5 per hour.
	PerAddress Limit
	// PerUser counts requests of one logged-in user, or for one user by
	// operators: 10 per hour.
	PerUser Limit
	// PerClient counts requests from one client address (Client.IP): 30
	// per hour.
	PerClient Limit
}

// Config configures a Service. Every zero field is a working default,
// except Users, which is required.
type Config struct {
	// Users is the usermgmt service the flows act through. Its
	// Config.Permissions must include Permissions().
	Users *usermgmt.Service

	// BaseURL starts every link: BaseURL + "/verify-email?token=…",
	// "/confirm-email-change?token=…", "/reset-password?token=…". Zero
	// means DefaultBaseURL. LinkURL, when set, replaces it.
	BaseURL string
	// LinkURL builds the link of a message kind around a token, for hosts
	// whose front end has other routes. Nil uses BaseURL.
	LinkURL func(kind MessageKind, token string) string
	// PlatformName is the name messages sign with. Zero means "userdesk".
	PlatformName string

	// EmailLinkTTL is the lifetime of email verification and email change
	// links. Zero means 24 hours.
	EmailLinkTTL time.Duration
	// ResetLinkTTL is the lifetime of password-reset links. Zero means 1
	// hour.
	ResetLinkTTL time.Duration
	// CodeTTL is the lifetime of an SMS code, at most MaxCodeTTL (10
	// minutes). Zero means 10 minutes.
	CodeTTL time.Duration
	// CodeChecks is how many wrong checks kill a code. Zero means 5.
	CodeChecks int
	// CodeCooldown is the wait between two sends of a code. Zero means 60
	// seconds.
	CodeCooldown time.Duration
	// CodeSends caps the sends (first one and resends) of one phone
	// verification. Zero means 5.
	CodeSends int
	// SMSDailyPerNumber and SMSDailyPerUser cap the codes sent per UTC day
	// to one number and for one user. Zero means 10 each.
	SMSDailyPerNumber int
	SMSDailyPerUser   int
	// SMSCallingCodes is the allowlist of country calling codes (E.164
	// prefixes such as "+33", "+1") that codes may be sent to, against SMS
	// pumping (toll fraud through premium numbers). Nil allows every
	// number: set it in production.
	SMSCallingCodes []string
	// CodeKey keys the hash of stored SMS codes (HMAC-SHA256). A six-digit
	// code has a million values, so someone who reads the table can try
	// them all unless the key is kept out of the database. Nil means an
	// empty key; the code's ten-minute life still bounds the exposure.
	CodeKey []byte

	// SendAtRegistration sends the email verification link when Register
	// creates an account (the platform setting of the product document).
	SendAtRegistration bool
	// SendAfterEmailChange sends a verification link to the new address
	// when a profile update changes the email outside the
	// confirmation flow (an operator's edit). Zero means no.
	SendAfterEmailChange bool

	// Limits are the request rate limits; see RateLimits for defaults.
	Limits RateLimits

	// AnswerFloor is the least time the calls that must not tell whether
	// an address has an account take (Register, RequestPasswordReset,
	// ResendEmailVerification, RequestEmailChange): each does the same
	// kind of work on both paths, but the path with an account writes a
	// link more, which a stopwatch can see on a fast database; the floor
	// hides it. Where the work outgrows the floor (a loaded machine, the
	// password hash of Register), an answer also waits until the 90th
	// percentile of that call's last 64 durations, so that only the
	// slowest tenth of the answers leave at their own time (that learnt
	// wait is capped at 20 times the floor). It measures
	// real elapsed time (not Now), per Service. Zero means
	// DefaultAnswerFloor; negative switches both off.
	AnswerFloor time.Duration
	// Sleep waits out the floor; nil waits on a timer, returning early
	// when ctx ends. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error

	// Mailer and SMS deliver the outbox (Service.Deliver). Nil leaves that
	// channel's messages in the outbox, which is the development setup:
	// read them with Service.Outbox.
	Mailer Mailer
	SMS    SMSSender
	// KeepSentBodies keeps the text of messages after delivery. Zero
	// means the bodies (which hold live links and codes) are erased once
	// sent; the subject, kind and recipient stay.
	KeepSentBodies bool
	// DeliveryAttempts is how many times Deliver tries a message before
	// it marks it failed. Zero means 5.
	DeliveryAttempts int

	// Templates adds languages and overrides built-in messages: language
	// tag (lower case, "fr", "pt-br") → kind → template. A language needs
	// not define every kind; missing ones fall back to English.
	Templates map[string]map[MessageKind]Template

	// Now is the clock; nil means time.Now. Rand is the source of tokens
	// and codes; nil means crypto/rand. Logger gets operational messages,
	// never a token, code, password or message body; nil discards.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
}

// Service runs the verification flows. It holds no database handle:
// every method takes a bun.IDB, so a host can join its own transaction.
// It is safe for concurrent use.
type Service struct {
	cfg       Config
	users     *usermgmt.Service
	log       *slog.Logger
	rand      io.Reader
	templates *templates
	pads      [padCount]pad
}

// New returns a Service and registers its hooks on cfg.Users: a profile
// change of the email voids the pending email links (and sends a new one
// when SendAfterEmailChange is set), a change of the phone voids the
// pending codes, and an erasure deletes the package's personal data.
// Call New once per usermgmt.Service.
//
// Returns an error when Users is nil, when a permission of Permissions()
// is unknown to Users (the host did not pass Permissions() in
// usermgmt.Config.Permissions), or when a setting or template is invalid.
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("verification: Config.Users is required")
	}
	for _, p := range Permissions() {
		if !cfg.Users.KnowsPermission(p.Permission) {
			return nil, fmt.Errorf("verification: usermgmt does not know permission %q: pass verification.Permissions() in usermgmt.Config.Permissions", p.Permission)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	def(&cfg.EmailLinkTTL, DefaultEmailLinkTTL)
	def(&cfg.ResetLinkTTL, DefaultResetLinkTTL)
	def(&cfg.CodeTTL, DefaultCodeTTL)
	def(&cfg.CodeCooldown, DefaultCodeCooldown)
	def(&cfg.AnswerFloor, DefaultAnswerFloor)
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	defInt(&cfg.CodeChecks, DefaultCodeChecks)
	defInt(&cfg.CodeSends, DefaultCodeSends)
	defInt(&cfg.SMSDailyPerNumber, DefaultSMSDailyNumber)
	defInt(&cfg.SMSDailyPerUser, DefaultSMSDailyUser)
	defInt(&cfg.DeliveryAttempts, 5)
	defLimit := func(l *Limit, max int) {
		if *l == (Limit{}) {
			*l = Limit{Max: max, Window: time.Hour}
		}
	}
	defLimit(&cfg.Limits.PerAddress, 5)
	defLimit(&cfg.Limits.PerUser, 10)
	defLimit(&cfg.Limits.PerClient, 30)
	switch {
	case cfg.EmailLinkTTL < 0 || cfg.ResetLinkTTL < 0 || cfg.CodeCooldown < 0:
		return nil, errors.New("verification: lifetimes and cool-down must not be negative")
	case cfg.CodeTTL < 0 || cfg.CodeTTL > MaxCodeTTL:
		return nil, fmt.Errorf("verification: CodeTTL must be between 0 and %s", MaxCodeTTL)
	case cfg.CodeChecks < 1 || cfg.CodeSends < 1 || cfg.SMSDailyPerNumber < 1 || cfg.SMSDailyPerUser < 1:
		return nil, errors.New("verification: code checks, sends and daily caps must be at least 1")
	}
	for _, l := range []Limit{cfg.Limits.PerAddress, cfg.Limits.PerUser, cfg.Limits.PerClient} {
		if l.Max > 0 && l.Window <= 0 {
			return nil, errors.New("verification: a rate limit needs a positive window")
		}
	}
	for _, cc := range cfg.SMSCallingCodes {
		if len(cc) < 2 || cc[0] != '+' || strings.Trim(cc[1:], "0123456789") != "" {
			return nil, fmt.Errorf("verification: calling code %q is not of the form +33", cc)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PlatformName == "" {
		cfg.PlatformName = "userdesk"
	}
	t, err := newTemplates(cfg.Templates)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, users: cfg.Users, log: cfg.Logger, rand: cfg.Rand, templates: t}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.users.OnProfileChange(s.onProfileChange)
	s.users.OnErase(s.onErase)
	return s, nil
}

// now is the current time as stored: UTC, microseconds.
func (s *Service) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Client is what the library knows of whoever sent a request that may send
// a message.
type Client struct {
	// IP is the client's address as the host trusts it (behind a proxy,
	// from X-Forwarded-For as the host's proxy sets it); the per-client
	// rate limit counts by it. Empty skips that limit.
	IP string
	// Language is the client's preferred language (Accept-Language's
	// first tag), used for a message to an address that has no account.
	Language string
}

func inTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, fn)
}

func invalid(field, rule, msg string) error { return usermgmt.Invalid(field, rule, msg) }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
