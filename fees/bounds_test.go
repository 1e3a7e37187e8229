package fees_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
)

// TestAmountUpperBound: a price or a fixed fee above MaxAmount is refused
// naming the field; MaxAmount itself is accepted.
func TestAmountUpperBound(t *testing.T) {
	if _, err := fees.ParsePrice("1000000000000", "EUR"); err != nil {
		t.Fatalf("MaxAmount refused: %v", err)
	}
	for _, amount := range []string{"1000000000000.01", "1e32"} {
		_, err := fees.ParsePrice(strings.Replace(amount, "1e32", "100000000000000000000000000000000", 1), "EUR")
		var fe *fees.FieldError
		if !errors.Is(err, fees.ErrAmountTooLarge) || !errors.As(err, &fe) || fe.Field != fees.FieldPrice {
			t.Errorf("price %s: %v", amount, err)
		}
	}
	var o fees.Override
	if err := json.Unmarshal([]byte(`{"asker_fixed": 1e32}`), &o); err != nil {
		t.Fatal(err)
	}
	err := o.Validate()
	var fe *fees.FieldError
	if !errors.Is(err, fees.ErrAmountTooLarge) || !errors.As(err, &fe) || fe.Field != fees.FieldAskerFixed {
		t.Fatalf("override: %v", err)
	}
	s := fees.Schedule{Currency: "EUR", Offeror: fees.Side{Fixed: decimal.New(1, 13)}}
	if err := s.Validate(); !errors.Is(err, fees.ErrAmountTooLarge) {
		t.Fatalf("schedule: %v", err)
	}
}

// TestOverrideRefusesUnknownFields: a misspelt field is an error, never
// an absent field that resets a fee to the standard.
func TestOverrideRefusesUnknownFields(t *testing.T) {
	var o fees.Override
	err := json.Unmarshal([]byte(`{"asker_precent": "30"}`), &o)
	if err == nil || !strings.Contains(err.Error(), `unknown field "asker_precent"`) {
		t.Fatalf("got %v", err)
	}
	var q struct {
		Override *fees.Override `json:"override"`
	}
	if err := json.Unmarshal([]byte(`{"override": {"offeror_percnt": "1"}}`), &q); err == nil {
		t.Fatal("nested unknown field accepted")
	}
}
