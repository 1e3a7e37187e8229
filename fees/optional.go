package fees

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// OptionalDecimal is a decimal that may be unset. It carries the
// difference between "empty" (unset: fall back to the platform standard)
// and "0" (set to zero: no fee) across forms, JSON and SQL. The zero value
// is unset.
//
// Required amounts (prices, standard fees) are plain decimal.Decimal.
type OptionalDecimal struct {
	// Decimal is the value; it is meaningful only when Valid is true.
	Decimal decimal.Decimal
	// Valid is true when the value is set (zero included).
	Valid bool
}

// Some returns a set OptionalDecimal holding d.
func Some(d decimal.Decimal) OptionalDecimal { return OptionalDecimal{Decimal: d, Valid: true} }

// Unset returns an unset OptionalDecimal (the zero value).
func Unset() OptionalDecimal { return OptionalDecimal{} }

// Or returns the value when set and fallback otherwise.
func (o OptionalDecimal) Or(fallback decimal.Decimal) decimal.Decimal {
	if o.Valid {
		return o.Decimal
	}
	return fallback
}

// Equal reports whether o and p are both unset, or both set to equal
// values (1.5 equals 1.50).
func (o OptionalDecimal) Equal(p OptionalDecimal) bool {
	if o.Valid != p.Valid {
		return false
	}
	return !o.Valid || o.Decimal.Equal(p.Decimal)
}

// String returns "" when unset and the canonical decimal otherwise
// ("12.5", "0"); the form parsers read it back to an equal value.
func (o OptionalDecimal) String() string {
	if !o.Valid {
		return ""
	}
	return canonical(o.Decimal)
}

// MarshalJSON writes null when unset and a decimal string such as "12.5"
// when set.
func (o OptionalDecimal) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	s := canonical(o.Decimal)
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// UnmarshalJSON reads null as unset, and a decimal either as a string
// ("12.5", "0") or as a bare number (12.5, 0, 1.25e1). A string that is
// empty or only spaces is unset too, as in forms. Anything else returns an
// error wrapping ErrInvalidNumber. A key absent from the object leaves the
// field untouched, which for a fresh value means unset. Ranges are not
// checked here: see Override.Validate.
func (o *OptionalDecimal) UnmarshalJSON(data []byte) error {
	v, err := decodeOptionalJSON(data)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidNumber, truncateForError(string(data)))
	}
	*o = v
	return nil
}

// decodeOptionalJSON decodes one JSON value; a nil or empty input (an
// absent json.RawMessage) is unset.
func decodeOptionalJSON(data []byte) (OptionalDecimal, error) {
	s := strings.TrimSpace(string(data))
	switch {
	case s == "" || s == "null":
		return Unset(), nil
	case s[0] == '"':
		var str string
		if err := json.Unmarshal(data, &str); err != nil {
			return Unset(), err
		}
		str = strings.TrimSpace(str)
		if str == "" {
			return Unset(), nil
		}
		d, ok := parseNumber(str, false)
		if !ok {
			return Unset(), ErrInvalidNumber
		}
		return Some(d), nil
	default:
		d, ok := parseNumber(s, true)
		if !ok {
			return Unset(), ErrInvalidNumber
		}
		return Some(d), nil
	}
}

// Scan implements sql.Scanner. NULL is unset; a string or []byte holding a
// decimal (SQLite TEXT, PostgreSQL NUMERIC through pgx's stdlib driver) and
// an int64 (an integer stored by SQLite) are set. Any other type, float64
// in particular, returns an error wrapping ErrInvalidNumber: a float may
// already have lost the exact value, so store decimals as TEXT or NUMERIC.
func (o *OptionalDecimal) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*o = Unset()
		return nil
	case int64:
		*o = Some(decimal.NewFromInt(v))
		return nil
	case string:
		return o.scanText(v)
	case []byte:
		return o.scanText(string(v))
	default:
		return fmt.Errorf("%w: cannot scan %T into fees.OptionalDecimal; store decimals as TEXT or NUMERIC", ErrInvalidNumber, src)
	}
}

func (o *OptionalDecimal) scanText(s string) error {
	d, ok := parseNumber(s, true)
	if !ok {
		return fmt.Errorf("%w: cannot scan %q into fees.OptionalDecimal", ErrInvalidNumber, truncateForError(s))
	}
	*o = Some(d)
	return nil
}

// Value implements driver.Valuer: nil (NULL) when unset and the canonical
// decimal string when set, so a TEXT or NUMERIC column keeps the
// distinction.
func (o OptionalDecimal) Value() (driver.Value, error) {
	if !o.Valid {
		return nil, nil
	}
	return canonical(o.Decimal), nil
}

// truncateForError keeps error messages short when the input is long.
func truncateForError(s string) string {
	if len(s) > maxNumberLen {
		return s[:maxNumberLen] + "…"
	}
	return s
}
