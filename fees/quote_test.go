package fees_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/fees"
)

// wantQuote lists the expected amounts of a quote as literals.
type wantQuote struct {
	askerPct, askerFixed, askerFee         string
	offerorPct, offerorFixed, offerorFee   string
	customer, payout                       string
	platformAsker, platformOfferor, platTo string
	capped                                 bool
}

func checkQuote(t *testing.T, q fees.Quote, w wantQuote) {
	t.Helper()
	wantAmount(t, "AskerPercentFee", q.AskerPercentFee, w.askerPct)
	wantAmount(t, "AskerFixedFee", q.AskerFixedFee, w.askerFixed)
	wantAmount(t, "AskerFee", q.AskerFee, w.askerFee)
	wantAmount(t, "OfferorPercentFee", q.OfferorPercentFee, w.offerorPct)
	wantAmount(t, "OfferorFixedFee", q.OfferorFixedFee, w.offerorFixed)
	wantAmount(t, "OfferorFee", q.OfferorFee, w.offerorFee)
	wantAmount(t, "CustomerTotal", q.CustomerTotal, w.customer)
	wantAmount(t, "VendorPayout", q.VendorPayout, w.payout)
	wantAmount(t, "PlatformAskerRevenue", q.PlatformAskerRevenue, w.platformAsker)
	wantAmount(t, "PlatformOfferorRevenue", q.PlatformOfferorRevenue, w.platformOfferor)
	wantAmount(t, "PlatformTotal", q.PlatformTotal, w.platTo)
	if q.OfferorFeeCapped != w.capped {
		t.Errorf("OfferorFeeCapped = %v, want %v", q.OfferorFeeCapped, w.capped)
	}
	if !q.CustomerTotal.Sub(q.VendorPayout).Equal(q.PlatformTotal) {
		t.Errorf("quote does not balance: %s − %s ≠ %s", q.CustomerTotal, q.VendorPayout, q.PlatformTotal)
	}
}

