package fees_test

import (
	"errors"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

func TestErrorMessages(t *testing.T) {
	fe := &fees.FieldError{Field: "asker_percent", Value: "101", Err: fees.ErrInvalidPercent}
	if got, want := fe.Error(), `fees: asker_percent: percent must be between 0 and 100 (got "101")`; got != want {
		t.Errorf("FieldError.Error() = %q, want %q", got, want)
	}
	ve := &fees.ValidationError{Errors: []*fees.FieldError{
		fe,
		{Field: "offeror_fixed", Err: fees.ErrNegativeAmount},
	}}
	if got, want := ve.Error(), `fees: asker_percent: percent must be between 0 and 100 (got "101"); offeror_fixed: amount must not be negative`; got != want {
		t.Errorf("ValidationError.Error() = %q, want %q", got, want)
	}
	if !errors.Is(ve, fees.ErrNegativeAmount) || !errors.Is(ve, fees.ErrInvalidPercent) || errors.Is(ve, fees.ErrUnknownCurrency) {
		t.Error("errors.Is does not see through ValidationError")
	}
	var got *fees.FieldError
	if !errors.As(ve, &got) || got != fe {
		t.Errorf("errors.As gave %v", got)
	}
	if f := ve.Fields(); len(f) != 2 || f[0] != "asker_percent" || f[1] != "offeror_fixed" {
		t.Errorf("Fields() = %v", f)
	}
	for _, s := range []error{fees.ErrInvalidNumber, fees.ErrInvalidPercent, fees.ErrNegativeAmount, fees.ErrTooManyDecimals,
		fees.ErrUnknownCurrency, fees.ErrCurrencyMismatch, fees.ErrNegativePayout, fees.ErrInvalidBool, fees.ErrInvalidRounding} {
		if msg := s.Error(); len(msg) < 6 || msg[:6] != "fees: " {
			t.Errorf("sentinel %q lacks the fees: prefix", msg)
		}
	}
}
