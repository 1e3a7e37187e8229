package fees

import "github.com/shopspring/decimal"

// maxNumberLen bounds every decimal text this package parses, so that a
// hostile input cannot make it build huge numbers. 64 characters hold any
// real price with room to spare.
const maxNumberLen = 64

// parseNumber parses the only number syntax this package accepts:
// an optional minus sign, one or more ASCII digits, and optionally a point
// followed by one or more digits ("12", "12.5", "-0.25"). When exp is true
// it also accepts an exponent of at most two digits ("1.25e1", "5E-2"), as
// JSON numbers may carry one. Signs such as "+", thousands separators,
// spaces, "NaN" and "Inf" are rejected. The caller trims spaces if it wants
// to.
func parseNumber(s string, exp bool) (decimal.Decimal, bool) {
	if len(s) == 0 || len(s) > maxNumberLen {
		return decimal.Decimal{}, false
	}
	i := 0
	if s[i] == '-' {
		i++
	}
	i, ok := digits(s, i)
	if !ok {
		return decimal.Decimal{}, false
	}
	if i < len(s) && s[i] == '.' {
		if i, ok = digits(s, i+1); !ok {
			return decimal.Decimal{}, false
		}
	}
	if exp && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		if i, ok = digits(s, i); !ok || i-start > 2 {
			return decimal.Decimal{}, false
		}
	}
	if i != len(s) {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, false
	}
	return d, true
}

// digits skips one or more ASCII digits starting at i and returns the index
// after them; ok is false when there is none.
func digits(s string, i int) (next int, ok bool) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i, i > start
}

// canonical formats d without trailing zeros and never in scientific
// notation ("12.5", "0", "1200"), whatever decimal's package-level
// formatting knobs are set to. parseNumber reads it back to an equal value.
func canonical(d decimal.Decimal) string {
	n := d.Normalize()
	places := max(-n.Exponent(), 0)
	return n.StringFixed(places)
}

// fitsMinorUnit reports whether d has no more than places decimals once
// trailing zeros are ignored ("1.50" fits USD, "1.005" does not).
func fitsMinorUnit(d decimal.Decimal, places int32) bool {
	if d.Exponent() >= -places {
		return true
	}
	return d.Truncate(places).Equal(d)
}

// formatAmount formats an amount with exactly the currency's minor-unit
// digits ("170.00" for USD, "170" for JPY). An amount that does not fit its
// currency, or one whose currency is unknown, is written canonically
// instead, so formatting never rounds a value away.
func formatAmount(d decimal.Decimal, currency string) string {
	places, ok := MinorUnits(currency)
	if !ok || !fitsMinorUnit(d, places) {
		return canonical(d)
	}
	return d.StringFixed(places)
}
