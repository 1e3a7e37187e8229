package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// ClaimUserVersion is the optimistic-concurrency guard of a write that
// the caller makes of its own statements inside its own transaction tx:
// it checks that user id is at version and moves it to the next version.
// A write made of one library call takes [IfVersion] instead (ChangeStatus,
// SetUserFees, SetUserCategories, SetVerifications, SetPassword): those
// calls bump the version themselves, so claiming it first would move it
// twice. The UPDATE also locks the user's row until tx ends, so that
// concurrent writers queue behind the first one and then find the version
// gone (ErrStaleVersion) instead of colliding half-way through their own
// writes (unique violations, deadlocks).
//
// The actor must hold perm, the permission of the write that follows (so
// that a refusal is a refusal before it is a conflict, and nobody moves a
// version they may not write); the write checks it again. Call it as the
// first step of the transaction and roll the transaction back on any
// error. Returns the claimed version, a *PermissionError (ErrForbidden), a
// *ValidationError naming version when it is not positive, ErrNotFound
// (also for an erased user) or ErrStaleVersion.
func (s *Service) ClaimUserVersion(ctx context.Context, tx bun.IDB, actor uuid.UUID, perm Permission, id uuid.UUID, version int64) (int64, error) {
	if _, err := s.Authorize(ctx, tx, actor, perm); err != nil {
		return 0, err
	}
	if version <= 0 {
		return 0, invalid("version", "required", "is required: the version you read")
	}
	var claimed int64
	err := tx.NewUpdate().Model((*User)(nil)).Set("version = version + 1").
		Where("id = ?", id).Where("version = ?", version).Where("deleted_at IS NULL").
		Returning("version").Scan(ctx, &claimed)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.UserVersion(ctx, tx, id); err != nil {
			return 0, err
		}
		return 0, ErrStaleVersion
	}
	if err != nil {
		return 0, fmt.Errorf("usermgmt: claim version: %w", err)
	}
	return claimed, nil
}

// UserVersion reads the current version of user id, for an answer that
// must carry the version a transaction left. Returns ErrNotFound (also
// for an erased user).
func (s *Service) UserVersion(ctx context.Context, db bun.IDB, id uuid.UUID) (int64, error) {
	var v int64
	err := db.NewSelect().Model((*User)(nil)).Column("version").Where("id = ?", id).Where("deleted_at IS NULL").Scan(ctx, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("usermgmt: user version: %w", err)
	}
	return v, nil
}