func TestCalculatorQuote(t *testing.T) {
	tests := []struct {
		name  string
		calc  fees.Calculator
		sched fees.Schedule
		price fees.Money
		want  wantQuote
	}{
		{
			name:  "documented example 20%+50 and 5%+10 on 100 USD",
			sched: schedule(t, "USD", "20", "50", "5", "10"),
			price: price(t, "100", "USD"),
			want: wantQuote{"20", "50", "70", "5", "10", "15",
				"170", "85", "70", "15", "85", false},
		},
		{
			name:  "zero schedule",
			sched: fees.Schedule{},
			price: price(t, "42.42", "EUR"),
			want: wantQuote{"0", "0", "0", "0", "0", "0",
				"42.42", "42.42", "0", "0", "0", false},
		},
		{
			name:  "fractional percent 12.5 on 99.99 USD rounds 12.49875 to 12.50",
			sched: schedule(t, "USD", "12.5", "0", "0", "0"),
			price: price(t, "99.99", "USD"),
			want: wantQuote{"12.50", "0", "12.50", "0", "0", "0",
				"112.49", "99.99", "12.50", "0", "12.50", false},
		},
		{
			name:  "JPY has no decimals: 3.5% of 1001 is 35.035, rounded to 35",
			sched: schedule(t, "JPY", "3.5", "100", "3.5", "0"),
			price: price(t, "1001", "JPY"),
			want: wantQuote{"35", "100", "135", "35", "0", "35",
				"1136", "966", "135", "35", "170", false},
		},
		{
			name:  "KWD has 3 decimals: 12.5% of 10.005 is 1.250625, rounded to 1.251",
			sched: schedule(t, "KWD", "12.5", "0.125", "1", "0"),
			price: price(t, "10.005", "KWD"),
			want: wantQuote{"1.251", "0.125", "1.376", "0.10", "0", "0.1",
				"11.381", "9.905", "1.376", "0.1", "1.476", false},
		},
		{
			name:  "CLF has 4 decimals",
			sched: schedule(t, "CLF", "1", "0", "0", "0"),
			price: price(t, "1.2345", "CLF"),
			want: wantQuote{"0.0123", "0", "0.0123", "0", "0", "0",
				"1.2468", "1.2345", "0.0123", "0", "0.0123", false},
		},
		{
			name:  "half-up rounds 0.005 USD up",
			sched: schedule(t, "", "0.5", "0", "0.5", "0"),
			price: price(t, "1.00", "USD"),
			want: wantQuote{"0.01", "0", "0.01", "0.01", "0", "0.01",
				"1.01", "0.99", "0.01", "0.01", "0.02", false},
		},
		{
			name:  "half-even rounds 0.005 USD down to even",
			calc:  fees.Calculator{Rounding: fees.HalfEven},
			sched: schedule(t, "", "0.5", "0", "0.5", "0"),
			price: price(t, "1.00", "USD"),
			want: wantQuote{"0", "0", "0", "0", "0", "0",
				"1.00", "1.00", "0", "0", "0", false},
		},
		{
			name:  "half-even rounds 0.015 USD up to even",
			calc:  fees.Calculator{Rounding: fees.HalfEven},
			sched: schedule(t, "", "0.5", "0", "0", "0"),
			price: price(t, "3.00", "USD"),
			want: wantQuote{"0.02", "0", "0.02", "0", "0", "0",
				"3.02", "3.00", "0.02", "0", "0.02", false},
		},
		{
			name:  "half-up vs half-even in JPY: 50% of 101 is 50.5",
			sched: schedule(t, "JPY", "50", "0", "0", "0"),
			price: price(t, "101", "JPY"),
			want: wantQuote{"51", "0", "51", "0", "0", "0",
				"152", "101", "51", "0", "51", false},
		},
		{
			name:  "half-even in JPY: 50.5 becomes 50",
			calc:  fees.Calculator{Rounding: fees.HalfEven},
			sched: schedule(t, "JPY", "50", "0", "0", "0"),
			price: price(t, "101", "JPY"),
			want: wantQuote{"50", "0", "50", "0", "0", "0",
				"151", "101", "50", "0", "50", false},
		},
		{
			name:  "percent-only schedule in USD quotes a EUR price",
			sched: schedule(t, "USD", "10", "0", "10", "0"),
			price: price(t, "50", "EUR"),
			want: wantQuote{"5", "0", "5", "5", "0", "5",
				"55", "45", "5", "5", "10", false},
		},
		{
			name:  "offeror fees equal to the price leave a zero payout",
			sched: schedule(t, "USD", "0", "0", "50", "5"),
			price: price(t, "10", "USD"),
			want: wantQuote{"0", "0", "0", "5", "5", "10",
				"10", "0", "0", "10", "10", false},
		},
		{
			name:  "cap lowers the offeror fixed fee to the price",
			calc:  fees.Calculator{CapOfferorFee: true},
			sched: schedule(t, "USD", "10", "1", "50", "20"),
			price: price(t, "10", "USD"),
			want: wantQuote{"1", "1", "2", "5", "5", "10",
				"12", "0", "2", "10", "12", true},
		},
		{
			name:  "cap on a zero price",
			calc:  fees.Calculator{CapOfferorFee: true},
			sched: schedule(t, "USD", "0", "1", "0", "1"),
			price: price(t, "0", "USD"),
			want: wantQuote{"0", "1", "1", "0", "0", "0",
				"1", "0", "1", "0", "1", true},
		},
		{
			name:  "100 percent offeror fee takes the whole price",
			sched: schedule(t, "USD", "100", "0", "100", "0"),
			price: price(t, "19.99", "USD"),
			want: wantQuote{"19.99", "0", "19.99", "19.99", "0", "19.99",
				"39.98", "0", "19.99", "19.99", "39.98", false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.calc.Quote(tt.sched, tt.price)
			if err != nil {
				t.Fatalf("Quote: %v", err)
			}
			if q.Currency != tt.price.Currency || !q.Price.Equal(tt.price.Amount) {
				t.Errorf("quote currency/price = %s %s, want %s", q.Price, q.Currency, tt.price)
			}
			checkQuote(t, q, tt.want)
		})
	}
}

