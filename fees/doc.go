// Package fees computes platform commissions on a sale, exactly, in decimal.
//
// # Model
//
// A sale has a price set by the offeror (the vendor) and paid by the asker
// (the customer). Each side of a [Schedule] has a percentage of the price
// (0–100, decimals allowed, such as 12.5) and a fixed amount in the
// schedule's currency; zero means no such fee. The asker's fee is added on
// top of the price and the offeror's fee is taken out of it:
//
//	customer total = price + asker % fee + asker fixed fee
//	vendor payout  = price − offeror % fee − offeror fixed fee
//	platform total = asker fee + offeror fee = customer total − vendor payout
//
// With customer fees of 20 % + 50 and vendor fees of 5 % + 10, a 100 USD
// sale costs the customer 170.00, pays the vendor 85.00 and earns the
// platform 70.00 + 15.00 = 85.00 (see the Calculator.Quote example).
//
// The platform has one standard [Schedule]; a user may have an [Override]
// whose four fields (asker_percent, asker_fixed, offeror_percent,
// offeror_fixed) each replace the standard's when set. [Resolve] combines
// the two into the user's effective schedule, and [Calculator.Quote] turns a
// schedule and a price ([Money]) into a [Quote] listing every component,
// both fee totals, the customer total, the vendor payout and the platform's
// revenue from each side. Fixed fees are in the schedule's currency: a
// non-zero one on a price in another currency is an error, while a
// percent-only schedule quotes prices in any currency. The package never
// uses float64.
//
// # Rounding
//
// Currencies and their minor units come from a hand-written copy of the
// ISO 4217 table ([MinorUnits]: JPY 0 decimals, USD and EUR 2, KWD 3, CLF 4,
// …). Each of the four components is rounded once to the price currency's
// minor unit, and every total is then a sum or difference of rounded
// components, so a quote balances to the minor unit by construction. The
// [RoundingMode] is half-up by default ([HalfUp], what payment processors
// expect: 0.005 USD becomes 0.01); half-even ([HalfEven]) is selectable.
// Only percentage fees ever need rounding: a price or fixed fee with more
// decimals than its currency allows (1.005 USD, 10.5 JPY) is rejected with
// [ErrTooManyDecimals], not rounded, because silently changing an amount
// someone typed hides mistakes.
//
// # Empty versus zero
//
// An override field that is empty falls back to the standard; one that is
// "0" means no fee. [OptionalDecimal] keeps the two apart everywhere: form
// input ([ParsePercentField], [ParseFixedField], [ParseOverrideForm]: "" or
// spaces is unset, "0" is zero), JSON (absent or null is unset, set values
// are decimal strings, bare numbers are accepted on input) and SQL (NULL is
// unset, through sql.Scanner and driver.Valuer). Required amounts such as
// prices and the standard schedule's fees are plain decimal.Decimal.
//
// # Standard versus customized
//
// An override has a "use standard platform fees" switch,
// Override.UseStandard. A user is on [Customized] fees if and only if the
// switch is off and at least one of the four fields is set (zero included);
// otherwise the user is on [Standard] fees. When the switch is on, the
// fields are ignored but kept, so turning it off restores them. A field set
// to the same value as the standard still makes the user customized: the
// operator chose it, and it stays when the standard changes. The zero
// Override therefore means standard fees.
//
// # Errors
//
// Each problem is a sentinel ([ErrInvalidNumber], [ErrInvalidPercent],
// [ErrNegativeAmount], [ErrAmountTooLarge], [ErrTooManyDecimals], [ErrUnknownCurrency],
// [ErrCurrencyMismatch], [ErrNegativePayout], [ErrInvalidBool]) wrapped in
// a [*FieldError] that names the field by its JSON key (price, currency,
// asker_percent, asker_fixed, offeror_percent, offeror_fixed, offeror_fee,
// use_standard). Validate, Resolve, Quote, ParsePrice, ParseOverrideForm
// and the JSON decoders check every field and return a [*ValidationError]
// listing all bad ones; the single-field parsers return a *FieldError. So
// errors.Is(err, fees.ErrInvalidPercent) and errors.As(err, &fieldErr)
// both work on what they return. (Malformed JSON syntax comes back from
// encoding/json as is; OptionalDecimal's own Scan and UnmarshalJSON, which
// do not know their field, and an undeclared RoundingMode return errors
// that wrap ErrInvalidNumber or ErrInvalidRounding.) Offeror fees above the price
// are ErrNegativePayout unless [Calculator].CapOfferorFee caps them, which
// the quote reports in OfferorFeeCapped. Prices and fixed fees are
// bounded by [MaxAmount] (one trillion units of their currency), and the
// Override decoder refuses unknown keys, so that a misspelt field is an
// error rather than an absent one.
//
// # Performance
//
// BenchmarkQuote (the example above) measured a median of 826 ns/op
// (800–948 over 10 runs) and 21 allocs/op, all inside decimal arithmetic,
// on 2 cores of an AMD EPYC; see BENCHMARKS.md for the command and date.
//
// The package depends on the standard library and
// github.com/shopspring/decimal only, holds no global mutable state, and
// never sets decimal's package-level options; its own formatting ignores
// them.
package fees
