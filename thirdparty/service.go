package thirdparty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Config configures a Service. Every field's zero value is a documented
// default, except Users.
type Config struct {
	// Users is the usermgmt service: permissions, audit and erasure.
	// Required.
	Users *usermgmt.Service
	// Now is the clock. Nil means time.Now. Times are stored in UTC at
	// microsecond precision.
	Now func() time.Time
	// Logger receives operational messages (never personal data). Nil
	// discards.
	Logger *slog.Logger
}

// Service reads and writes links. It holds no database handle: every
// method takes a bun.IDB. It is safe for concurrent use.
type Service struct {
	users *usermgmt.Service
	now   func() time.Time
	log   *slog.Logger
}

// New returns a Service and registers its erasure hook with cfg.Users, so
// that erasing a user deletes the user's links and their snapshots in the
// same transaction. It returns an error when Users is nil or does not
// know this package's permissions (pass Permissions() in
// usermgmt.Config.Permissions).
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("thirdparty: config: Users is required")
	}
	for _, d := range Permissions() {
		if !cfg.Users.KnowsPermission(d.Permission) {
			return nil, fmt.Errorf("thirdparty: config: usermgmt does not know permission %q: add thirdparty.Permissions() to usermgmt.Config.Permissions", d.Permission)
		}
	}
	s := &Service{users: cfg.Users, now: cfg.Now, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	cfg.Users.OnErase(s.erase)
	return s, nil
}

// Users returns the usermgmt service the links are built on.
func (s *Service) Users() *usermgmt.Service { return s.users }

// Now returns the service's clock reading as stored: UTC, microseconds.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, fmt.Errorf("thirdparty: new id: %w", err)
	}
	return id, nil
}

// erase deletes the user's links (and with them the snapshots and
// candidates) inside EraseUser's transaction, with one audit record per
// link. The external profiles are left alone: they belong to the
// provider's account holder.
func (s *Service) erase(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	var links []Link
	if err := tx.NewSelect().Model(&links).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return fmt.Errorf("thirdparty: erase: %w", err)
	}
	if len(links) == 0 {
		return nil
	}
	if _, err := tx.NewDelete().Model((*Link)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("thirdparty: erase: %w", err)
	}
	for _, l := range links {
		if _, err := s.users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			UserID: &userID, Action: ActionLinkErase, Fields: []string{"link"},
			Before: map[string]any{"provider": l.Provider, "status": l.Status},
			After:  map[string]any{"provider": l.Provider, "status": StatusUnlinked},
			Reason: "user erased",
		}); err != nil {
			return err
		}
	}
	return nil
}