func TestCalculatorQuoteErrors(t *testing.T) {
	tests := []struct {
		name  string
		calc  fees.Calculator
		sched fees.Schedule
		price fees.Money
		want  []fieldErr
	}{
		{
			name:  "negative price",
			sched: fees.Schedule{},
			price: price(t, "-1", "USD"),
			want:  []fieldErr{{"price", fees.ErrNegativeAmount}},
		},
		{
			name:  "price with too many decimals for USD",
			sched: fees.Schedule{},
			price: price(t, "1.005", "USD"),
			want:  []fieldErr{{"price", fees.ErrTooManyDecimals}},
		},
		{
			name:  "price with decimals in JPY",
			sched: fees.Schedule{},
			price: price(t, "100.5", "JPY"),
			want:  []fieldErr{{"price", fees.ErrTooManyDecimals}},
		},
		{
			name:  "unknown price currency",
			sched: fees.Schedule{},
			price: price(t, "1", "XYZ"),
			want:  []fieldErr{{"currency", fees.ErrUnknownCurrency}},
		},
		{
			name:  "lower-case currency is unknown",
			sched: fees.Schedule{},
			price: price(t, "1", "usd"),
			want:  []fieldErr{{"currency", fees.ErrUnknownCurrency}},
		},
		{
			name:  "gold has no minor unit",
			sched: fees.Schedule{},
			price: price(t, "1", "XAU"),
			want:  []fieldErr{{"currency", fees.ErrUnknownCurrency}},
		},
		{
			name:  "asker percent above 100",
			sched: schedule(t, "USD", "100.01", "0", "0", "0"),
			price: price(t, "1", "USD"),
			want:  []fieldErr{{"asker_percent", fees.ErrInvalidPercent}},
		},
		{
			name:  "offeror percent below 0",
			sched: schedule(t, "USD", "0", "0", "-0.5", "0"),
			price: price(t, "1", "USD"),
			want:  []fieldErr{{"offeror_percent", fees.ErrInvalidPercent}},
		},
		{
			name:  "negative asker fixed",
			sched: schedule(t, "USD", "0", "-1", "0", "0"),
			price: price(t, "1", "USD"),
			want:  []fieldErr{{"asker_fixed", fees.ErrNegativeAmount}},
		},
		{
			name:  "offeror fixed with too many decimals",
			sched: schedule(t, "JPY", "0", "0", "0", "0.5"),
			price: price(t, "1", "JPY"),
			want:  []fieldErr{{"offeror_fixed", fees.ErrTooManyDecimals}},
		},
		{
			name:  "fixed fees in USD on a EUR price",
			sched: schedule(t, "USD", "10", "1", "10", "2"),
			price: price(t, "100", "EUR"),
			want: []fieldErr{
				{"asker_fixed", fees.ErrCurrencyMismatch},
				{"offeror_fixed", fees.ErrCurrencyMismatch},
			},
		},
		{
			name:  "only the non-zero fixed fee mismatches",
			sched: schedule(t, "USD", "0", "0", "0", "2"),
			price: price(t, "100", "EUR"),
			want:  []fieldErr{{"offeror_fixed", fees.ErrCurrencyMismatch}},
		},
		{
			name:  "fixed fee without a schedule currency",
			sched: schedule(t, "", "0", "1", "0", "0"),
			price: price(t, "100", "USD"),
			want:  []fieldErr{{"currency", fees.ErrUnknownCurrency}},
		},
		{
			name:  "offeror fees above the price",
			sched: schedule(t, "USD", "0", "0", "50", "5.01"),
			price: price(t, "10", "USD"),
			want:  []fieldErr{{"offeror_fee", fees.ErrNegativePayout}},
		},
		{
			name:  "every field bad at once",
			sched: schedule(t, "XYZ", "101", "-1", "-1", "-2"),
			price: price(t, "-5", "ABC"),
			want: []fieldErr{
				{"currency", fees.ErrUnknownCurrency},
				{"asker_percent", fees.ErrInvalidPercent},
				{"asker_fixed", fees.ErrNegativeAmount},
				{"offeror_percent", fees.ErrInvalidPercent},
				{"offeror_fixed", fees.ErrNegativeAmount},
				{"currency", fees.ErrUnknownCurrency},
				{"price", fees.ErrNegativeAmount},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.calc.Quote(tt.sched, tt.price)
			wantFieldErrors(t, err, tt.want...)
			if q != (fees.Quote{}) {
				t.Errorf("Quote returned %+v with an error, want the zero Quote", q)
			}
			if !strings.HasPrefix(err.Error(), "fees: ") {
				t.Errorf("message %q lacks the fees: prefix", err)
			}
		})
	}
}

