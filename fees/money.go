package fees

import (
	"encoding/json"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is a decimal amount in an ISO 4217 currency; in this package, the
// price of a sale. Its JSON form is {"amount":"100.00","currency":"USD"}.
type Money struct {
	// Amount is the decimal amount; a price must be ≥ 0 with no more
	// decimals than Currency allows.
	Amount decimal.Decimal
	// Currency is an upper-case ISO 4217 code such as "USD".
	Currency string
}

// ParsePrice parses a price from text, as a form or query string gives it:
// amount like ParseFixedField ("100", " 99.90 "; empty is an error here)
// and an upper-case currency code. It returns a *ValidationError naming
// price (ErrInvalidNumber, ErrNegativeAmount, ErrAmountTooLarge,
// ErrTooManyDecimals) and
// currency (ErrUnknownCurrency).
func ParsePrice(amount, currency string) (Money, error) {
	var errs fieldErrors
	m := Money{Currency: currency}
	d, ok := parseNumber(strings.TrimSpace(amount), false)
	if !ok {
		errs.add(FieldPrice, truncateForError(amount), ErrInvalidNumber)
	} else {
		m.Amount = d
	}
	m.validate(&errs, ok)
	if err := errs.err(); err != nil {
		return Money{}, err
	}
	return m, nil
}

// validate checks m as a price; checkAmount is false when the amount
// already failed to parse.
func (m Money) validate(errs *fieldErrors, checkAmount bool) {
	places, known := MinorUnits(m.Currency)
	if !known {
		errs.add(FieldCurrency, m.Currency, ErrUnknownCurrency)
	}
	switch {
	case !checkAmount:
	case m.Amount.IsNegative():
		errs.add(FieldPrice, canonical(m.Amount), ErrNegativeAmount)
	case m.Amount.GreaterThan(maxAmount):
		errs.add(FieldPrice, canonical(m.Amount), ErrAmountTooLarge)
	case known && !fitsMinorUnit(m.Amount, places):
		errs.add(FieldPrice, canonical(m.Amount), ErrTooManyDecimals)
	}
}

// String returns the amount with the currency's minor-unit digits and the
// code, such as "170.00 USD" or "170 JPY".
func (m Money) String() string {
	return formatAmount(m.Amount, m.Currency) + " " + m.Currency
}

// MarshalJSON writes {"amount":"100.00","currency":"USD"}, the amount as a
// string with the currency's minor-unit digits.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{formatAmount(m.Amount, m.Currency), m.Currency})
}

// UnmarshalJSON reads the amount as a decimal string or a bare number. A
// malformed amount returns a *ValidationError naming price
// (ErrInvalidNumber); the value itself is checked by Calculator.Quote.
func (m *Money) UnmarshalJSON(data []byte) error {
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var errs fieldErrors
	amount := decodeRequiredJSON(FieldPrice, raw.Amount, &errs)
	if err := errs.err(); err != nil {
		return err
	}
	*m = Money{Amount: amount, Currency: raw.Currency}
	return nil
}
