package fees

import (
	"bytes"
	"encoding/json"
)

// Mode says whether a user pays the platform's standard fees or fees
// customized for them.
type Mode string

const (
	// Standard means the user pays the platform's standard schedule.
	Standard Mode = "standard"
	// Customized means at least one of the user's own fee fields applies.
	Customized Mode = "customized"
)

// Override is a user's own fees. Each of the four fields is independently
// unset (the standard applies) or set (it replaces the standard; zero
// means "no fee"). Fixed amounts are in the standard schedule's currency.
//
// The zero value has UseStandard false and no field set: it resolves to
// the standard schedule, in Standard mode.
type Override struct {
	// UseStandard is the "use standard platform fees" switch. When true the
	// fields below are ignored but kept, so that switching it off again
	// restores them.
	UseStandard bool `json:"use_standard"`
	// AskerPercent replaces the standard asker percentage when set.
	AskerPercent OptionalDecimal `json:"asker_percent"`
	// AskerFixed replaces the standard asker fixed fee when set.
	AskerFixed OptionalDecimal `json:"asker_fixed"`
	// OfferorPercent replaces the standard offeror percentage when set.
	OfferorPercent OptionalDecimal `json:"offeror_percent"`
	// OfferorFixed replaces the standard offeror fixed fee when set.
	OfferorFixed OptionalDecimal `json:"offeror_fixed"`
}

// UnmarshalJSON decodes the JSON form, in which every fee field is null,
// absent, a decimal string or a bare number. Malformed numbers are
// reported all together as a *ValidationError naming each field
// (ErrInvalidNumber). A key that is not one of the five fields is an
// error ("json: unknown field"), so that a misspelt field never passes
// for an absent one and resets a fee to the standard. Ranges are checked
// by Validate and Resolve.
func (o *Override) UnmarshalJSON(data []byte) error {
	var raw struct {
		UseStandard    bool            `json:"use_standard"`
		AskerPercent   json.RawMessage `json:"asker_percent"`
		AskerFixed     json.RawMessage `json:"asker_fixed"`
		OfferorPercent json.RawMessage `json:"offeror_percent"`
		OfferorFixed   json.RawMessage `json:"offeror_fixed"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	var errs fieldErrors
	out := Override{
		UseStandard:    raw.UseStandard,
		AskerPercent:   decodeFieldJSON(FieldAskerPercent, raw.AskerPercent, &errs),
		AskerFixed:     decodeFieldJSON(FieldAskerFixed, raw.AskerFixed, &errs),
		OfferorPercent: decodeFieldJSON(FieldOfferorPercent, raw.OfferorPercent, &errs),
		OfferorFixed:   decodeFieldJSON(FieldOfferorFixed, raw.OfferorFixed, &errs),
	}
	if err := errs.err(); err != nil {
		return err
	}
	*o = out
	return nil
}

// HasCustomFields reports whether at least one fee field is set, whatever
// UseStandard says.
func (o Override) HasCustomFields() bool {
	return o.AskerPercent.Valid || o.AskerFixed.Valid || o.OfferorPercent.Valid || o.OfferorFixed.Valid
}

// Mode returns Customized when UseStandard is false and at least one field
// is set, and Standard otherwise. A field set to the same value as the
// standard still counts: the operator chose it, and it stays when the
// standard changes.
func (o Override) Mode() Mode {
	if !o.UseStandard && o.HasCustomFields() {
		return Customized
	}
	return Standard
}

// Validate checks the set fields, all of them, and returns nil or a
// *ValidationError: asker_percent and offeror_percent wrap
// ErrInvalidPercent outside 0–100, asker_fixed and offeror_fixed wrap
// ErrNegativeAmount below zero and ErrAmountTooLarge above MaxAmount. It checks the fields even when UseStandard
// is true, since they are kept. The number of decimals of fixed fees
// depends on the currency and is checked by Resolve.
func (o Override) Validate() error {
	var errs fieldErrors
	o.validate(&errs)
	return errs.err()
}

func (o Override) validate(errs *fieldErrors) {
	if o.AskerPercent.Valid {
		validatePercent(FieldAskerPercent, o.AskerPercent.Decimal, errs)
	}
	if o.AskerFixed.Valid {
		validateBounds(FieldAskerFixed, o.AskerFixed.Decimal, errs)
	}
	if o.OfferorPercent.Valid {
		validatePercent(FieldOfferorPercent, o.OfferorPercent.Decimal, errs)
	}
	if o.OfferorFixed.Valid {
		validateBounds(FieldOfferorFixed, o.OfferorFixed.Decimal, errs)
	}
}

// Resolve applies a user's override to the platform's standard schedule
// and returns the user's effective schedule and mode.
//
// In Standard mode (UseStandard on, or no field set) the effective
// schedule is the standard and the override is not looked at, so a kept
// override that no longer fits (say, cents after the platform moved to
// JPY) does not block the user. In Customized mode each set field replaces
// the standard's, in the standard's currency.
//
// It returns a *ValidationError listing every bad field of the standard
// and, in Customized mode, of the override and of the effective schedule:
// ErrInvalidPercent, ErrNegativeAmount, ErrTooManyDecimals and
// ErrUnknownCurrency as described for Schedule.Validate.
func Resolve(standard Schedule, o Override) (Schedule, Mode, error) {
	mode := o.Mode()
	var errs fieldErrors
	standard.validate(&errs)
	if mode == Standard {
		if err := errs.err(); err != nil {
			return Schedule{}, "", err
		}
		return standard, Standard, nil
	}
	o.validate(&errs)
	if err := errs.err(); err != nil {
		return Schedule{}, "", err
	}
	eff := Schedule{
		Currency: standard.Currency,
		Asker: Side{
			Percent: o.AskerPercent.Or(standard.Asker.Percent),
			Fixed:   o.AskerFixed.Or(standard.Asker.Fixed),
		},
		Offeror: Side{
			Percent: o.OfferorPercent.Or(standard.Offeror.Percent),
			Fixed:   o.OfferorFixed.Or(standard.Offeror.Fixed),
		},
	}
	// Catches what only the combination reveals: decimals of an override's
	// fixed fee against the currency, or a fixed fee on a currency-less
	// standard.
	eff.validate(&errs)
	if err := errs.err(); err != nil {
		return Schedule{}, "", err
	}
	return eff, Customized, nil
}
