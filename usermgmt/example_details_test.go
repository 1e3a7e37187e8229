package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/shopspring/decimal"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/usermgmt"
)

func ExampleService_SetUserFees() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, _ := usermgmt.New(usermgmt.Config{})
	finance, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Fay", Email: "fay@backoffice.example", Password: "operator passphrase", Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance},
	})
	if err != nil {
		log.Fatal(err)
	}
	vendor, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "studio@example.com", Password: "a long passphrase nobody guesses", FirstName: "Lu", LastName: "Studio",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The platform standard (seeded): asker 0 %, offeror 10 %, in EUR.
	// This vendor pays no percentage ("0") but keeps the standard fixed fee
	// (unset); customers buying from them pay 20 % + 50.
	override := fees.Override{
		AskerPercent:   fees.Some(decimal.NewFromInt(20)),
		AskerFixed:     fees.Some(decimal.NewFromInt(50)),
		OfferorPercent: fees.Some(decimal.Zero),
	}
	f, err := users.SetUserFees(ctx, db, finance.ID, vendor.ID, override)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Mode, "offeror_percent set:", f.Override.OfferorPercent.Valid, "offeror_fixed set:", f.Override.OfferorFixed.Valid)

	q, err := fees.Calculator{}.Quote(f.Schedule, fees.Money{Amount: decimal.NewFromInt(100), Currency: "EUR"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("customer pays", q.CustomerTotal.StringFixed(2), "vendor gets", q.VendorPayout.StringFixed(2))

	// "Use standard platform fees" ignores the override but keeps it.
	override.UseStandard = true
	f, _ = users.SetUserFees(ctx, db, finance.ID, vendor.ID, override)
	fmt.Println(f.Mode, "asker_fixed kept:", f.Override.AskerFixed.Decimal)
	// Output:
	// customized offeror_percent set: true offeror_fixed set: false
	// customer pays 170.00 vendor gets 100.00
	// standard asker_fixed kept: 50
}

func ExampleService_AdjustCounters() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, _ := usermgmt.New(usermgmt.Config{})
	vendor, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "vendor@example.com", Password: "a long passphrase nobody guesses", FirstName: "Ve", LastName: "Ndor",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The host publishes a listing and confirms a booking.
	c, _ := users.AdjustCounters(ctx, db, vendor.ID, usermgmt.CounterDelta{Listings: 1, OfferorBookings: 1})
	fmt.Println("listings", c.Listings, "offeror bookings", c.OfferorBookings)

	// Counters never go below zero: the whole adjustment is refused.
	_, err = users.AdjustCounters(ctx, db, vendor.ID, usermgmt.CounterDelta{Listings: -2})
	fmt.Println(errors.Is(err, usermgmt.ErrCounterNegative))

	// Nightly reconciliation with the host's own tables.
	_ = users.SetCounters(ctx, db, vendor.ID, usermgmt.Counters{Listings: 4, OfferorBookings: 12, ReviewsReceived: 9})
	c, _ = users.AdjustCounters(ctx, db, vendor.ID, usermgmt.CounterDelta{})
	fmt.Printf("%+v\n", c)
	// Output:
	// listings 1 offeror bookings 1
	// true
	// {Listings:4 AskerBookings:0 OfferorBookings:12 ReviewsReceived:9 ReviewsMade:0}
}
