package usermgmt

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// VerificationKind names one of the three verification flags.
type VerificationKind string

// The verification flags.
const (
	VerifyID    VerificationKind = "id"
	VerifyEmail VerificationKind = "email"
	VerifyPhone VerificationKind = "phone"
)

// VerificationUpdate changes verification flags; nil fields are left.
type VerificationUpdate struct {
	ID    *bool `json:"id"`
	Email *bool `json:"email"`
	Phone *bool `json:"phone"`
}

// SetVerifications sets verification flags on behalf of an operator holding
// PermEditVerifications, recording the operator and the time on each flag
// that changes; audited with old and new values. With [IfVersion] the
// change happens only at the version the operator read, and is one
// version. Returns a *PermissionError, ErrNotFound or ErrStaleVersion.
func (s *Service) SetVerifications(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, upd VerificationUpdate, opts ...WriteOption) (*Verifications, error) {
	return s.setVerifications(ctx, db, &actor, userID, upd, collectWriteOptions(opts))
}

// SetVerificationBySystem sets one flag for an automatic flow (an email
// link, an SMS code, the PSP's KYC): the flag records the time and no
// operator. No permission check and no audit record (the flow is the
// host's). Returns ErrNotFound.
func (s *Service) SetVerificationBySystem(ctx context.Context, db bun.IDB, userID uuid.UUID, kind VerificationKind, verified bool) (*Verifications, error) {
	return s.RecordVerification(ctx, db, userID, kind, verified, nil)
}

func (s *Service) setVerifications(ctx context.Context, db bun.IDB, actor *uuid.UUID, userID uuid.UUID, upd VerificationUpdate, wo writeOptions) (*Verifications, error) {
	var out *Verifications
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if actor != nil {
			if _, err := s.Authorize(ctx, tx, *actor, PermEditVerifications); err != nil {
				return err
			}
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		expect, err := wo.expect(u)
		if err != nil {
			return err
		}
		now := s.clock()
		var fields, columns []string
		before, after := map[string]any{}, map[string]any{}
		apply := func(name string, v *Verification, want *bool) {
			if want == nil || v.Verified == *want {
				return
			}
			before[name], after[name] = v.Verified, *want
			*v = Verification{Verified: *want, At: ptr(now), By: actor}
			fields = append(fields, name+"_verified")
			columns = append(columns, name+"_verified", name+"_verified_at", name+"_verified_by")
		}
		apply("id", &u.Verifications.ID, upd.ID)
		apply("email", &u.Verifications.Email, upd.Email)
		apply("phone", &u.Verifications.Phone, upd.Phone)
		out = &u.Verifications
		if len(fields) == 0 {
			return wo.claim(ctx, tx, u, expect)
		}
		u.UpdatedAt = now
		if err := updateUserColumns(ctx, tx, u, expect, columns...); err != nil {
			return err
		}
		wo.report(u.Version)
		if actor == nil {
			return nil
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{OperatorID: actor, UserID: &userID, Action: ActionVerificationsSet, Fields: fields, Before: before, After: after})
		return err
	})
	return out, err
}

func ptr[T any](v T) *T { return &v }

// BySystem reports whether an automatic flow, not an operator, last set
// the flag.
func (v Verification) BySystem() bool { return v.At != nil && v.By == nil }
