package referral

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// Config configures a Service. Users is required; every other field's zero
// value is a working default.
type Config struct {
	// Users is the usermgmt service the programme is built on: operators
	// are authorised and audited through it, users are read through it,
	// and New registers the package's erase hook on it. It must know the
	// package's permissions (pass Permissions() in
	// usermgmt.Config.Permissions).
	Users *usermgmt.Service
	// InitialCredits are the credits a user's account starts with when it
	// opens (a "granted" ledger entry): how many people a new user may
	// refer. Zero means none; an operator or a rule grants them.
	InitialCredits int64
	// Rewards are granted when a qualifying referral consumes one of the
	// referrer's credits. Zero fields grant nothing.
	Rewards Rewards
	// AttachWindow is how long after registering a user may still be given
	// a referrer through a code (Attach). Zero means 24 hours. Operators
	// change referrers at any time (ChangeReferrer).
	AttachWindow time.Duration
	// IdempotencyTTL is how long idempotency keys are kept by
	// PruneIdempotencyKeys. Zero means 24 hours; less than 24 hours is a
	// configuration error (Stripe's rule, which clients rely on).
	IdempotencyTTL time.Duration
	// Velocity flags a referrer who refers more than Limit people within
	// Window. Zero fields mean 20 within 24 hours.
	Velocity Velocity
	// ErasedReferees flags a referrer when at least Threshold referees were
	// erased within Window of being referred. Zero fields mean 3 within 30
	// days.
	ErasedReferees ErasedReferees
	// Now is the clock. Nil means time.Now. Times are stored in UTC at
	// microsecond precision.
	Now func() time.Time
	// Rand is the source of referral codes. Nil means crypto/rand; a test
	// may pass a deterministic reader.
	Rand io.Reader
	// Logger receives operational messages; personal data is never
	// logged. Nil discards.
	Logger *slog.Logger
}

// Rewards are credits granted on a rewarded referral, as "granted" ledger
// entries naming the referee.
type Rewards struct {
	// Referrer is granted to the referrer (on top of getting nothing back
	// for the consumed credit). Zero grants nothing.
	Referrer int64
	// Referee is granted to the referee. Zero grants nothing.
	Referee int64
}

// Velocity is the velocity limit of referrals.
type Velocity struct {
	// Window is the sliding window; zero means 24 hours.
	Window time.Duration
	// Limit is the number of referrals allowed within Window; the next one
	// raises a flag. Zero means 20.
	Limit int
}

// ErasedReferees is the "referees erased soon after" signal.
type ErasedReferees struct {
	// Window is how soon after the referral an erasure counts; zero means
	// 30 days.
	Window time.Duration
	// Threshold is how many such erasures raise the flag; zero means 3.
	Threshold int
}

// Service runs the referral programme. It holds no database handle: every
// method takes a bun.IDB, so the host passes its *bun.DB or joins its own
// transaction. A Service is safe for concurrent use.
type Service struct {
	users *usermgmt.Service
	cfg   Config
	now   func() time.Time
	rand  io.Reader
	log   *slog.Logger
}

// New returns a Service configured by cfg and registers its erase and
// profile-change hooks on cfg.Users (call New once per usermgmt.Service). It returns an error when
// cfg.Users is nil or does not know the package's permissions, or for a
// negative amount, limit or duration.
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("referral: config: Users is required")
	}
	for _, d := range Permissions() {
		if !cfg.Users.KnowsPermission(d.Permission) {
			return nil, fmt.Errorf("referral: config: usermgmt does not know permission %q: pass referral.Permissions() in usermgmt.Config.Permissions", d.Permission)
		}
	}
	if cfg.InitialCredits < 0 || cfg.Rewards.Referrer < 0 || cfg.Rewards.Referee < 0 {
		return nil, errors.New("referral: config: credits must not be negative")
	}
	if cfg.AttachWindow < 0 || cfg.Velocity.Window < 0 || cfg.Velocity.Limit < 0 ||
		cfg.ErasedReferees.Window < 0 || cfg.ErasedReferees.Threshold < 0 {
		return nil, errors.New("referral: config: windows and limits must not be negative")
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.IdempotencyTTL < 24*time.Hour {
		return nil, errors.New("referral: config: IdempotencyTTL must be at least 24 hours")
	}
	if cfg.AttachWindow == 0 {
		cfg.AttachWindow = 24 * time.Hour
	}
	if cfg.Velocity.Window == 0 {
		cfg.Velocity.Window = 24 * time.Hour
	}
	if cfg.Velocity.Limit == 0 {
		cfg.Velocity.Limit = 20
	}
	if cfg.ErasedReferees.Window == 0 {
		cfg.ErasedReferees.Window = 30 * 24 * time.Hour
	}
	if cfg.ErasedReferees.Threshold == 0 {
		cfg.ErasedReferees.Threshold = 3
	}
	s := &Service{users: cfg.Users, cfg: cfg, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	cfg.Users.OnErase(s.eraseUser)
	cfg.Users.OnProfileChange(s.profileChanged)
	return s, nil
}

// clock returns the current time as stored: UTC, microseconds.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// newID returns a fresh UUIDv7.
func newID() (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, fmt.Errorf("referral: new id: %w", err)
	}
	return id, nil
}

// inTx runs fn in a transaction on db: a new one on a *bun.DB, a savepoint
// inside the host's transaction.
func inTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, fn)
}

// isPostgres is the package's one dialect question. PostgreSQL gets row
// locks on the referrer chain (SELECT … FOR UPDATE; SQLite's write
// transactions, BEGIN IMMEDIATE, are serialised anyway) and the balance
// change and its ledger entry in one statement (a data-modifying CTE,
// which SQLite lacks).
func isPostgres(db bun.IDB) bool {
	d, err := sqldb.DialectOf(db)
	return err == nil && d == sqldb.Postgres
}

// systemContext hides an impersonator (usermgmt.WithImpersonator) from the
// usermgmt reads the package makes for its own checks: the abuse checks
// compare phone numbers, mailboxes and IBANs that nobody is shown, so they
// must read them in clear and must not be audited as an operator's view of
// personal data. Every other value of the context passes through.
type systemContext struct{ context.Context }

// Value returns the parent's value for key, except an impersonator.
func (c systemContext) Value(key any) any {
	v := c.Context.Value(key)
	if _, ok := v.(usermgmt.Impersonator); ok {
		return nil
	}
	return v
}

// asSystem returns ctx for a read made by the system, not by whoever ctx
// says acts.
func asSystem(ctx context.Context) context.Context { return systemContext{ctx} }
