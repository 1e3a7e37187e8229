package fees_test

import (
	"encoding/json"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

func TestResolve(t *testing.T) {
	standard := schedule(t, "USD", "20", "50", "5", "10")
	tests := []struct {
		name     string
		override fees.Override
		want     fees.Schedule
		mode     fees.Mode
	}{
		{
			name:     "zero override is the standard",
			override: fees.Override{},
			want:     standard,
			mode:     fees.Standard,
		},
		{
			name:     "all fields set",
			override: fees.Override{AskerPercent: some(t, "1"), AskerFixed: some(t, "2"), OfferorPercent: some(t, "3"), OfferorFixed: some(t, "4")},
			want:     schedule(t, "USD", "1", "2", "3", "4"),
			mode:     fees.Customized,
		},
		{
			name: "mixed unset, zero and set fields",
			override: fees.Override{
				AskerPercent:   fees.Unset(),    // falls back to 20
				AskerFixed:     some(t, "0"),    // no asker fixed fee
				OfferorPercent: some(t, "12.5"), // replaces 5
				OfferorFixed:   fees.Unset(),    // falls back to 10
			},
			want: schedule(t, "USD", "20", "0", "12.5", "10"),
			mode: fees.Customized,
		},
		{
			name:     "a single zero is customized and removes that fee",
			override: fees.Override{OfferorFixed: some(t, "0")},
			want:     schedule(t, "USD", "20", "50", "5", "0"),
			mode:     fees.Customized,
		},
		{
			name:     "fields equal to the standard still count as customized",
			override: fees.Override{AskerPercent: some(t, "20")},
			want:     standard,
			mode:     fees.Customized,
		},
		{
			name:     "use standard ignores set fields",
			override: fees.Override{UseStandard: true, AskerPercent: some(t, "1"), OfferorFixed: some(t, "0")},
			want:     standard,
			mode:     fees.Standard,
		},
		{
			name:     "use standard ignores even invalid kept fields",
			override: fees.Override{UseStandard: true, AskerFixed: some(t, "0.001")},
			want:     standard,
			mode:     fees.Standard,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, mode, err := fees.Resolve(standard, tt.override)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if mode != tt.mode || tt.override.Mode() != tt.mode {
				t.Errorf("mode = %q (Override.Mode %q), want %q", mode, tt.override.Mode(), tt.mode)
			}
			assertSchedule(t, got, tt.want)
		})
	}
}

func assertSchedule(t *testing.T, got, want fees.Schedule) {
	t.Helper()
	if got.Currency != want.Currency ||
		!got.Asker.Percent.Equal(want.Asker.Percent) || !got.Asker.Fixed.Equal(want.Asker.Fixed) ||
		!got.Offeror.Percent.Equal(want.Offeror.Percent) || !got.Offeror.Fixed.Equal(want.Offeror.Fixed) {
		t.Errorf("schedule = %+v, want %+v", got, want)
	}
}

func TestUseStandardSwitchKeepsValues(t *testing.T) {
	standard := schedule(t, "EUR", "10", "1", "10", "1")
	o := fees.Override{AskerPercent: some(t, "0"), OfferorPercent: some(t, "2.5")}
	customized, mode, err := fees.Resolve(standard, o)
	if err != nil || mode != fees.Customized {
		t.Fatalf("before: mode %q, err %v", mode, err)
	}

	// The operator switches "use standard platform fees" on, through JSON
	// as a server would store it.
	o.UseStandard = true
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var stored fees.Override
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	got, mode, err := fees.Resolve(standard, stored)
	if err != nil || mode != fees.Standard {
		t.Fatalf("switched on: mode %q, err %v", mode, err)
	}
	assertSchedule(t, got, standard)
	if !stored.AskerPercent.Equal(some(t, "0")) || !stored.OfferorPercent.Equal(some(t, "2.5")) || stored.AskerFixed.Valid {
		t.Errorf("values not kept: %+v", stored)
	}

	// And off again: the user's values come back.
	stored.UseStandard = false
	got, mode, err = fees.Resolve(standard, stored)
	if err != nil || mode != fees.Customized {
		t.Fatalf("switched off: mode %q, err %v", mode, err)
	}
	assertSchedule(t, got, customized)
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name     string
		standard fees.Schedule
		override fees.Override
		want     []fieldErr
	}{
		{
			name:     "override percent out of range and negative fixed",
			standard: schedule(t, "USD", "0", "0", "0", "0"),
			override: fees.Override{AskerPercent: some(t, "100.5"), AskerFixed: some(t, "-1"), OfferorPercent: some(t, "-1"), OfferorFixed: some(t, "-0.01")},
			want: []fieldErr{
				{"asker_percent", fees.ErrInvalidPercent},
				{"asker_fixed", fees.ErrNegativeAmount},
				{"offeror_percent", fees.ErrInvalidPercent},
				{"offeror_fixed", fees.ErrNegativeAmount},
			},
		},
		{
			name:     "override fixed with cents on a JPY standard",
			standard: schedule(t, "JPY", "0", "0", "0", "0"),
			override: fees.Override{AskerFixed: some(t, "0.5")},
			want:     []fieldErr{{"asker_fixed", fees.ErrTooManyDecimals}},
		},
		{
			name:     "override fixed on a currency-less standard",
			standard: schedule(t, "", "10", "0", "10", "0"),
			override: fees.Override{OfferorFixed: some(t, "1")},
			want:     []fieldErr{{"currency", fees.ErrUnknownCurrency}},
		},
		{
			name:     "invalid standard is reported in standard mode too",
			standard: schedule(t, "US", "0", "0", "101", "0"),
			override: fees.Override{UseStandard: true},
			want: []fieldErr{
				{"currency", fees.ErrUnknownCurrency},
				{"offeror_percent", fees.ErrInvalidPercent},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := fees.Resolve(tt.standard, tt.override)
			wantFieldErrors(t, err, tt.want...)
		})
	}
}

