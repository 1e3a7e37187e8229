package fees

import (
	"strings"

	"github.com/shopspring/decimal"
)

var hundred = decimal.NewFromInt(100)

// ParsePercentField parses one percentage field of a form. An empty input,
// or one of only spaces, is unset; "0" is set to zero; surrounding spaces
// are ignored (" 12.5 " is 12.5). The accepted syntax is digits with an
// optional decimal point ("12", "12.5"): no sign, exponent, or thousands
// separator. It returns a *FieldError naming field that wraps
// ErrInvalidNumber for other text and ErrInvalidPercent for a value outside
// 0–100 inclusive ("-1", "101").
func ParsePercentField(field, s string) (OptionalDecimal, error) {
	v, fe := parseFormNumber(field, s, ErrInvalidPercent)
	if fe != nil {
		return Unset(), fe
	}
	if v.Valid && v.Decimal.GreaterThan(hundred) {
		return Unset(), &FieldError{Field: field, Value: s, Err: ErrInvalidPercent}
	}
	return v, nil
}

// ParseFixedField parses one fixed-amount field of a form, with the same
// rules as ParsePercentField except the range: any amount ≥ 0 is accepted,
// and "-1" returns a *FieldError wrapping ErrNegativeAmount. The form does
// not say the currency, so the number of decimals is checked later, by
// Resolve or Schedule.Validate, against the schedule's currency.
func ParseFixedField(field, s string) (OptionalDecimal, error) {
	v, fe := parseFormNumber(field, s, ErrNegativeAmount)
	if fe != nil {
		return Unset(), fe
	}
	return v, nil
}

// parseFormNumber trims s and parses it; negative values return negErr.
func parseFormNumber(field, s string, negErr error) (OptionalDecimal, *FieldError) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Unset(), nil
	}
	d, ok := parseNumber(t, false)
	if !ok {
		return Unset(), &FieldError{Field: field, Value: truncateForError(s), Err: ErrInvalidNumber}
	}
	if d.IsNegative() {
		return Unset(), &FieldError{Field: field, Value: s, Err: negErr}
	}
	return Some(d), nil
}

// ParseBoolField parses a form switch such as the "use standard platform
// fees" checkbox. "", "off", "false" and "0" are false (an unchecked HTML
// checkbox is not sent at all, which reads as ""); "on", "true" and "1" are
// true; case and surrounding spaces are ignored. Other input returns a
// *FieldError wrapping ErrInvalidBool.
func ParseBoolField(field, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "off", "false", "0":
		return false, nil
	case "on", "true", "1":
		return true, nil
	default:
		return false, &FieldError{Field: field, Value: truncateForError(s), Err: ErrInvalidBool}
	}
}

// ParseOverrideForm builds an Override from form values named like its
// JSON keys: use_standard, asker_percent, asker_fixed, offeror_percent and
// offeror_fixed. get returns a field's value, or "" when absent;
// url.Values.Get and (*http.Request).PostFormValue fit. Every field is
// parsed and all errors are returned together as a *ValidationError.
// Ranges are checked (percent 0–100, fixed ≥ 0); decimals against the
// currency are checked by Resolve.
func ParseOverrideForm(get func(name string) string) (Override, error) {
	var (
		o    Override
		errs fieldErrors
		err  error
	)
	if o.UseStandard, err = ParseBoolField(FieldUseStandard, get(FieldUseStandard)); err != nil {
		errs.addErr(err.(*FieldError))
	}
	percent := func(field string, dst *OptionalDecimal) {
		v, err := ParsePercentField(field, get(field))
		if err != nil {
			errs.addErr(err.(*FieldError))
		}
		*dst = v
	}
	fixed := func(field string, dst *OptionalDecimal) {
		v, err := ParseFixedField(field, get(field))
		if err != nil {
			errs.addErr(err.(*FieldError))
		}
		*dst = v
	}
	percent(FieldAskerPercent, &o.AskerPercent)
	fixed(FieldAskerFixed, &o.AskerFixed)
	percent(FieldOfferorPercent, &o.OfferorPercent)
	fixed(FieldOfferorFixed, &o.OfferorFixed)
	if err := errs.err(); err != nil {
		return Override{}, err
	}
	return o, nil
}
