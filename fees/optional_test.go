package fees_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

var (
	_ sql.Scanner      = (*fees.OptionalDecimal)(nil)
	_ driver.Valuer    = fees.OptionalDecimal{}
	_ json.Marshaler   = fees.OptionalDecimal{}
	_ json.Unmarshaler = (*fees.OptionalDecimal)(nil)
)

func TestOptionalDecimalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want fees.OptionalDecimal
		out  string
	}{
		{name: "null", in: `null`, want: fees.Unset(), out: `null`},
		{name: "string zero", in: `"0"`, want: some(t, "0"), out: `"0"`},
		{name: "string value", in: `"12.5"`, want: some(t, "12.5"), out: `"12.5"`},
		{name: "trailing zeros", in: `"12.50"`, want: some(t, "12.5"), out: `"12.5"`},
		{name: "number zero", in: `0`, want: some(t, "0"), out: `"0"`},
		{name: "number value", in: `12.5`, want: some(t, "12.5"), out: `"12.5"`},
		{name: "number with exponent", in: `1.25e1`, want: some(t, "12.5"), out: `"12.5"`},
		{name: "large integer", in: `1200`, want: some(t, "1200"), out: `"1200"`},
		{name: "empty string is unset", in: `""`, want: fees.Unset(), out: `null`},
		{name: "spaces are unset", in: `"  "`, want: fees.Unset(), out: `null`},
		{name: "negative is kept for Validate", in: `"-1"`, want: some(t, "-1"), out: `"-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := some(t, "99") // decoding must overwrite a previous value
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Unmarshal(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.out {
				t.Errorf("Marshal = %s, want %s", b, tt.out)
			}
			var again fees.OptionalDecimal
			if err := json.Unmarshal(b, &again); err != nil || !again.Equal(got) {
				t.Errorf("round trip = %+v, %v", again, err)
			}
		})
	}
	for _, bad := range []string{`"abc"`, `"1e3"`, `true`, `{}`, `[]`, `"NaN"`, `"+1"`, `"1,5"`, `1e999`} {
		t.Run("rejects "+bad, func(t *testing.T) {
			var o fees.OptionalDecimal
			err := json.Unmarshal([]byte(bad), &o)
			if !errors.Is(err, fees.ErrInvalidNumber) {
				t.Errorf("Unmarshal(%s) = %v, want ErrInvalidNumber", bad, err)
			}
		})
	}
	t.Run("absent key stays unset", func(t *testing.T) {
		var v struct {
			A fees.OptionalDecimal `json:"a"`
		}
		if err := json.Unmarshal([]byte(`{}`), &v); err != nil || v.A.Valid {
			t.Errorf("got %+v, %v", v, err)
		}
	})
}

func TestOptionalDecimalSQL(t *testing.T) {
	tests := []struct {
		name  string
		src   any
		want  fees.OptionalDecimal
		value driver.Value
	}{
		{name: "NULL", src: nil, want: fees.Unset(), value: nil},
		{name: "string zero", src: "0", want: some(t, "0"), value: "0"},
		{name: "bytes", src: []byte("12.50"), want: some(t, "12.5"), value: "12.5"},
		{name: "int64", src: int64(3), want: some(t, "3"), value: "3"},
		{name: "negative numeric", src: "-0.25", want: some(t, "-0.25"), value: "-0.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := some(t, "99")
			if err := got.Scan(tt.src); err != nil {
				t.Fatalf("Scan(%#v): %v", tt.src, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Scan(%#v) = %+v, want %+v", tt.src, got, tt.want)
			}
			v, err := got.Value()
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.value {
				t.Errorf("Value() = %#v, want %#v", v, tt.value)
			}
			var again fees.OptionalDecimal
			if err := again.Scan(v); err != nil || !again.Equal(got) {
				t.Errorf("Scan(Value()) = %+v, %v", again, err)
			}
		})
	}
	for _, bad := range []any{float64(1.5), "abc", []byte("NaN"), true, "", int32(1)} {
		t.Run("rejects "+typeAndValue(bad), func(t *testing.T) {
			var o fees.OptionalDecimal
			if err := o.Scan(bad); !errors.Is(err, fees.ErrInvalidNumber) {
				t.Errorf("Scan(%#v) = %v, want ErrInvalidNumber", bad, err)
			}
		})
	}
}

func typeAndValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestOptionalDecimalHelpers(t *testing.T) {
	if fees.Unset().Valid || fees.Unset().String() != "" {
		t.Error("Unset is set")
	}
	if got := fees.Unset().Or(dec(t, "7")); !got.Equal(dec(t, "7")) {
		t.Errorf("Unset().Or(7) = %s", got)
	}
	if got := some(t, "0").Or(dec(t, "7")); !got.IsZero() {
		t.Errorf("Some(0).Or(7) = %s", got)
	}
	if some(t, "1.50").String() != "1.5" {
		t.Errorf("String() = %q", some(t, "1.50").String())
	}
	if fees.Unset().Equal(some(t, "0")) || !some(t, "1.0").Equal(some(t, "1")) {
		t.Error("Equal is wrong")
	}
}
