package impersonation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/userdesk/userdesk/usermgmt"
)

// Limits and defaults of Config.
const (
	// DefaultTTL is a token's lifetime when neither the request nor the
	// configuration names one.
	DefaultTTL = 15 * time.Minute
	// MaxTTLCeiling is the most Config.MaxTTL may be, and its default.
	MaxTTLCeiling = time.Hour
	// DefaultClockSkew is the verification allowance for clocks that
	// disagree between the issuing and the verifying machines.
	DefaultClockSkew = 30 * time.Second
	// MaxClockSkew bounds Config.ClockSkew.
	MaxClockSkew = 5 * time.Minute
	// MaxReasonLength bounds a stated reason, in bytes.
	MaxReasonLength = 1000
)

// implicitAssertion is bound into every signature (PASETO v4's implicit
// assertion) without travelling in the token: a PASETO the host signs
// with the same key for another purpose never verifies as an
// impersonation.
var implicitAssertion = []byte("userdesk/impersonation/v1")

// Config configures a Service. Fields marked required have no default;
// every other field's zero value is a working default.
type Config struct {
	// Users is the usermgmt service that owns users, operators, their
	// permissions and the audit log. Required. New registers a status
	// hook on it (see RevokeUser).
	Users *usermgmt.Service
	// Audience names the front office the tokens are for, such as
	// "https://app.example.com". Required; tokens for another audience
	// are refused.
	Audience string
	// Keys sign and verify tokens. Required: at least one key. Rotate at
	// run time with SetKeys.
	Keys KeyRing
	// DefaultTTL is a token's lifetime when the request names none. Zero
	// means 15 minutes (the package's DefaultTTL), or MaxTTL when that is
	// shorter; it may not exceed MaxTTL.
	DefaultTTL time.Duration
	// MaxTTL caps a token's lifetime. Zero means one hour, which is also
	// the most it may be.
	MaxTTL time.Duration
	// ClockSkew is allowed on expiry and not-before at verification, for
	// machines whose clocks disagree. Zero means 30 seconds; at most 5
	// minutes. A token therefore stays usable up to ClockSkew after its
	// exp.
	ClockSkew time.Duration
	// AllowInvalidated lets operators impersonate Invalidated users (to
	// see what such a user sees). False, the default, refuses it at issue
	// and at verification. Erased users are refused whatever this says.
	AllowInvalidated bool
	// RevokeOthers is the permission, besides usermgmt.PermImpersonate,
	// an operator needs to revoke other operators' tokens and all tokens
	// for a user. Zero means usermgmt.PermManageImpersonations, which among the
	// built-in roles only admin holds.
	RevokeOthers usermgmt.Permission
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives operational messages (refused tokens at debug
	// level); no personal data. Nil discards.
	Logger *slog.Logger
}

// Service issues, verifies, lists and revokes impersonation tokens. Build
// it once with New; it holds no database handle (every method takes a
// bun.IDB) and is safe for concurrent use.
type Service struct {
	users        *usermgmt.Service
	audience     string
	defaultTTL   time.Duration
	maxTTL       time.Duration
	skew         time.Duration
	allowInvalid bool
	revokeOthers usermgmt.Permission
	now          func() time.Time
	log          *slog.Logger
	keys         atomic.Pointer[ring]
}

// New checks cfg and returns a Service, after registering with cfg.Users
// the status hook that revokes a user's tokens when the user is
// Invalidated or erased. Build one Service per usermgmt.Service: each New
// registers another hook.
//
// Returns an error naming the first bad field: a missing Users, Audience
// or key, a bad key, a MaxTTL above an hour, a DefaultTTL above MaxTTL, a
// negative duration, a ClockSkew above 5 minutes.
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("impersonation: config: Users is required")
	}
	if strings.TrimSpace(cfg.Audience) == "" {
		return nil, errors.New("impersonation: config: Audience is required")
	}
	s := &Service{
		users: cfg.Users, audience: cfg.Audience, defaultTTL: cfg.DefaultTTL, maxTTL: cfg.MaxTTL,
		skew: cfg.ClockSkew, allowInvalid: cfg.AllowInvalidated, revokeOthers: cfg.RevokeOthers,
		now: cfg.Now, log: cfg.Logger,
	}
	if s.maxTTL == 0 {
		s.maxTTL = MaxTTLCeiling
	}
	if s.defaultTTL == 0 {
		s.defaultTTL = min(DefaultTTL, s.maxTTL)
	}
	if s.skew == 0 {
		s.skew = DefaultClockSkew
	}
	switch {
	case s.maxTTL < 0 || s.maxTTL > MaxTTLCeiling:
		return nil, fmt.Errorf("impersonation: config: MaxTTL %v must be between 0 and %v", cfg.MaxTTL, MaxTTLCeiling)
	case s.defaultTTL < 0 || s.defaultTTL > s.maxTTL:
		return nil, fmt.Errorf("impersonation: config: DefaultTTL %v must be between 0 and MaxTTL (%v)", cfg.DefaultTTL, s.maxTTL)
	case s.skew < 0 || s.skew > MaxClockSkew:
		return nil, fmt.Errorf("impersonation: config: ClockSkew %v must be between 0 and %v", cfg.ClockSkew, MaxClockSkew)
	}
	if s.revokeOthers == "" {
		s.revokeOthers = usermgmt.PermManageImpersonations
	}
	if !s.users.KnowsPermission(s.revokeOthers) {
		return nil, fmt.Errorf("impersonation: config: RevokeOthers: unknown permission %q", s.revokeOthers)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := s.SetKeys(cfg.Keys); err != nil {
		return nil, err
	}
	s.users.OnStatusChange(s.onStatusChange)
	s.users.OnErase(s.onErase)
	return s, nil
}

// ErasedReason replaces the stated reason of an erased user's tokens.
const ErasedReason = "(erased with the user)"

// onErase blanks the reasons of the erased user's tokens: operators type
// them, and they may name the user.
func (s *Service) onErase(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	if _, err := tx.NewUpdate().Model((*Record)(nil)).Set("reason = ?", ErasedReason).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("impersonation: erase reasons: %w", err)
	}
	return nil
}

// SetKeys replaces the key ring, for rotation at run time: tokens signed
// by a key no longer in kr are refused from the next verification on.
// Returns an error for an empty ring or a bad key, and then keeps the
// previous ring.
func (s *Service) SetKeys(kr KeyRing) error {
	r, err := newRing(kr)
	if err != nil {
		return err
	}
	s.keys.Store(r)
	return nil
}

// Audience returns the audience tokens are issued for and checked against.
func (s *Service) Audience() string { return s.audience }

// clock returns the current time in UTC at microsecond precision (what
// PostgreSQL stores).
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}
