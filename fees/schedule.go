package fees

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// Side is the fee one party pays: the asker (the customer, who buys) or the
// offeror (the vendor, who sells). Both parts are optional in the sense
// that zero means "no such fee".
type Side struct {
	// Percent is a percentage of the price, 0–100 inclusive, with any
	// number of decimals (12.5 means 12.5 %). Zero means no percentage fee.
	Percent decimal.Decimal
	// Fixed is a fixed amount ≥ 0 in the schedule's currency, with no more
	// decimals than that currency allows. Zero means no fixed fee.
	Fixed decimal.Decimal
}

// sideJSON is the wire form of a Side: decimals as strings.
type sideJSON struct {
	Percent json.RawMessage `json:"percent"`
	Fixed   json.RawMessage `json:"fixed"`
}

// MarshalJSON writes {"percent":"12.5","fixed":"0.5"}, decimals as strings
// whatever decimal's package-level knobs say.
func (s Side) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Percent string `json:"percent"`
		Fixed   string `json:"fixed"`
	}{canonical(s.Percent), canonical(s.Fixed)})
}

// UnmarshalJSON reads percent and fixed as decimal strings or bare numbers;
// an absent, null or empty value is zero. It returns a *ValidationError
// naming "percent" or "fixed" (ErrInvalidNumber) for anything else. Ranges
// are checked by Schedule.Validate.
func (s *Side) UnmarshalJSON(data []byte) error {
	var raw sideJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var errs fieldErrors
	side := raw.decode("percent", "fixed", &errs)
	if err := errs.err(); err != nil {
		return err
	}
	*s = side
	return nil
}

func (r *sideJSON) decode(percentField, fixedField string, errs *fieldErrors) Side {
	if r == nil {
		return Side{}
	}
	return Side{
		Percent: decodeRequiredJSON(percentField, r.Percent, errs),
		Fixed:   decodeRequiredJSON(fixedField, r.Fixed, errs),
	}
}

// decodeRequiredJSON decodes a decimal where unset means zero.
func decodeRequiredJSON(field string, raw json.RawMessage, errs *fieldErrors) decimal.Decimal {
	v, err := decodeOptionalJSON(raw)
	if err != nil {
		errs.add(field, truncateForError(string(raw)), ErrInvalidNumber)
		return decimal.Decimal{}
	}
	return v.Decimal
}

// decodeFieldJSON decodes an optional decimal, naming field on error.
func decodeFieldJSON(field string, raw json.RawMessage, errs *fieldErrors) OptionalDecimal {
	v, err := decodeOptionalJSON(raw)
	if err != nil {
		errs.add(field, truncateForError(string(raw)), ErrInvalidNumber)
		return Unset()
	}
	return v
}

// Schedule is a complete fee schedule: the platform standard, or the
// effective schedule of one user after Resolve. Its JSON form is
// {"currency":"USD","asker":{"percent":"20","fixed":"50"},"offeror":{"percent":"5","fixed":"10"}}.
type Schedule struct {
	// Currency is the ISO 4217 code of the fixed fees, such as "USD". It
	// may be empty only when both fixed fees are zero; a percent-only
	// schedule quotes prices in any currency.
	Currency string `json:"currency"`
	// Asker is the fee paid by the customer on top of the price.
	Asker Side `json:"asker"`
	// Offeror is the fee paid by the vendor, taken out of the price.
	Offeror Side `json:"offeror"`
}

// UnmarshalJSON decodes the JSON form. Decimals may be strings or bare
// numbers; absent, null or empty ones are zero. Malformed numbers return a
// *ValidationError naming asker_percent, asker_fixed, offeror_percent or
// offeror_fixed (ErrInvalidNumber). Ranges and the currency are checked by
// Validate.
func (s *Schedule) UnmarshalJSON(data []byte) error {
	var raw struct {
		Currency string    `json:"currency"`
		Asker    *sideJSON `json:"asker"`
		Offeror  *sideJSON `json:"offeror"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var errs fieldErrors
	out := Schedule{
		Currency: raw.Currency,
		Asker:    raw.Asker.decode(FieldAskerPercent, FieldAskerFixed, &errs),
		Offeror:  raw.Offeror.decode(FieldOfferorPercent, FieldOfferorFixed, &errs),
	}
	if err := errs.err(); err != nil {
		return err
	}
	*s = out
	return nil
}

// IsZero reports whether the schedule charges nothing at all.
func (s Schedule) IsZero() bool {
	return s.Asker.Percent.IsZero() && s.Asker.Fixed.IsZero() &&
		s.Offeror.Percent.IsZero() && s.Offeror.Fixed.IsZero()
}

// Validate checks every field and returns nil or a *ValidationError listing
// each bad one: currency (ErrUnknownCurrency, also when it is empty while a
// fixed fee is not zero), asker_percent and offeror_percent
// (ErrInvalidPercent outside 0–100), asker_fixed and offeror_fixed
// (ErrNegativeAmount, ErrAmountTooLarge above MaxAmount, or
// ErrTooManyDecimals beyond the currency's minor unit).
func (s Schedule) Validate() error {
	var errs fieldErrors
	s.validate(&errs)
	return errs.err()
}

func (s Schedule) validate(errs *fieldErrors) {
	places, known := MinorUnits(s.Currency)
	hasFixed := !s.Asker.Fixed.IsZero() || !s.Offeror.Fixed.IsZero()
	if !known && (s.Currency != "" || hasFixed) {
		errs.add(FieldCurrency, s.Currency, ErrUnknownCurrency)
	}
	validatePercent(FieldAskerPercent, s.Asker.Percent, errs)
	validateFixed(FieldAskerFixed, s.Asker.Fixed, places, known, errs)
	validatePercent(FieldOfferorPercent, s.Offeror.Percent, errs)
	validateFixed(FieldOfferorFixed, s.Offeror.Fixed, places, known, errs)
}

// validateBounds checks that a fixed amount is within 0 and MaxAmount.
func validateBounds(field string, d decimal.Decimal, errs *fieldErrors) {
	switch {
	case d.IsNegative():
		errs.add(field, canonical(d), ErrNegativeAmount)
	case d.GreaterThan(maxAmount):
		errs.add(field, canonical(d), ErrAmountTooLarge)
	}
}

func validatePercent(field string, p decimal.Decimal, errs *fieldErrors) {
	if p.IsNegative() || p.GreaterThan(hundred) {
		errs.add(field, canonical(p), ErrInvalidPercent)
	}
}

// validateFixed checks the sign, and the decimals when the currency is
// known.
func validateFixed(field string, d decimal.Decimal, places int32, known bool, errs *fieldErrors) {
	switch {
	case d.IsNegative():
		errs.add(field, canonical(d), ErrNegativeAmount)
	case d.GreaterThan(maxAmount):
		errs.add(field, canonical(d), ErrAmountTooLarge)
	case known && !fitsMinorUnit(d, places):
		errs.add(field, canonical(d), ErrTooManyDecimals)
	}
}
