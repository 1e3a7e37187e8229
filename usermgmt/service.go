package usermgmt

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Config configures a Service. Every field's zero value is a working
// default.
type Config struct {
	// Argon2 are the password hashing parameters. Zero fields take OWASP's
	// recommendation (DefaultArgon2Params: m = 19 MiB, t = 2, p = 1).
	// Hashes made with weaker parameters are upgraded at the next login.
	Argon2 Argon2Params
	// MaxConcurrentHashes bounds how many password hashes run at once, so
	// a burst of logins cannot exhaust memory (each takes Argon2.Memory).
	// Zero means the number of CPUs (GOMAXPROCS).
	MaxConcurrentHashes int
	// Roles adds operator roles, or redefines built-in ones, by name. The
	// built-in roles (BuiltinRoles: admin, support, finance) stay
	// available unless redefined here.
	Roles map[OperatorRole][]Permission
	// Permissions adds the permissions that packages built on usermgmt
	// declare (each exports a function returning its []PermissionDef) to
	// the catalogue: RoleAdmin gets all of them, and the built-in roles
	// each definition names get that one. Nil means usermgmt's own
	// catalogue only; a role granting a permission nobody declared is a
	// configuration error.
	Permissions []PermissionDef
	// BankKeys seals bank details at rest (AES-256-GCM). Nil means bank
	// details can be neither stored nor read (ErrNoBankKey).
	BankKeys *BankKeyring
	// PasswordDenylist adds passwords to the built-in list of common
	// passwords that SetPassword refuses (compared case-insensitively).
	PasswordDenylist []string
	// Now is the clock. Nil means time.Now. Times are stored in UTC at
	// microsecond precision (PostgreSQL's).
	Now func() time.Time
	// Logger receives operational messages; passwords and personal data
	// are never logged. Nil discards.
	Logger *slog.Logger
}

// Service is the entry point of the package: users, operators, status
// policy and audit. It holds no database handle: every method takes a
// bun.IDB, so the host chooses the *bun.DB or joins its own transaction.
// A Service is safe for concurrent use.
type Service struct {
	now      func() time.Time
	log      *slog.Logger
	hasher   *PasswordHasher
	roles    map[OperatorRole]map[Permission]bool
	known    map[Permission]bool
	validate *validator.Validate
	bankKeys *BankKeyring
	denylist map[string]bool
	hot      hotQueries

	hooksMu       sync.RWMutex
	passwordHooks []PasswordHook
	statusHooks   []StatusHook
	profileHooks  []ProfileHook
	eraseHooks    []EraseHook
}

// New returns a Service configured by cfg. It returns an error for invalid
// Argon2 parameters, a role granting an unknown permission, or a
// permission definition naming a role that is not built in.
func New(cfg Config) (*Service, error) {
	s := &Service{now: cfg.Now, log: cfg.Logger, bankKeys: cfg.BankKeys}
	s.denylist = commonPasswords()
	for _, p := range cfg.PasswordDenylist {
		s.denylist[strings.ToLower(p)] = true
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := NewPasswordHasher(cfg.Argon2, cfg.MaxConcurrentHashes)
	if err != nil {
		return nil, err
	}
	s.hasher = h
	s.known, s.roles, err = buildRoles(cfg)
	if err != nil {
		return nil, err
	}
	s.validate = s.newValidator()
	s.statusHooks = append(s.statusHooks, s.endSessionsOnLockout)
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
		return uuid.Nil, fmt.Errorf("usermgmt: new id: %w", err)
	}
	return id, nil
}

// inTx runs fn in a transaction on db: a new one on a *bun.DB or a
// savepoint inside the host's transaction, so a failure leaves nothing
// half-written either way.
func inTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, fn)
}
