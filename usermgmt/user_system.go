package usermgmt

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// FindUserByEmail reads the live (not erased) user whose email matches,
// in any letter case or Unicode spelling, for the system flows of the
// packages built on usermgmt ("forgot my password", "resend my link").
// System path: no permission check, and the caller must not reveal the
// answer to the person who typed the address. Returns ErrNotFound.
func (s *Service) FindUserByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u, err := getUserByEmail(ctx, db, normalizeEmail(email))
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, ErrNotFound
	}
	return u, nil
}

// NormalizeEmail is the form of an address that uniqueness compares:
// trimmed, Unicode NFC, lowercased. Packages that keep addresses of their
// own (a pending email change, a rate-limit key) compare in this form.
func NormalizeEmail(email string) string { return normalizeEmail(email) }

// RecordVerification sets one verification flag for a package built on
// usermgmt that decided the change itself: by names the operator it
// authorised with a permission of its own (kept on the flag as
// Verification.By), or is nil for an automatic flow (an email link, an
// SMS code, a PSP webhook). Unlike SetVerifications there is no
// permission check and no audit record: the caller checks its own
// permission and records its own audit entry (with its reason) in the
// same transaction. System path (or the caller's own permission path): no
// permission check here. With [IfVersion] (an operator's edit guarded by
// the version they read) the change is one version, and a flag already
// as asked still claims the version. Returns ErrNotFound,
// ErrStaleVersion, or a *ValidationError naming kind or version.
func (s *Service) RecordVerification(ctx context.Context, db bun.IDB, userID uuid.UUID, kind VerificationKind, verified bool, by *uuid.UUID, opts ...WriteOption) (*Verifications, error) {
	column := string(kind)
	if kind != VerifyID && kind != VerifyEmail && kind != VerifyPhone {
		return nil, invalid("kind", "oneof", "must be one of: id email phone")
	}
	wo := collectWriteOptions(opts)
	var out *Verifications
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		expect, err := wo.expect(u)
		if err != nil {
			return err
		}
		v := map[VerificationKind]*Verification{VerifyID: &u.Verifications.ID, VerifyEmail: &u.Verifications.Email, VerifyPhone: &u.Verifications.Phone}[kind]
		out = &u.Verifications
		if v.Verified == verified && sameOperator(v.By, by) && v.At != nil {
			return wo.claim(ctx, tx, u, expect)
		}
		now := s.clock()
		*v = Verification{Verified: verified, At: &now, By: by}
		u.UpdatedAt = now
		if err := updateUserColumns(ctx, tx, u, expect, column+"_verified", column+"_verified_at", column+"_verified_by"); err != nil {
			return err
		}
		wo.report(u.Version)
		return nil
	})
	return out, err
}

func sameOperator(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
