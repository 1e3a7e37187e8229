package fees

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// RoundingMode says how a fee component is rounded to the currency's minor
// unit. The zero value is HalfUp.
type RoundingMode uint8

const (
	// HalfUp rounds ties up, away from zero: 0.005 USD becomes 0.01. It is
	// what payment processors and most invoices expect, and the default.
	// It uses decimal's Round, which rounds half away from zero; fee
	// components are never negative, so that is half-up.
	HalfUp RoundingMode = iota
	// HalfEven rounds ties to the even neighbour (banker's rounding):
	// 0.005 USD becomes 0.00 and 0.015 USD becomes 0.02.
	HalfEven
)

// String returns "half_up" or "half_even" (or "RoundingMode(n)" for an
// undeclared value).
func (m RoundingMode) String() string {
	switch m {
	case HalfUp:
		return "half_up"
	case HalfEven:
		return "half_even"
	default:
		return fmt.Sprintf("RoundingMode(%d)", uint8(m))
	}
}

// MarshalText returns the String form. It returns ErrInvalidRounding for an
// undeclared value.
func (m RoundingMode) MarshalText() ([]byte, error) {
	if !m.valid() {
		return nil, fmt.Errorf("%w: %d", ErrInvalidRounding, uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText accepts "half_up" and "half_even"; an empty text means
// HalfUp. Anything else returns ErrInvalidRounding.
func (m *RoundingMode) UnmarshalText(text []byte) error {
	switch string(text) {
	case "", "half_up":
		*m = HalfUp
	case "half_even":
		*m = HalfEven
	default:
		return fmt.Errorf("%w: %q", ErrInvalidRounding, text)
	}
	return nil
}

func (m RoundingMode) valid() bool { return m == HalfUp || m == HalfEven }

// round rounds d to places decimals. d must not be negative.
func (m RoundingMode) round(d decimal.Decimal, places int32) decimal.Decimal {
	if m == HalfEven {
		return d.RoundBank(places)
	}
	return d.Round(places)
}
