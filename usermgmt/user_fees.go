package usermgmt

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// UserFees is the fee card of the detail view: the user's override as
// stored (unset versus zero kept), the schedule that applies, and whether
// that is the platform standard or customized.
type UserFees struct {
	Override fees.Override `json:"override"`
	Schedule fees.Schedule `json:"schedule"`
	Mode     fees.Mode     `json:"mode"`
}

// GetUserFees returns a user's fee card for an operator holding
// PermReadUsers. Returns a *PermissionError or ErrNotFound.
func (s *Service) GetUserFees(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) (*UserFees, error) {
	if _, err := s.Authorize(ctx, db, actor, PermReadUsers); err != nil {
		return nil, err
	}
	return s.EffectiveFees(ctx, db, userID)
}

// EffectiveFees resolves a user's override against the platform standard,
// for the host's checkout (no permission check). Returns ErrNotFound, or the
// fees package's *ValidationError if the stored override is invalid.
func (s *Service) EffectiveFees(ctx context.Context, db bun.IDB, userID uuid.UUID) (*UserFees, error) {
	u, err := getLiveUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	return s.feeCard(ctx, db, u)
}

// feeCard resolves u's override against the platform standard.
func (s *Service) feeCard(ctx context.Context, db bun.IDB, u *User) (*UserFees, error) {
	settings, err := GetSettings(ctx, db)
	if err != nil {
		return nil, err
	}
	schedule, mode, err := fees.Resolve(settings.StandardFees(), u.Fees)
	if err != nil {
		return nil, err
	}
	return &UserFees{Override: u.Fees, Schedule: schedule, Mode: mode}, nil
}

// SetUserFees stores a user's fee override on behalf of an operator
// holding PermEditFees. Each field is kept as given: unset means "platform
// standard", zero means "no fee"; with UseStandard on, the fields are kept
// but ignored. Audited with the old and new override (fees are not
// personal data).
//
// With [IfVersion] the change happens only at the version the operator
// read, and is one version.
//
// Returns a *PermissionError, ErrNotFound, ErrStaleVersion, or the fees
// package's *ValidationError naming the bad field (percent outside 0–100,
// negative or over-precise fixed amount).
func (s *Service) SetUserFees(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, o fees.Override, opts ...WriteOption) (*UserFees, error) {
	wo := collectWriteOptions(opts)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var out *UserFees
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermEditFees)
		if err != nil {
			return err
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		expect, err := wo.expect(u)
		if err != nil {
			return err
		}
		settings, err := GetSettings(ctx, tx)
		if err != nil {
			return err
		}
		// Resolving checks the fixed amounts against the platform currency.
		schedule, mode, err := fees.Resolve(settings.StandardFees(), o)
		if err != nil {
			return err
		}
		before := u.Fees
		u.Fees, u.UpdatedAt = o, s.clock()
		if err := updateUserColumns(ctx, tx, u, expect, "fee_use_standard", "fee_asker_percent", "fee_asker_fixed", "fee_offeror_percent", "fee_offeror_fixed"); err != nil {
			return err
		}
		wo.report(u.Version)
		if _, err := s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, UserID: &userID, Action: ActionFeesSet, Fields: []string{"fees"},
			Before: map[string]any{"fees": before}, After: map[string]any{"fees": o},
		}); err != nil {
			return err
		}
		out = &UserFees{Override: o, Schedule: schedule, Mode: mode}
		return nil
	})
	return out, err
}