func TestOverrideValidate(t *testing.T) {
	tests := []struct {
		name string
		o    fees.Override
		want []fieldErr
	}{
		{name: "zero value", o: fees.Override{}},
		{name: "bounds", o: fees.Override{AskerPercent: some(t, "0"), OfferorPercent: some(t, "100"), AskerFixed: some(t, "0"), OfferorFixed: some(t, "1e6")}},
		{name: "kept values are checked with use standard on", o: fees.Override{UseStandard: true, OfferorPercent: some(t, "150")},
			want: []fieldErr{{"offeror_percent", fees.ErrInvalidPercent}}},
		{name: "all bad", o: fees.Override{AskerPercent: some(t, "-0.1"), AskerFixed: some(t, "-3"), OfferorPercent: some(t, "100.0001"), OfferorFixed: some(t, "-1")},
			want: []fieldErr{
				{"asker_percent", fees.ErrInvalidPercent},
				{"asker_fixed", fees.ErrNegativeAmount},
				{"offeror_percent", fees.ErrInvalidPercent},
				{"offeror_fixed", fees.ErrNegativeAmount},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantFieldErrors(t, err, tt.want...)
		})
	}
}

func TestOverrideJSON(t *testing.T) {
	t.Run("null, zero and value survive a round trip", func(t *testing.T) {
		o := fees.Override{UseStandard: true, AskerPercent: fees.Unset(), AskerFixed: some(t, "0"), OfferorPercent: some(t, "12.5"), OfferorFixed: some(t, "0.50")}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"use_standard":true,"asker_percent":null,"asker_fixed":"0","offeror_percent":"12.5","offeror_fixed":"0.5"}`
		if string(b) != want {
			t.Errorf("json = %s, want %s", b, want)
		}
		var back fees.Override
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.UseStandard != o.UseStandard || !back.AskerPercent.Equal(o.AskerPercent) || !back.AskerFixed.Equal(o.AskerFixed) ||
			!back.OfferorPercent.Equal(o.OfferorPercent) || !back.OfferorFixed.Equal(o.OfferorFixed) {
			t.Errorf("round trip = %+v, want %+v", back, o)
		}
	})
	t.Run("absent, null, numbers and strings", func(t *testing.T) {
		var o fees.Override
		if err := json.Unmarshal([]byte(`{"asker_percent":0,"asker_fixed":null,"offeror_percent":"7.5"}`), &o); err != nil {
			t.Fatal(err)
		}
		if !o.AskerPercent.Equal(some(t, "0")) || o.AskerFixed.Valid || !o.OfferorPercent.Equal(some(t, "7.5")) || o.OfferorFixed.Valid || o.UseStandard {
			t.Errorf("decoded %+v", o)
		}
	})
	t.Run("null resets a set field when decoding over a value", func(t *testing.T) {
		o := fees.Override{AskerPercent: some(t, "5")}
		if err := json.Unmarshal([]byte(`{"asker_percent":null}`), &o); err != nil {
			t.Fatal(err)
		}
		if o.AskerPercent.Valid {
			t.Errorf("asker_percent still set: %+v", o.AskerPercent)
		}
	})
	t.Run("malformed numbers name their fields", func(t *testing.T) {
		var o fees.Override
		err := json.Unmarshal([]byte(`{"asker_percent":"abc","offeror_fixed":true}`), &o)
		wantFieldErrors(t, err,
			fieldErr{"asker_percent", fees.ErrInvalidNumber},
			fieldErr{"offeror_fixed", fees.ErrInvalidNumber})
	})
}

func TestScheduleJSON(t *testing.T) {
	s := schedule(t, "USD", "12.5", "0.50", "5", "10")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"currency":"USD","asker":{"percent":"12.5","fixed":"0.5"},"offeror":{"percent":"5","fixed":"10"}}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var back fees.Schedule
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	assertSchedule(t, back, s)

	var partial fees.Schedule
	if err := json.Unmarshal([]byte(`{"currency":"EUR","asker":{"percent":3}}`), &partial); err != nil {
		t.Fatal(err)
	}
	assertSchedule(t, partial, schedule(t, "EUR", "3", "0", "0", "0"))

	err = json.Unmarshal([]byte(`{"asker":{"fixed":"x"},"offeror":{"percent":"1e"}}`), &partial)
	wantFieldErrors(t, err,
		fieldErr{"asker_fixed", fees.ErrInvalidNumber},
		fieldErr{"offeror_percent", fees.ErrInvalidNumber})

	var side fees.Side
	err = json.Unmarshal([]byte(`{"percent":"%"}`), &side)
	wantFieldErrors(t, err, fieldErr{"percent", fees.ErrInvalidNumber})
}

func TestScheduleValidate(t *testing.T) {
	if err := (fees.Schedule{}).Validate(); err != nil {
		t.Errorf("zero schedule: %v", err)
	}
	if err := schedule(t, "", "12.5", "0", "100", "0").Validate(); err != nil {
		t.Errorf("percent-only schedule without currency: %v", err)
	}
	if !(fees.Schedule{}).IsZero() || schedule(t, "USD", "0", "0", "0", "0.01").IsZero() {
		t.Error("IsZero is wrong")
	}
	err := schedule(t, "KWD", "0", "1.0005", "0", "1.000").Validate()
	wantFieldErrors(t, err, fieldErr{"asker_fixed", fees.ErrTooManyDecimals})
}
