package usermgmt

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// SettingsUpdate changes platform settings; nil fields are kept. Version
// must be the settings' current version.
type SettingsUpdate struct {
	Version           int64            `json:"version"`
	Currency          *string          `json:"currency"`
	AskerPercent      *decimal.Decimal `json:"asker_percent"`
	AskerFixed        *decimal.Decimal `json:"asker_fixed"`
	OfferorPercent    *decimal.Decimal `json:"offeror_percent"`
	OfferorFixed      *decimal.Decimal `json:"offeror_fixed"`
	DefaultUserStatus *Status          `json:"default_user_status"`
	PlatformMode      *PlatformMode    `json:"platform_mode"`
}

// UpdateSettings changes the platform settings on behalf of an operator
// holding PermEditSettings; audited with old and new values (settings are
// not personal data). The standard fees are validated by package fees
// against the currency. Switching to non-switch mode does not touch users
// who hold both roles already; it applies to registrations and role
// changes from then on.
//
// Returns a *PermissionError, ErrStaleVersion, a *ValidationError naming
// default_user_status or platform_mode, or the fees package's
// *ValidationError for the fee fields.
func (s *Service) UpdateSettings(ctx context.Context, db bun.IDB, actor uuid.UUID, upd SettingsUpdate) (*Settings, error) {
	var out *Settings
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		op, err := s.Authorize(ctx, tx, actor, PermEditSettings)
		if err != nil {
			return err
		}
		cur, err := GetSettings(ctx, tx)
		if err != nil {
			return err
		}
		if upd.Version != cur.Version {
			return ErrStaleVersion
		}
		next := *cur
		if upd.Currency != nil {
			next.Currency = *upd.Currency
		}
		for _, f := range []struct {
			dst *decimal.Decimal
			v   *decimal.Decimal
		}{{&next.AskerPercent, upd.AskerPercent}, {&next.AskerFixed, upd.AskerFixed}, {&next.OfferorPercent, upd.OfferorPercent}, {&next.OfferorFixed, upd.OfferorFixed}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if upd.DefaultUserStatus != nil {
			if *upd.DefaultUserStatus != StatusLive && *upd.DefaultUserStatus != StatusInReview {
				return invalid("default_user_status", "oneof", "must be live or in_review")
			}
			next.DefaultUserStatus = *upd.DefaultUserStatus
		}
		if upd.PlatformMode != nil {
			if *upd.PlatformMode != SwitchMode && *upd.PlatformMode != NonSwitchMode {
				return invalid("platform_mode", "oneof", "must be switch or non_switch")
			}
			next.PlatformMode = *upd.PlatformMode
		}
		if err := next.StandardFees().Validate(); err != nil {
			return err
		}
		if _, known := fees.MinorUnits(next.Currency); !known {
			return invalid("currency", "iso4217", "must be an active ISO 4217 currency code")
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.clock()
		res, err := tx.NewUpdate().Model(&next).WherePK().Where("version = ?", cur.Version).Exec(ctx)
		if err != nil {
			return fmt.Errorf("usermgmt: update settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStaleVersion
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: &op.ID, Action: ActionSettingsUpdate, Fields: []string{"settings"},
			Before: map[string]any{"settings": cur}, After: map[string]any{"settings": next},
		})
		out = &next
		return err
	})
	return out, err
}
