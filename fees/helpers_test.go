package fees_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
)

// dec parses a decimal literal or fails the test.
func dec(tb testing.TB, s string) decimal.Decimal {
	tb.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		tb.Fatalf("bad decimal literal %q: %v", s, err)
	}
	return d
}

// price builds a Money from literals.
func price(tb testing.TB, amount, currency string) fees.Money {
	tb.Helper()
	return fees.Money{Amount: dec(tb, amount), Currency: currency}
}

// schedule builds a Schedule from literals: asker %, asker fixed, offeror %,
// offeror fixed.
func schedule(tb testing.TB, currency, ap, af, op, of string) fees.Schedule {
	tb.Helper()
	return fees.Schedule{
		Currency: currency,
		Asker:    fees.Side{Percent: dec(tb, ap), Fixed: dec(tb, af)},
		Offeror:  fees.Side{Percent: dec(tb, op), Fixed: dec(tb, of)},
	}
}

// some builds a set OptionalDecimal from a literal.
func some(tb testing.TB, s string) fees.OptionalDecimal {
	tb.Helper()
	return fees.Some(dec(tb, s))
}

// fieldErr is one expected field error.
type fieldErr struct {
	field string
	err   error
}

// wantFieldErrors checks that err is a *ValidationError listing exactly
// want, in order, and that errors.Is and errors.As work on it.
func wantFieldErrors(tb testing.TB, err error, want ...fieldErr) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got nil error, want %v", want)
	}
	var ve *fees.ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("error %v (%T) is not a *fees.ValidationError", err, err)
	}
	if len(ve.Errors) != len(want) {
		tb.Fatalf("got %d field errors %v, want %d: %v", len(ve.Errors), ve.Fields(), len(want), want)
	}
	for i, w := range want {
		got := ve.Errors[i]
		if got.Field != w.field || !errors.Is(got, w.err) {
			tb.Errorf("field error %d = %q %v, want %q %v", i, got.Field, got.Err, w.field, w.err)
		}
		if !errors.Is(err, w.err) {
			tb.Errorf("errors.Is(err, %v) = false", w.err)
		}
	}
	var fe *fees.FieldError
	if !errors.As(err, &fe) || fe.Field != want[0].field {
		tb.Errorf("errors.As(err, *FieldError) gave %+v, want field %q", fe, want[0].field)
	}
}

// wantAmount compares a decimal with a literal, by value and by its fixed
// form at places digits.
func wantAmount(tb testing.TB, name string, got decimal.Decimal, want string) {
	tb.Helper()
	if !got.Equal(dec(tb, want)) {
		tb.Errorf("%s = %s, want %s", name, got, want)
	}
}