func TestCalculatorQuoteInvalidRounding(t *testing.T) {
	_, err := fees.Calculator{Rounding: 7}.Quote(fees.Schedule{}, price(t, "1", "USD"))
	if !errors.Is(err, fees.ErrInvalidRounding) {
		t.Fatalf("err = %v, want ErrInvalidRounding", err)
	}
}

func TestQuoteJSON(t *testing.T) {
	tests := []struct {
		name  string
		sched fees.Schedule
		price fees.Money
		want  string
	}{
		{
			name:  "USD has two digits",
			sched: schedule(t, "USD", "20", "50", "5", "10"),
			price: price(t, "100", "USD"),
			want: `{"currency":"USD","price":"100.00",` +
				`"asker_percent_fee":"20.00","asker_fixed_fee":"50.00","asker_fee":"70.00",` +
				`"offeror_percent_fee":"5.00","offeror_fixed_fee":"10.00","offeror_fee":"15.00",` +
				`"customer_total":"170.00","vendor_payout":"85.00",` +
				`"platform_asker_revenue":"70.00","platform_offeror_revenue":"15.00","platform_total":"85.00",` +
				`"offeror_fee_capped":false}`,
		},
		{
			name:  "JPY has none",
			sched: schedule(t, "JPY", "20", "50", "5", "10"),
			price: price(t, "100", "JPY"),
			want: `{"currency":"JPY","price":"100",` +
				`"asker_percent_fee":"20","asker_fixed_fee":"50","asker_fee":"70",` +
				`"offeror_percent_fee":"5","offeror_fixed_fee":"10","offeror_fee":"15",` +
				`"customer_total":"170","vendor_payout":"85",` +
				`"platform_asker_revenue":"70","platform_offeror_revenue":"15","platform_total":"85",` +
				`"offeror_fee_capped":false}`,
		},
		{
			name:  "KWD has three",
			sched: schedule(t, "KWD", "0", "0", "0", "0"),
			price: price(t, "1.5", "KWD"),
			want: `{"currency":"KWD","price":"1.500",` +
				`"asker_percent_fee":"0.000","asker_fixed_fee":"0.000","asker_fee":"0.000",` +
				`"offeror_percent_fee":"0.000","offeror_fixed_fee":"0.000","offeror_fee":"0.000",` +
				`"customer_total":"1.500","vendor_payout":"1.500",` +
				`"platform_asker_revenue":"0.000","platform_offeror_revenue":"0.000","platform_total":"0.000",` +
				`"offeror_fee_capped":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := fees.Calculator{}.Quote(tt.sched, tt.price)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("json =\n%s\nwant\n%s", b, tt.want)
			}
			var back fees.Quote
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			b2, _ := json.Marshal(back)
			if string(b2) != string(b) {
				t.Errorf("round trip changed the quote:\n%s\n%s", b, b2)
			}
		})
	}
}

func TestQuoteUnmarshalJSONErrors(t *testing.T) {
	var q fees.Quote
	err := json.Unmarshal([]byte(`{"currency":"USD","price":"abc","platform_total":"1e"}`), &q)
	wantFieldErrors(t, err,
		fieldErr{"price", fees.ErrInvalidNumber},
		fieldErr{"platform_total", fees.ErrInvalidNumber})
}

func TestMoney(t *testing.T) {
	t.Run("String uses the minor unit", func(t *testing.T) {
		for _, tt := range []struct {
			m    fees.Money
			want string
		}{
			{price(t, "170", "USD"), "170.00 USD"},
			{price(t, "170", "JPY"), "170 JPY"},
			{price(t, "1.5", "BHD"), "1.500 BHD"},
			{price(t, "1.005", "USD"), "1.005 USD"}, // never rounds a value away
		} {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		}
	})
	t.Run("JSON round trip", func(t *testing.T) {
		b, err := json.Marshal(price(t, "99.9", "EUR"))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `{"amount":"99.90","currency":"EUR"}` {
			t.Errorf("json = %s", b)
		}
		var m fees.Money
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Currency != "EUR" || !m.Amount.Equal(dec(t, "99.9")) {
			t.Errorf("decoded %+v", m)
		}
		if err := json.Unmarshal([]byte(`{"amount":12.5,"currency":"USD"}`), &m); err != nil || !m.Amount.Equal(dec(t, "12.5")) {
			t.Errorf("bare number: %+v %v", m, err)
		}
		err = json.Unmarshal([]byte(`{"amount":"x","currency":"USD"}`), &m)
		wantFieldErrors(t, err, fieldErr{"price", fees.ErrInvalidNumber})
	})
}

func TestParsePrice(t *testing.T) {
	tests := []struct {
		name, amount, currency string
		want                   string
		errs                   []fieldErr
	}{
		{name: "plain", amount: "100", currency: "USD", want: "100.00 USD"},
		{name: "spaces", amount: " 9.90 ", currency: "EUR", want: "9.90 EUR"},
		{name: "empty", amount: "", currency: "USD", errs: []fieldErr{{"price", fees.ErrInvalidNumber}}},
		{name: "negative", amount: "-1", currency: "USD", errs: []fieldErr{{"price", fees.ErrNegativeAmount}}},
		{name: "too precise", amount: "1.001", currency: "USD", errs: []fieldErr{{"price", fees.ErrTooManyDecimals}}},
		{name: "trailing zeros are fine", amount: "1.000", currency: "USD", want: "1.00 USD"},
		{name: "unknown currency and bad amount", amount: "x", currency: "EURO", errs: []fieldErr{
			{"price", fees.ErrInvalidNumber}, {"currency", fees.ErrUnknownCurrency}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := fees.ParsePrice(tt.amount, tt.currency)
			if len(tt.errs) > 0 {
				wantFieldErrors(t, err, tt.errs...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.String() != tt.want {
				t.Errorf("got %s, want %s", m, tt.want)
			}
		})
	}
}

func TestRoundingModeText(t *testing.T) {
	for _, m := range []fees.RoundingMode{fees.HalfUp, fees.HalfEven} {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back fees.RoundingMode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("%s round-tripped to %s, %v", m, back, err)
		}
	}
	var m fees.RoundingMode
	if err := m.UnmarshalText([]byte("up")); !errors.Is(err, fees.ErrInvalidRounding) {
		t.Errorf("UnmarshalText(up) = %v", err)
	}
	if _, err := fees.RoundingMode(9).MarshalText(); !errors.Is(err, fees.ErrInvalidRounding) {
		t.Errorf("MarshalText(9) = %v", err)
	}
}

// BenchmarkQuote measures one quote of the documented example.
func BenchmarkQuote(b *testing.B) {
	s := schedule(b, "USD", "20", "50", "5", "10")
	p := price(b, "100", "USD")
	var c fees.Calculator
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Quote(s, p); err != nil {
			b.Fatal(err)
		}
	}
}
