package fees

import (
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Sentinel errors. Every validation failure returned by this package wraps
// exactly one of them inside a *FieldError, so callers can branch with
// errors.Is and still learn which field was wrong with errors.As.
var (
	// ErrInvalidNumber means the input is not a plain decimal number
	// (for example "abc", "1,5", "1e3" in a form, "NaN" from a database, or
	// a float64 from a database driver).
	ErrInvalidNumber = errors.New("fees: invalid number")

	// ErrInvalidPercent means a percentage is outside 0–100 inclusive.
	ErrInvalidPercent = errors.New("fees: percent must be between 0 and 100")

	// ErrNegativeAmount means a price or a fixed fee is below zero.
	ErrNegativeAmount = errors.New("fees: amount must not be negative")

	// ErrAmountTooLarge means a price or a fixed fee is above MaxAmount.
	ErrAmountTooLarge = errors.New("fees: amount is above the upper bound")

	// ErrTooManyDecimals means an amount has more decimal places than its
	// currency's ISO 4217 minor unit allows (for example 1.005 USD or 10.5 JPY).
	// Amounts are rejected rather than rounded: see the package documentation.
	ErrTooManyDecimals = errors.New("fees: too many decimal places for the currency")

	// ErrUnknownCurrency means a currency code is not an active ISO 4217 code
	// with a minor unit (codes are upper case, such as "USD").
	ErrUnknownCurrency = errors.New("fees: unknown currency")

	// ErrCurrencyMismatch means a non-zero fixed fee is in another currency
	// than the price it is applied to.
	ErrCurrencyMismatch = errors.New("fees: fixed fee currency differs from price currency")

	// ErrNegativePayout means the offeror's fees exceed the price, so the
	// vendor payout would be negative. Calculator.CapOfferorFee turns this
	// error into a capped fee.
	ErrNegativePayout = errors.New("fees: offeror fees exceed the price")

	// ErrInvalidBool means a form switch is not one of "", "on", "off",
	// "true", "false", "1" or "0".
	ErrInvalidBool = errors.New("fees: invalid boolean")

	// ErrInvalidRounding means a RoundingMode value is not one of the
	// declared constants.
	ErrInvalidRounding = errors.New("fees: invalid rounding mode")
)

// MaxAmount is the upper bound of a price and of a fixed fee, in units
// of their currency (one trillion: 1e12 EUR, 1e12 JPY). It is far above
// any sale the package is for, and keeps every quote within what a
// spreadsheet and a JSON client's float64 show exactly to the cent (15
// significant digits).
const MaxAmount = 1_000_000_000_000

var maxAmount = decimal.New(MaxAmount, 0)

// Field names used in FieldError.Field. They match the JSON keys of
// Override, Schedule, Money and Quote.
const (
	FieldPrice          = "price"
	FieldCurrency       = "currency"
	FieldUseStandard    = "use_standard"
	FieldAskerPercent   = "asker_percent"
	FieldAskerFixed     = "asker_fixed"
	FieldOfferorPercent = "offeror_percent"
	FieldOfferorFixed   = "offeror_fixed"
	FieldOfferorFee     = "offeror_fee"
)

// FieldError reports one invalid field. It unwraps to one of the package's
// sentinel errors (ErrInvalidPercent, ErrNegativeAmount, …).
type FieldError struct {
	// Field is the snake_case name of the field, the same as its JSON key
	// (see the Field* constants).
	Field string
	// Value is the rejected input as given, or empty when there is none
	// worth echoing.
	Value string
	// Err is the sentinel error describing the problem.
	Err error
}

// Error returns a lowercase message such as
// `fees: asker_percent: percent must be between 0 and 100 (got "101")`.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("fees: ")
	e.writeTo(&b)
	return b.String()
}

func (e *FieldError) writeTo(b *strings.Builder) {
	b.WriteString(e.Field)
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "fees: "))
	} else {
		b.WriteString("invalid")
	}
	if e.Value != "" {
		b.WriteString(" (got ")
		b.WriteString(strconv.Quote(e.Value))
		b.WriteString(")")
	}
}

// Unwrap returns the sentinel error.
func (e *FieldError) Unwrap() error { return e.Err }

// ValidationError lists every invalid field found by one call. Validate,
// Resolve, Quote, ParsePrice, ParseOverrideForm and the JSON decoders of
// Override, Schedule, Side, Money and Quote return it even when a single
// field is bad, so that callers handle one shape; only the single-field
// parsers (ParsePercentField, ParseFixedField, ParseBoolField) return a
// bare *FieldError. It holds at least one FieldError. errors.Is matches any
// of the listed sentinels and errors.As to *FieldError yields the first
// field.
type ValidationError struct {
	// Errors holds one entry per invalid field, in a stable order.
	Errors []*FieldError
}

// Error joins the field errors: `fees: asker_percent: …; offeror_fixed: …`.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 {
		return "fees: validation failed"
	}
	var b strings.Builder
	b.WriteString("fees: ")
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		fe.writeTo(&b)
	}
	return b.String()
}

// Unwrap returns the field errors, so errors.Is and errors.As look into
// each of them.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		errs[i] = fe
	}
	return errs
}

// Fields returns the names of the invalid fields, in order.
func (e *ValidationError) Fields() []string {
	names := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		names[i] = fe.Field
	}
	return names
}

// fieldErrors collects field errors; its zero value is ready to use.
type fieldErrors []*FieldError

func (fs *fieldErrors) add(field, value string, err error) {
	*fs = append(*fs, &FieldError{Field: field, Value: value, Err: err})
}

func (fs *fieldErrors) addErr(fe *FieldError) {
	if fe != nil {
		*fs = append(*fs, fe)
	}
}

// err returns nil or a *ValidationError; never a typed nil.
func (fs fieldErrors) err() error {
	if len(fs) == 0 {
		return nil
	}
	return &ValidationError{Errors: fs}
}
