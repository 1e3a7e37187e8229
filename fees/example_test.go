package fees_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
)

// The documents' example: customer fees of 20 % + 50, vendor fees of
// 5 % + 10, on a 100 USD purchase.
func ExampleCalculator_Quote() {
	standard := fees.Schedule{
		Currency: "USD",
		Asker:    fees.Side{Percent: decimal.NewFromInt(20), Fixed: decimal.NewFromInt(50)},
		Offeror:  fees.Side{Percent: decimal.NewFromInt(5), Fixed: decimal.NewFromInt(10)},
	}
	price, err := fees.ParsePrice("100", "USD")
	if err != nil {
		fmt.Println(err)
		return
	}
	var calc fees.Calculator // half-up rounding, error on a negative payout
	q, err := calc.Quote(standard, price)
	if err != nil {
		fmt.Println(err)
		return
	}
	usd := func(d decimal.Decimal) string { return fees.Money{Amount: d, Currency: q.Currency}.String() }
	fmt.Println("customer pays:   ", usd(q.CustomerTotal))
	fmt.Println("vendor receives: ", usd(q.VendorPayout))
	fmt.Printf("platform earns:   %s + %s = %s\n",
		usd(q.PlatformAskerRevenue), usd(q.PlatformOfferorRevenue), usd(q.PlatformTotal))
	// Output:
	// customer pays:    170.00 USD
	// vendor receives:  85.00 USD
	// platform earns:   70.00 USD + 15.00 USD = 85.00 USD
}

// A quote encodes with snake_case keys and minor-unit strings.
func ExampleQuote_MarshalJSON() {
	s := fees.Schedule{Currency: "JPY", Asker: fees.Side{Percent: decimal.RequireFromString("3.5")}}
	q, err := fees.Calculator{}.Quote(s, fees.Money{Amount: decimal.NewFromInt(1001), Currency: "JPY"})
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(q)
	// Output:
	// {
	//   "currency": "JPY",
	//   "price": "1001",
	//   "asker_percent_fee": "35",
	//   "asker_fixed_fee": "0",
	//   "asker_fee": "35",
	//   "offeror_percent_fee": "0",
	//   "offeror_fixed_fee": "0",
	//   "offeror_fee": "0",
	//   "customer_total": "1036",
	//   "vendor_payout": "1001",
	//   "platform_asker_revenue": "35",
	//   "platform_offeror_revenue": "0",
	//   "platform_total": "35",
	//   "offeror_fee_capped": false
	// }
}

// An empty field falls back to the standard; "0" means no fee; the
// "use standard platform fees" switch ignores the override but keeps it.
func ExampleResolve() {
	standard := fees.Schedule{
		Currency: "EUR",
		Asker:    fees.Side{Percent: decimal.NewFromInt(20), Fixed: decimal.NewFromInt(50)},
		Offeror:  fees.Side{Percent: decimal.NewFromInt(5), Fixed: decimal.NewFromInt(10)},
	}
	user := fees.Override{
		AskerFixed:     fees.Some(decimal.Zero),                     // no fixed fee as asker
		OfferorPercent: fees.Some(decimal.RequireFromString("2.5")), // 2.5 % as offeror
	}
	show := func(o fees.Override) {
		s, mode, err := fees.Resolve(standard, o)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-10s asker %s%% + %s, offeror %s%% + %s %s\n", mode,
			s.Asker.Percent, s.Asker.Fixed, s.Offeror.Percent, s.Offeror.Fixed, s.Currency)
	}
	show(user)
	user.UseStandard = true
	show(user)
	user.UseStandard = false
	show(user)
	// Output:
	// customized asker 20% + 0, offeror 2.5% + 10 EUR
	// standard   asker 20% + 50, offeror 5% + 10 EUR
	// customized asker 20% + 0, offeror 2.5% + 10 EUR
}

// Parsing the back-office form: empty and "0" differ, and every bad field
// is reported at once.
func ExampleParseOverrideForm() {
	form := url.Values{
		"asker_percent":   {""},       // empty: use the standard
		"asker_fixed":     {"0"},      // zero: no fee
		"offeror_percent": {" 12.5 "}, // spaces are ignored
	}
	o, err := fees.ParseOverrideForm(form.Get)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("asker_percent set=%v, asker_fixed set=%v (%s), offeror_percent %s, mode %s\n",
		o.AskerPercent.Valid, o.AskerFixed.Valid, o.AskerFixed, o.OfferorPercent, o.Mode())

	_, err = fees.ParseOverrideForm(url.Values{"asker_percent": {"101"}, "offeror_fixed": {"abc"}}.Get)
	fmt.Println(err)
	var fe *fees.FieldError
	if errors.As(err, &fe) {
		fmt.Println("first bad field:", fe.Field, errors.Is(err, fees.ErrInvalidPercent))
	}
	// Output:
	// asker_percent set=false, asker_fixed set=true (0), offeror_percent 12.5, mode customized
	// fees: asker_percent: percent must be between 0 and 100 (got "101"); offeror_fixed: invalid number (got "abc")
	// first bad field: asker_percent true
}

// OptionalDecimal keeps "unset" and "zero" apart in JSON.
func ExampleOptionalDecimal() {
	b, _ := json.Marshal(fees.Override{AskerPercent: fees.Some(decimal.Zero)})
	fmt.Println(string(b))
	// Output:
	// {"use_standard":false,"asker_percent":"0","asker_fixed":null,"offeror_percent":null,"offeror_fixed":null}
}
