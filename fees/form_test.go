package fees_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

func TestParsePercentField(t *testing.T) {
	tests := []struct {
		name, in string
		want     fees.OptionalDecimal
		err      error
	}{
		{name: "empty is unset", in: "", want: fees.Unset()},
		{name: "only spaces is unset", in: " \t ", want: fees.Unset()},
		{name: "zero is set", in: "0", want: some(t, "0")},
		{name: "zero with decimals", in: "0.00", want: some(t, "0")},
		{name: "spaces around a decimal", in: " 12.5 ", want: some(t, "12.5")},
		{name: "hundred", in: "100", want: some(t, "100")},
		{name: "hundred with zeros", in: "100.000", want: some(t, "100")},
		{name: "many decimals", in: "33.333333", want: some(t, "33.333333")},
		{name: "letters", in: "abc", err: fees.ErrInvalidNumber},
		{name: "percent sign", in: "12%", err: fees.ErrInvalidNumber},
		{name: "comma decimal", in: "12,5", err: fees.ErrInvalidNumber},
		{name: "leading point", in: ".5", err: fees.ErrInvalidNumber},
		{name: "trailing point", in: "5.", err: fees.ErrInvalidNumber},
		{name: "plus sign", in: "+5", err: fees.ErrInvalidNumber},
		{name: "exponent", in: "1e2", err: fees.ErrInvalidNumber},
		{name: "too long", in: strings.Repeat("0", 65), err: fees.ErrInvalidNumber},
		{name: "negative", in: "-1", err: fees.ErrInvalidPercent},
		{name: "above hundred", in: "101", err: fees.ErrInvalidPercent},
		{name: "just above hundred", in: "100.0000001", err: fees.ErrInvalidPercent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fees.ParsePercentField("asker_percent", tt.in)
			if tt.err != nil {
				var fe *fees.FieldError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Field != "asker_percent" {
					t.Fatalf("ParsePercentField(%q) = %v, want %v on asker_percent", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePercentField(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParsePercentField(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFixedField(t *testing.T) {
	tests := []struct {
		name, in string
		want     fees.OptionalDecimal
		err      error
	}{
		{name: "empty is unset", in: "", want: fees.Unset()},
		{name: "spaces are unset", in: "   ", want: fees.Unset()},
		{name: "zero", in: "0", want: some(t, "0")},
		{name: "amount", in: " 12.50 ", want: some(t, "12.5")},
		{name: "above a hundred is fine", in: "1000", want: some(t, "1000")},
		{name: "negative", in: "-1", err: fees.ErrNegativeAmount},
		{name: "negative zero is zero", in: "-0", want: some(t, "0")},
		{name: "letters", in: "abc", err: fees.ErrInvalidNumber},
		{name: "currency symbol", in: "$5", err: fees.ErrInvalidNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fees.ParseFixedField("offeror_fixed", tt.in)
			if tt.err != nil {
				var fe *fees.FieldError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Field != "offeror_fixed" {
					t.Fatalf("ParseFixedField(%q) = %v, want %v on offeror_fixed", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFixedField(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseFixedField(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBoolField(t *testing.T) {
	for in, want := range map[string]bool{"": false, "off": false, "false": false, "0": false, "on": true, " ON ": true, "true": true, "1": true} {
		got, err := fees.ParseBoolField("use_standard", in)
		if err != nil || got != want {
			t.Errorf("ParseBoolField(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := fees.ParseBoolField("use_standard", "yes please")
	var fe *fees.FieldError
	if !errors.Is(err, fees.ErrInvalidBool) || !errors.As(err, &fe) || fe.Field != "use_standard" {
		t.Errorf("ParseBoolField(yes please) = %v", err)
	}
}

func TestParseOverrideForm(t *testing.T) {
	t.Run("empty versus zero", func(t *testing.T) {
		form := url.Values{
			"asker_percent":   {""},
			"asker_fixed":     {"0"},
			"offeror_percent": {" 12.5 "},
			// offeror_fixed absent
		}
		o, err := fees.ParseOverrideForm(form.Get)
		if err != nil {
			t.Fatal(err)
		}
		if o.UseStandard || o.AskerPercent.Valid || !o.AskerFixed.Equal(some(t, "0")) ||
			!o.OfferorPercent.Equal(some(t, "12.5")) || o.OfferorFixed.Valid {
			t.Errorf("got %+v", o)
		}
	})
	t.Run("checkbox on", func(t *testing.T) {
		o, err := fees.ParseOverrideForm(url.Values{"use_standard": {"on"}, "asker_percent": {"3"}}.Get)
		if err != nil || !o.UseStandard || !o.AskerPercent.Equal(some(t, "3")) {
			t.Errorf("got %+v, %v", o, err)
		}
	})
	t.Run("every bad field is reported", func(t *testing.T) {
		form := url.Values{
			"use_standard":    {"maybe"},
			"asker_percent":   {"101"},
			"asker_fixed":     {"-1"},
			"offeror_percent": {"abc"},
			"offeror_fixed":   {"1.2.3"},
		}
		o, err := fees.ParseOverrideForm(form.Get)
		wantFieldErrors(t, err,
			fieldErr{"use_standard", fees.ErrInvalidBool},
			fieldErr{"asker_percent", fees.ErrInvalidPercent},
			fieldErr{"asker_fixed", fees.ErrNegativeAmount},
			fieldErr{"offeror_percent", fees.ErrInvalidNumber},
			fieldErr{"offeror_fixed", fees.ErrInvalidNumber})
		if o != (fees.Override{}) {
			t.Errorf("got %+v with an error, want the zero Override", o)
		}
	})
}

// FuzzParsePercentField checks that the percentage parser never panics,
// that what it accepts is within 0–100, and that a value re-parses from
// its own String to an equal value.
func FuzzParsePercentField(f *testing.F) {
	for _, s := range []string{"", " ", "0", "12.5", " 12.5 ", "100", "100.0", "101", "-1", "-0", "abc", "1e2", "0.000001", "99.999999999999999999", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := fees.ParsePercentField("asker_percent", s)
		if err != nil {
			var fe *fees.FieldError
			if !errors.As(err, &fe) || fe.Field != "asker_percent" {
				t.Fatalf("error %v is not a *FieldError on asker_percent", err)
			}
			if !errors.Is(err, fees.ErrInvalidNumber) && !errors.Is(err, fees.ErrInvalidPercent) {
				t.Fatalf("unexpected error %v", err)
			}
			if v.Valid {
				t.Fatalf("error with a set value %+v", v)
			}
			return
		}
		if !v.Valid {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q parsed as unset", s)
			}
			return
		}
		if v.Decimal.IsNegative() || v.Decimal.GreaterThan(dec(t, "100")) {
			t.Fatalf("%q parsed out of range: %s", s, v.Decimal)
		}
		again, err := fees.ParsePercentField("asker_percent", v.String())
		if err != nil || !again.Equal(v) {
			t.Fatalf("%q → %q re-parsed to %+v, %v", s, v.String(), again, err)
		}
	})
}

// FuzzParseFixedField checks the same for fixed amounts, which have no
// upper bound.
func FuzzParseFixedField(f *testing.F) {
	for _, s := range []string{"", "0", "12.50", "-1", "1000000", "0.001", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := fees.ParseFixedField("asker_fixed", s)
		if err != nil {
			if !errors.Is(err, fees.ErrInvalidNumber) && !errors.Is(err, fees.ErrNegativeAmount) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if v.Valid && v.Decimal.IsNegative() {
			t.Fatalf("%q parsed negative: %s", s, v.Decimal)
		}
		again, err := fees.ParseFixedField("asker_fixed", v.String())
		if err != nil || !again.Equal(v) {
			t.Fatalf("%q → %q re-parsed to %+v, %v", s, v.String(), again, err)
		}
	})
}
