package usermgmt

import (
	"context"
	"errors"

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
