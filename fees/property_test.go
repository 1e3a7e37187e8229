package fees_test

import (
	"errors"
	"flag"
	"hash/fnv"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
)

var propertySeed = flag.Uint64("fees.seed", 0, "seed of the property tests (0: derived from the test name)")

const propertyRuns = 5000

// newRand returns a generator seeded from -fees.seed or from the test's
// name, so runs are reproducible; the seed is logged.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *propertySeed
	if seed == 0 {
		h := fnv.New64a()
		h.Write([]byte(t.Name()))
		seed = h.Sum64()
	}
	t.Logf("seed %d (rerun with -fees.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

type gen struct {
	r     *rand.Rand
	codes []string
}

func newGen(t *testing.T) gen { return gen{r: newRand(t), codes: fees.Currencies()} }

func (g gen) currency() (string, int32) {
	c := g.codes[g.r.IntN(len(g.codes))]
	places, _ := fees.MinorUnits(c)
	return c, places
}

// amount returns a non-negative amount on the minor-unit grid, with a fair
// share of zeros and small and large values.
func (g gen) amount(places int32) decimal.Decimal {
	switch g.r.IntN(6) {
	case 0:
		return decimal.Zero
	case 1:
		return decimal.New(g.r.Int64N(100), -places)
	case 2:
		return decimal.New(g.r.Int64N(fees.MaxAmount/2+1), -places)
	default:
		return decimal.New(g.r.Int64N(1_000_000), -places)
	}
}

// percent returns a percentage in 0–100 with up to four decimals.
func (g gen) percent() decimal.Decimal {
	switch g.r.IntN(8) {
	case 0:
		return decimal.Zero
	case 1:
		return decimal.NewFromInt(100)
	default:
		return decimal.New(g.r.Int64N(1_000_001), -4)
	}
}

func (g gen) schedule(currency string, places int32) fees.Schedule {
	return fees.Schedule{
		Currency: currency,
		Asker:    fees.Side{Percent: g.percent(), Fixed: g.amount(places)},
		Offeror:  fees.Side{Percent: g.percent(), Fixed: g.amount(places)},
	}
}

func (g gen) calculator() fees.Calculator {
	return fees.Calculator{Rounding: fees.RoundingMode(g.r.IntN(2)), CapOfferorFee: g.r.IntN(2) == 0}
}

func TestPropertyQuoteBalances(t *testing.T) {
	g := newGen(t)
	for range propertyRuns {
		currency, places := g.currency()
		s := g.schedule(currency, places)
		p := fees.Money{Amount: g.amount(places), Currency: currency}
		c := g.calculator()
		q, err := c.Quote(s, p)
		if err != nil {
			if c.CapOfferorFee || !errors.Is(err, fees.ErrNegativePayout) {
				t.Fatalf("Quote(%+v, %s) with %+v: %v", s, p, c, err)
			}
			continue
		}
		check := func(what string, ok bool) {
			t.Helper()
			if !ok {
				t.Fatalf("%s fails for schedule %+v, price %s, %+v: quote %+v", what, s, p, c, q)
			}
		}
		check("balance", q.CustomerTotal.Sub(q.VendorPayout).Equal(q.PlatformTotal))
		check("platform split", q.PlatformAskerRevenue.Add(q.PlatformOfferorRevenue).Equal(q.PlatformTotal))
		check("asker sum", q.AskerPercentFee.Add(q.AskerFixedFee).Equal(q.AskerFee))
		check("offeror sum", q.OfferorPercentFee.Add(q.OfferorFixedFee).Equal(q.OfferorFee))
		check("customer total", p.Amount.Add(q.AskerFee).Equal(q.CustomerTotal))
		check("payout", p.Amount.Sub(q.OfferorFee).Equal(q.VendorPayout))
		for _, d := range []decimal.Decimal{q.AskerPercentFee, q.AskerFixedFee, q.OfferorPercentFee, q.OfferorFixedFee, q.VendorPayout, q.PlatformTotal} {
			check("non-negative", !d.IsNegative())
			check("on the minor-unit grid", d.Truncate(places).Equal(d))
		}
		// Each percentage fee is within half a minor unit of the exact value.
		half := decimal.New(5, -places-1)
		exact := p.Amount.Mul(s.Asker.Percent).Shift(-2)
		check("asker rounding", exact.Sub(q.AskerPercentFee).Abs().LessThanOrEqual(half))
		if !q.OfferorFeeCapped {
			exact = p.Amount.Mul(s.Offeror.Percent).Shift(-2)
			check("offeror rounding", exact.Sub(q.OfferorPercentFee).Abs().LessThanOrEqual(half))
		}
		check("capped payout", !q.OfferorFeeCapped || q.VendorPayout.IsZero())
	}
}

func TestPropertyZeroScheduleCostsNothing(t *testing.T) {
	g := newGen(t)
	for range propertyRuns {
		currency, places := g.currency()
		p := fees.Money{Amount: g.amount(places), Currency: currency}
		s := fees.Schedule{}
		if g.r.IntN(2) == 0 {
			s.Currency, _ = g.currency() // percent-only (here: zero) schedules quote any currency
		}
		q, err := g.calculator().Quote(s, p)
		if err != nil {
			t.Fatalf("Quote(zero, %s): %v", p, err)
		}
		if !q.CustomerTotal.Equal(p.Amount) || !q.VendorPayout.Equal(p.Amount) || !q.PlatformTotal.IsZero() || q.OfferorFeeCapped {
			t.Fatalf("zero schedule on %s gave %+v", p, q)
		}
	}
}

func TestPropertyRaisingAFeeNeverLowersPlatformTotal(t *testing.T) {
	g := newGen(t)
	for range propertyRuns {
		currency, places := g.currency()
		base := g.schedule(currency, places)
		p := fees.Money{Amount: g.amount(places), Currency: currency}
		c := g.calculator()
		c.CapOfferorFee = true // a raise may push the offeror fee past the price

		raised := base
		switch field := g.r.IntN(4); field {
		case 0:
			raised.Asker.Percent = decimal.Min(base.Asker.Percent.Add(g.percent()), decimal.NewFromInt(100))
		case 1:
			raised.Asker.Fixed = base.Asker.Fixed.Add(g.amount(places))
		case 2:
			raised.Offeror.Percent = decimal.Min(base.Offeror.Percent.Add(g.percent()), decimal.NewFromInt(100))
		case 3:
			raised.Offeror.Fixed = base.Offeror.Fixed.Add(g.amount(places))
		}
		before, err := c.Quote(base, p)
		if err != nil {
			t.Fatal(err)
		}
		after, err := c.Quote(raised, p)
		if err != nil {
			t.Fatal(err)
		}
		if after.PlatformTotal.LessThan(before.PlatformTotal) {
			t.Fatalf("raising %+v to %+v on %s (%+v) lowered the platform total from %s to %s",
				base, raised, p, c, before.PlatformTotal, after.PlatformTotal)
		}
		if after.CustomerTotal.LessThan(before.CustomerTotal) || after.VendorPayout.GreaterThan(before.VendorPayout) {
			t.Fatalf("raising a fee helped a party: before %+v after %+v", before, after)
		}
	}
}
