package usermgmt

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// ResetPassword sets a user's password without the current one, for a
// flow that proved the user's identity otherwise (a single-use reset link
// sent to their verified address, in package verification). System path:
// no permission check; the caller refuses it under an impersonation
// (NotImpersonated) and proves the user's identity first. The password
// must pass CheckPassword; it is not temporary (the user chose it). Every
// session of the user ends in the same transaction: whoever held one
// before the reset, an attacker included, is logged out. No audit record
// and no password hooks (those are for operator-set passwords); the
// caller audits and tells the user.
//
// Returns ErrNotFound, or a *ValidationError naming password.
func (s *Service) ResetPassword(ctx context.Context, db bun.IDB, userID uuid.UUID, password string) error {
	if err := s.CheckPassword("password", password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.PasswordTemporary, u.UpdatedAt = hash, false, s.clock()
		if err := updateUserColumns(ctx, tx, u, u.Version, "password_hash", "password_temporary"); err != nil {
			return err
		}
		_, err = s.EndAllSessions(ctx, tx, UserSession, userID)
		return err
	})
}
