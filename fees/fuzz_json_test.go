package fees_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

// FuzzOverrideJSON checks the per-user override's JSON form: decoding
// anything never panics; a decode error is a JSON syntax or type error or
// a *ValidationError naming a fee field; what decodes and validates
// re-encodes to JSON that decodes to the same override.
func FuzzOverrideJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"use_standard": true}`, `{"asker_percent": "5"}`, `{"asker_percent": 0}`, `{"asker_percent": null}`,
		`{"asker_percent": ""}`, `{"asker_fixed": "1.50", "offeror_percent": 12.5}`, `{"asker_percent": "1e400"}`, `{"asker_percent": "abc"}`,
		`{"nope": 1}`, `[]`, `null`, `{"asker_percent": "-0"}`, `{"offeror_fixed": 99999999999999999999999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var o fees.Override
		if err := json.Unmarshal(data, &o); err != nil {
			var ve *fees.ValidationError
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if errors.As(err, &ve) {
				for _, fe := range ve.Errors {
					if fe.Field == "" {
						t.Fatalf("%q: field error without a field: %v", data, err)
					}
				}
			} else if !errors.As(err, &se) && !errors.As(err, &te) && !isJSONError(err) {
				t.Fatalf("%q: unexpected error %T %v", data, err, err)
			}
			return
		}
		if err := o.Validate(); err != nil {
			var ve *fees.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("%q: Validate: %T %v", data, err, err)
			}
			return
		}
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("%+v does not marshal: %v", o, err)
		}
		var again fees.Override
		if err := json.Unmarshal(raw, &again); err != nil {
			t.Fatalf("%q re-encoded as %s, which does not decode: %v", data, raw, err)
		}
		if !sameOverride(again, o) {
			t.Fatalf("%q → %s → %+v, want %+v", data, raw, again, o)
		}
	})
}

// FuzzQuoteJSON checks the quote route's input end to end in the library:
// any price JSON and any schedule JSON either fail with typed errors or
// give a quote that balances (total = price + asker fee, payout = price −
// offeror fee, platform = both fees), with no fee negative.
func FuzzQuoteJSON(f *testing.F) {
	f.Add([]byte(`{"amount": "100", "currency": "EUR"}`), []byte(`{"currency": "EUR", "asker": {"percent": "5", "fixed": "0.30"}, "offeror": {"percent": "10"}}`))
	f.Add([]byte(`{"amount": 0.01, "currency": "JPY"}`), []byte(`{"currency": "EUR", "asker": {"percent": "100"}}`))
	f.Add([]byte(`{"amount": "-1", "currency": "XXX"}`), []byte(`{}`))
	f.Add([]byte(`{"amount": "12.345", "currency": "KWD"}`), []byte(`{"currency": "KWD", "offeror": {"percent": "99.999", "fixed": "1"}}`))
	f.Fuzz(func(t *testing.T, priceJSON, scheduleJSON []byte) {
		var price fees.Money
		var s fees.Schedule
		if json.Unmarshal(priceJSON, &price) != nil || json.Unmarshal(scheduleJSON, &s) != nil {
			return
		}
		for _, c := range []fees.Calculator{{}, {CapOfferorFee: true}} {
			q, err := c.Quote(s, price)
			if err != nil {
				var ve *fees.ValidationError
				if !errors.As(err, &ve) || len(ve.Errors) == 0 {
					t.Fatalf("quote %s on %s: untyped error %v", scheduleJSON, priceJSON, err)
				}
				continue
			}
			if !q.CustomerTotal.Equal(q.Price.Add(q.AskerFee)) || !q.VendorPayout.Equal(q.Price.Sub(q.OfferorFee)) ||
				!q.PlatformTotal.Equal(q.AskerFee.Add(q.OfferorFee)) || q.AskerFee.IsNegative() || q.OfferorFee.IsNegative() ||
				q.VendorPayout.IsNegative() {
				t.Fatalf("quote %s on %s does not balance: %+v", scheduleJSON, priceJSON, q)
			}
		}
	})
}

// isJSONError reports whether err comes from encoding/json (unknown
// field, trailing data), which has no exported type for those.
func isJSONError(err error) bool {
	s := err.Error()
	return len(s) > 5 && s[:5] == "json:"
}

func sameOverride(a, b fees.Override) bool {
	return a.UseStandard == b.UseStandard && a.AskerPercent.Equal(b.AskerPercent) && a.AskerFixed.Equal(b.AskerFixed) &&
		a.OfferorPercent.Equal(b.OfferorPercent) && a.OfferorFixed.Equal(b.OfferorFixed)
}

// FuzzOverrideForm checks the form form of the override (the back
// office's fee card): any five field values either give a
// *ValidationError naming only known fields, or an override that
// validates, with an empty field unset and "0" a set zero, which the JSON
// form carries over unchanged.
func FuzzOverrideForm(f *testing.F) {
	f.Add("", "", "", "", "")
	f.Add("on", "0", "", "12.5", "1.50")
	f.Add("false", " 5 ", "-1", "101", "x")
	f.Add("true", "100", "0.00", "0", "9999999999999999999999")
	f.Fuzz(func(t *testing.T, useStandard, askerPercent, askerFixed, offerorPercent, offerorFixed string) {
		values := map[string]string{"use_standard": useStandard, "asker_percent": askerPercent, "asker_fixed": askerFixed,
			"offeror_percent": offerorPercent, "offeror_fixed": offerorFixed}
		o, err := fees.ParseOverrideForm(func(name string) string { return values[name] })
		if err != nil {
			var ve *fees.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("%v: %T %v", values, err, err)
			}
			for _, fe := range ve.Errors {
				if _, known := values[fe.Field]; !known {
					t.Fatalf("%v: error on unknown field %q", values, fe.Field)
				}
			}
			return
		}
		// The form parser checks signs and the percent range; the upper
		// bound of amounts is Validate's (and Resolve's), which the
		// library's writes call.
		if err := o.Validate(); err != nil && !errors.Is(err, fees.ErrAmountTooLarge) {
			t.Fatalf("%v parsed to %+v, which does not validate: %v", values, o, err)
		}
		for name, got := range map[string]fees.OptionalDecimal{"asker_percent": o.AskerPercent, "asker_fixed": o.AskerFixed,
			"offeror_percent": o.OfferorPercent, "offeror_fixed": o.OfferorFixed} {
			if blank := strings.TrimSpace(values[name]) == ""; blank == got.Valid {
				t.Fatalf("%s %q parsed to %+v: empty and set differ", name, values[name], got)
			}
		}
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var again fees.Override
		if err := json.Unmarshal(raw, &again); err != nil || !sameOverride(again, o) {
			t.Fatalf("%v → %s → %+v, %v", values, raw, again, err)
		}
	})
}
