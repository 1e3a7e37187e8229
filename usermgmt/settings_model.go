package usermgmt

import (
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// PlatformMode says whether a user may be both a customer and a vendor.
type PlatformMode string

// The platform modes.
const (
	// SwitchMode lets a user be both an asker and an offeror.
	SwitchMode PlatformMode = "switch"
	// NonSwitchMode makes every user exactly one of asker or offeror.
	NonSwitchMode PlatformMode = "non_switch"
)

// Settings are the platform-wide settings, one row in
// userdesk_platform_settings.
type Settings struct {
	bun.BaseModel `bun:"table:userdesk_platform_settings"`

	// ID is always 1: the table holds one row.
	ID int `bun:"id,pk" json:"-"`
	// Currency is the ISO 4217 code of the standard fixed fees.
	Currency string `bun:"currency,notnull" json:"currency"`
	// AskerPercent is the standard customer fee, in percent of the price.
	AskerPercent decimal.Decimal `bun:"asker_percent,notnull" json:"asker_percent"`
	// AskerFixed is the standard customer fixed fee, in Currency.
	AskerFixed decimal.Decimal `bun:"asker_fixed,notnull" json:"asker_fixed"`
	// OfferorPercent is the standard vendor fee, in percent of the price.
	OfferorPercent decimal.Decimal `bun:"offeror_percent,notnull" json:"offeror_percent"`
	// OfferorFixed is the standard vendor fixed fee, in Currency.
	OfferorFixed decimal.Decimal `bun:"offeror_fixed,notnull" json:"offeror_fixed"`
	// DefaultUserStatus is the status of a newly registered user:
	// StatusLive or StatusInReview.
	DefaultUserStatus Status `bun:"default_user_status,notnull" json:"default_user_status"`
	// PlatformMode is SwitchMode or NonSwitchMode.
	PlatformMode PlatformMode `bun:"platform_mode,notnull" json:"platform_mode"`
	// Version grows by one at every change.
	Version int64 `bun:"version,notnull" json:"version"`
	// UpdatedAt is the time of the last change, UTC.
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// StandardFees returns the platform's standard fee schedule.
func (s *Settings) StandardFees() fees.Schedule {
	return fees.Schedule{
		Currency: s.Currency,
		Asker:    fees.Side{Percent: s.AskerPercent, Fixed: s.AskerFixed},
		Offeror:  fees.Side{Percent: s.OfferorPercent, Fixed: s.OfferorFixed},
	}
}
