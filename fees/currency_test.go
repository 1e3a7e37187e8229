package fees_test

import (
	"slices"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		code   string
		places int32
		ok     bool
	}{
		{"USD", 2, true}, {"EUR", 2, true}, {"GBP", 2, true}, {"CHF", 2, true},
		{"JPY", 0, true}, {"KRW", 0, true}, {"ISK", 0, true}, {"CLP", 0, true},
		{"VND", 0, true}, {"XOF", 0, true}, {"XAF", 0, true}, {"XPF", 0, true},
		{"KWD", 3, true}, {"BHD", 3, true}, {"OMR", 3, true}, {"JOD", 3, true},
		{"TND", 3, true}, {"LYD", 3, true}, {"IQD", 3, true},
		{"CLF", 4, true}, {"UYW", 4, true},
		{"XCG", 2, true}, {"ZWG", 2, true}, {"SLE", 2, true}, {"VES", 2, true},
		{"HUF", 2, true}, {"IDR", 2, true}, {"UGX", 0, true}, {"UYI", 0, true},
		{"XAU", 0, false}, {"XDR", 0, false}, {"XXX", 0, false}, {"XTS", 0, false},
		{"HRK", 0, false}, {"ZWL", 0, false}, {"SLL", 0, false}, {"ANG", 0, false},
		{"BGN", 0, false}, {"usd", 0, false}, {"", 0, false}, {"US", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			places, ok := fees.MinorUnits(tt.code)
			if ok != tt.ok || (ok && places != tt.places) {
				t.Errorf("MinorUnits(%q) = %d, %v; want %d, %v", tt.code, places, ok, tt.places, tt.ok)
			}
		})
	}
}

func TestCurrencies(t *testing.T) {
	codes := fees.Currencies()
	if len(codes) < 150 {
		t.Errorf("only %d currencies", len(codes))
	}
	if !slices.IsSorted(codes) {
		t.Error("Currencies is not sorted")
	}
	for _, c := range codes {
		if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z' {
			t.Errorf("bad code %q", c)
		}
		places, ok := fees.MinorUnits(c)
		if !ok || !(places == 0 || places == 2 || places == 3 || places == 4) {
			t.Errorf("MinorUnits(%q) = %d, %v", c, places, ok)
		}
	}
	codes[0] = "mutated"
	if fees.Currencies()[0] == "mutated" {
		t.Error("Currencies shares its slice")
	}
}
