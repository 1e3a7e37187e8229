package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Authenticate checks a user's email and password for the front office
// and honours the status policy: an Invalidated user gets ErrLoginRefused
// (only after a correct password), an In review user may log in. An
// email that is not text (CheckText) is a *ValidationError naming email.
//
// An unknown email and a wrong password both return ErrInvalidCredentials
// after the same work (an unknown email is verified against a dummy hash),
// so the call cannot tell who has an account. A hash made with weaker
// parameters than the current ones is upgraded on success.
func (s *Service) Authenticate(ctx context.Context, db bun.IDB, email, password string) (*User, error) {
	if err := CheckText("email", email); err != nil {
		return nil, err
	}
	u, err := getUserByEmail(ctx, db, normalizeEmail(email))
	if errors.Is(err, ErrNotFound) {
		s.hasher.VerifyDummy(ctx, password)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == "" { // an account without a password cannot log in
		s.hasher.VerifyDummy(ctx, password)
		return nil, ErrInvalidCredentials
	}
	needsRehash, err := s.hasher.Verify(ctx, password, u.PasswordHash)
	if errors.Is(err, ErrPasswordMismatch) {
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if !u.Status.Allows(CanLogIn) {
		return nil, ErrLoginRefused
	}
	if needsRehash {
		s.rehash(ctx, db, (*User)(nil), u.ID, password)
	}
	return u, nil
}

// GetUser reads a user for an operator holding PermReadUsers. Returns a
// *PermissionError (ErrForbidden) or ErrNotFound.
func (s *Service) GetUser(ctx context.Context, db bun.IDB, actor, id uuid.UUID) (*User, error) {
	if _, err := s.Authorize(ctx, db, actor, PermReadUsers); err != nil {
		return nil, err
	}
	return getUser(ctx, db, id)
}

// GetOwnUser reads the user id for the user themself (the front office's
// "me"). Returns ErrNotFound.
func (s *Service) GetOwnUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*User, error) {
	return getUser(ctx, db, id)
}

// Standing is the part of a user that access decisions need.
type Standing struct {
	Status  Status
	Deleted bool
}

// UserStanding reads a user's status and erasure mark in one indexed
// query, for hot paths such as verifying a token on every request.
// Returns ErrNotFound.
func (s *Service) UserStanding(ctx context.Context, db bun.IDB, id uuid.UUID) (Standing, error) {
	var row struct {
		Status    Status     `bun:"status"`
		DeletedAt *time.Time `bun:"deleted_at"`
	}
	err := db.NewSelect().Model((*User)(nil)).Column("status", "deleted_at").Where("id = ?", id).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return Standing{}, ErrNotFound
	}
	if err != nil {
		return Standing{}, fmt.Errorf("usermgmt: user standing: %w", err)
	}
	return Standing{Status: row.Status, Deleted: row.DeletedAt != nil}, nil
}
