package fees

import (
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// Calculator computes quotes. Its zero value is ready to use: half-up
// rounding, and ErrNegativePayout when the offeror's fees exceed the
// price. It holds no state and is safe for concurrent use.
type Calculator struct {
	// Rounding is how each percentage fee is rounded to the currency's
	// minor unit. The zero value is HalfUp.
	Rounding RoundingMode
	// CapOfferorFee, when true, caps the offeror's fee at the price (the
	// vendor receives zero) instead of returning ErrNegativePayout, and
	// sets Quote.OfferorFeeCapped. The percentage fee never exceeds the
	// price, so the cap lowers the fixed fee. The zero value (false)
	// returns the error.
	CapOfferorFee bool
}

// Quote is the breakdown of one sale. Every amount is in Currency, has no
// more decimals than its minor unit and is ≥ 0, and it balances exactly:
//
//	CustomerTotal − VendorPayout = PlatformTotal
//	                             = PlatformAskerRevenue + PlatformOfferorRevenue
//
// Its JSON form has snake_case keys and each amount as a string with
// exactly the currency's minor-unit digits ("170.00" for USD, "170" for
// JPY).
type Quote struct {
	// Currency is the ISO 4217 code of every amount.
	Currency string
	// Price is the sale price asked by the vendor.
	Price decimal.Decimal

	// AskerPercentFee is the asker's percentage of the price, rounded.
	AskerPercentFee decimal.Decimal
	// AskerFixedFee is the asker's fixed fee.
	AskerFixedFee decimal.Decimal
	// AskerFee is AskerPercentFee + AskerFixedFee, paid on top of the price.
	AskerFee decimal.Decimal

	// OfferorPercentFee is the offeror's percentage of the price, rounded.
	OfferorPercentFee decimal.Decimal
	// OfferorFixedFee is the offeror's fixed fee, lowered when capped.
	OfferorFixedFee decimal.Decimal
	// OfferorFee is OfferorPercentFee + OfferorFixedFee, taken out of the
	// price.
	OfferorFee decimal.Decimal

	// CustomerTotal is Price + AskerFee: what the customer pays.
	CustomerTotal decimal.Decimal
	// VendorPayout is Price − OfferorFee: what the vendor receives.
	VendorPayout decimal.Decimal

	// PlatformAskerRevenue is what the platform earns from the asker
	// (equal to AskerFee).
	PlatformAskerRevenue decimal.Decimal
	// PlatformOfferorRevenue is what the platform earns from the offeror
	// (equal to OfferorFee).
	PlatformOfferorRevenue decimal.Decimal
	// PlatformTotal is PlatformAskerRevenue + PlatformOfferorRevenue.
	PlatformTotal decimal.Decimal

	// OfferorFeeCapped is true when Calculator.CapOfferorFee lowered the
	// offeror's fee to the price.
	OfferorFeeCapped bool
}

// Quote computes the fees of schedule s on price.
//
// Each of the four components is rounded once to the price currency's
// minor unit, with c.Rounding; the percentage fee is price × percent / 100
// computed exactly before that rounding, and fixed fees already fit the
// minor unit. Every total is then a sum or difference of rounded
// components, so the quote balances by construction.
//
// A fixed fee is in the schedule's currency: a non-zero one on a price in
// another currency is an error, while a percent-only schedule quotes any
// currency.
//
// It returns an error wrapping ErrInvalidRounding for an undeclared
// c.Rounding, and otherwise a *ValidationError listing every bad field:
// the schedule's (see Schedule.Validate), price (ErrNegativeAmount,
// ErrTooManyDecimals), currency (ErrUnknownCurrency), asker_fixed and
// offeror_fixed (ErrCurrencyMismatch), and offeror_fee (ErrNegativePayout,
// unless c.CapOfferorFee).
func (c Calculator) Quote(s Schedule, price Money) (Quote, error) {
	if !c.Rounding.valid() {
		return Quote{}, fmt.Errorf("%w: %d", ErrInvalidRounding, uint8(c.Rounding))
	}
	var errs fieldErrors
	s.validate(&errs)
	price.validate(&errs, true)
	if _, known := MinorUnits(s.Currency); known && s.Currency != price.Currency {
		if !s.Asker.Fixed.IsZero() {
			errs.add(FieldAskerFixed, canonical(s.Asker.Fixed)+" "+s.Currency, ErrCurrencyMismatch)
		}
		if !s.Offeror.Fixed.IsZero() {
			errs.add(FieldOfferorFixed, canonical(s.Offeror.Fixed)+" "+s.Currency, ErrCurrencyMismatch)
		}
	}
	if err := errs.err(); err != nil {
		return Quote{}, err
	}

	places, _ := MinorUnits(price.Currency)
	p := price.Amount
	q := Quote{
		Currency:          price.Currency,
		Price:             p,
		AskerPercentFee:   c.percentOf(p, s.Asker.Percent, places),
		AskerFixedFee:     c.Rounding.round(s.Asker.Fixed, places),
		OfferorPercentFee: c.percentOf(p, s.Offeror.Percent, places),
		OfferorFixedFee:   c.Rounding.round(s.Offeror.Fixed, places),
	}
	q.AskerFee = q.AskerPercentFee.Add(q.AskerFixedFee)
	q.OfferorFee = q.OfferorPercentFee.Add(q.OfferorFixedFee)
	if q.OfferorFee.GreaterThan(p) {
		if !c.CapOfferorFee {
			errs.add(FieldOfferorFee, formatAmount(q.OfferorFee, q.Currency)+" > "+formatAmount(p, q.Currency), ErrNegativePayout)
			return Quote{}, errs.err()
		}
		// A rounded percentage of at most 100 % never exceeds the price,
		// which is on the minor-unit grid, so the fixed fee absorbs the cap.
		q.OfferorFixedFee = p.Sub(q.OfferorPercentFee)
		q.OfferorFee = p
		q.OfferorFeeCapped = true
	}
	q.CustomerTotal = p.Add(q.AskerFee)
	q.VendorPayout = p.Sub(q.OfferorFee)
	q.PlatformAskerRevenue = q.AskerFee
	q.PlatformOfferorRevenue = q.OfferorFee
	q.PlatformTotal = q.AskerFee.Add(q.OfferorFee)
	return q, nil
}

// percentOf returns price × percent / 100 rounded to places. Shift(-2)
// divides by 100 exactly, unlike Div, which stops at DivisionPrecision.
func (c Calculator) percentOf(price, percent decimal.Decimal, places int32) decimal.Decimal {
	if percent.IsZero() || price.IsZero() {
		return decimal.Decimal{}
	}
	return c.Rounding.round(price.Mul(percent).Shift(-2), places)
}

// quoteJSON is the wire form of a Quote.
type quoteJSON struct {
	Currency               string `json:"currency"`
	Price                  string `json:"price"`
	AskerPercentFee        string `json:"asker_percent_fee"`
	AskerFixedFee          string `json:"asker_fixed_fee"`
	AskerFee               string `json:"asker_fee"`
	OfferorPercentFee      string `json:"offeror_percent_fee"`
	OfferorFixedFee        string `json:"offeror_fixed_fee"`
	OfferorFee             string `json:"offeror_fee"`
	CustomerTotal          string `json:"customer_total"`
	VendorPayout           string `json:"vendor_payout"`
	PlatformAskerRevenue   string `json:"platform_asker_revenue"`
	PlatformOfferorRevenue string `json:"platform_offeror_revenue"`
	PlatformTotal          string `json:"platform_total"`
	OfferorFeeCapped       bool   `json:"offeror_fee_capped"`
}

// MarshalJSON writes the quote with snake_case keys and every amount as a
// string with exactly the currency's minor-unit digits, for example
// {"currency":"USD","price":"100.00",…,"customer_total":"170.00",…}.
func (q Quote) MarshalJSON() ([]byte, error) {
	f := func(d decimal.Decimal) string { return formatAmount(d, q.Currency) }
	return json.Marshal(quoteJSON{
		Currency:               q.Currency,
		Price:                  f(q.Price),
		AskerPercentFee:        f(q.AskerPercentFee),
		AskerFixedFee:          f(q.AskerFixedFee),
		AskerFee:               f(q.AskerFee),
		OfferorPercentFee:      f(q.OfferorPercentFee),
		OfferorFixedFee:        f(q.OfferorFixedFee),
		OfferorFee:             f(q.OfferorFee),
		CustomerTotal:          f(q.CustomerTotal),
		VendorPayout:           f(q.VendorPayout),
		PlatformAskerRevenue:   f(q.PlatformAskerRevenue),
		PlatformOfferorRevenue: f(q.PlatformOfferorRevenue),
		PlatformTotal:          f(q.PlatformTotal),
		OfferorFeeCapped:       q.OfferorFeeCapped,
	})
}

// UnmarshalJSON reads the form MarshalJSON writes; amounts may also be bare
// numbers. Malformed amounts return a *ValidationError naming their keys
// (ErrInvalidNumber). It does not recompute or check the balance.
func (q *Quote) UnmarshalJSON(data []byte) error {
	var raw struct {
		Currency               string          `json:"currency"`
		Price                  json.RawMessage `json:"price"`
		AskerPercentFee        json.RawMessage `json:"asker_percent_fee"`
		AskerFixedFee          json.RawMessage `json:"asker_fixed_fee"`
		AskerFee               json.RawMessage `json:"asker_fee"`
		OfferorPercentFee      json.RawMessage `json:"offeror_percent_fee"`
		OfferorFixedFee        json.RawMessage `json:"offeror_fixed_fee"`
		OfferorFee             json.RawMessage `json:"offeror_fee"`
		CustomerTotal          json.RawMessage `json:"customer_total"`
		VendorPayout           json.RawMessage `json:"vendor_payout"`
		PlatformAskerRevenue   json.RawMessage `json:"platform_asker_revenue"`
		PlatformOfferorRevenue json.RawMessage `json:"platform_offeror_revenue"`
		PlatformTotal          json.RawMessage `json:"platform_total"`
		OfferorFeeCapped       bool            `json:"offeror_fee_capped"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var errs fieldErrors
	d := func(key string, v json.RawMessage) decimal.Decimal { return decodeRequiredJSON(key, v, &errs) }
	out := Quote{
		Currency:               raw.Currency,
		Price:                  d("price", raw.Price),
		AskerPercentFee:        d("asker_percent_fee", raw.AskerPercentFee),
		AskerFixedFee:          d("asker_fixed_fee", raw.AskerFixedFee),
		AskerFee:               d("asker_fee", raw.AskerFee),
		OfferorPercentFee:      d("offeror_percent_fee", raw.OfferorPercentFee),
		OfferorFixedFee:        d("offeror_fixed_fee", raw.OfferorFixedFee),
		OfferorFee:             d("offeror_fee", raw.OfferorFee),
		CustomerTotal:          d("customer_total", raw.CustomerTotal),
		VendorPayout:           d("vendor_payout", raw.VendorPayout),
		PlatformAskerRevenue:   d("platform_asker_revenue", raw.PlatformAskerRevenue),
		PlatformOfferorRevenue: d("platform_offeror_revenue", raw.PlatformOfferorRevenue),
		PlatformTotal:          d("platform_total", raw.PlatformTotal),
		OfferorFeeCapped:       raw.OfferorFeeCapped,
	}
	if err := errs.err(); err != nil {
		return err
	}
	*q = out
	return nil
}
