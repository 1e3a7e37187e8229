// Package usermgmttest provides test fixtures for usermgmt and the packages
// built on it: a Service with fast password hashing, a settable clock, a
// valid registration, a registered user and operators of given roles.
//
// Every helper takes a testing.TB and fails the test on error, so a test
// reads as its scenario:
//
//	s := usermgmttest.NewService(t, usermgmt.Config{})
//	op := usermgmttest.Operator(t, s, db, usermgmt.RoleSupport)
//	u := usermgmttest.User(t, s, db, func(r *usermgmt.Registration) { r.Phone = "" })
//
// Databases come from internal/dbtest inside this module; a host uses its
// own (any bun.IDB works).
package usermgmttest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// FastArgon2 are password hashing parameters cheap enough for tests (64 KiB,
// one pass). Never use them in production: DefaultArgon2Params are
// OWASP's.
var FastArgon2 = usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}

// NewService returns usermgmt.New(cfg), with FastArgon2 when cfg.Argon2 is
// zero. It fails the test on a configuration error.
func NewService(tb testing.TB, cfg usermgmt.Config) *usermgmt.Service {
	tb.Helper()
	if cfg.Argon2 == (usermgmt.Argon2Params{}) {
		cfg.Argon2 = FastArgon2
	}
	s, err := usermgmt.New(cfg)
	if err != nil {
		tb.Fatalf("usermgmttest: new service: %v", err)
	}
	return s
}

// Clock is a settable clock for Config.Now and the Now fields of the
// packages built on usermgmt. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t; the zero t means the current time,
// truncated to the second.
func NewClock(t time.Time) *Clock {
	if t.IsZero() {
		t = time.Now().UTC().Truncate(time.Second)
	}
	return &Clock{t: t}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var seq atomic.Int64

// Registration returns a registration that passes every rule, with an email
// no other call of this process returns: an individual both asker and
// offeror in Paris, with a phone, languages, a date of birth and addresses.
func Registration() usermgmt.Registration {
	dob := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	return usermgmt.Registration{
		Email:              fmt.Sprintf("Camille.Durand+%d@Example.com", seq.Add(1)),
		Password:           "correct horse battery staple",
		FirstName:          "Camille",
		LastName:           "Durand",
		Phone:              "+33612345678",
		PreferredLanguage:  "fr",
		MotherTongue:       "fr",
		SpokenLanguages:    []string{"fr", "en-GB"},
		Timezone:           "Europe/Paris",
		Type:               usermgmt.Individual,
		DateOfBirth:        &dob,
		CountryOfResidence: "FR",
		PostalAddress:      usermgmt.Address{Line1: "1 rue de Rivoli", PostalCode: "75001", City: "Paris", Country: "FR"},
		LocationAddress:    usermgmt.Address{City: "Paris", Country: "FR"},
		Roles:              []usermgmt.Role{usermgmt.RoleAsker, usermgmt.RoleOfferor},
	}
}

// User registers a user from Registration, adjusted by edit, and fails the
// test on error.
func User(tb testing.TB, s *usermgmt.Service, db bun.IDB, edit ...func(*usermgmt.Registration)) *usermgmt.User {
	tb.Helper()
	reg := Registration()
	for _, f := range edit {
		f(&reg)
	}
	u, err := s.Register(context.Background(), db, reg)
	if err != nil {
		tb.Fatalf("usermgmttest: register: %v", err)
	}
	return u
}

// OperatorPassword is the password of every operator Operator creates.
const OperatorPassword = "operator password 1"

// Operator creates an active operator with the given roles (and a unique
// email; the password is OperatorPassword), and fails the test on error.
func Operator(tb testing.TB, s *usermgmt.Service, db bun.IDB, roles ...usermgmt.OperatorRole) *usermgmt.Operator {
	tb.Helper()
	op, err := s.CreateOperator(context.Background(), db, usermgmt.NewOperator{
		Name: "Op", Email: fmt.Sprintf("op%d@backoffice.test", seq.Add(1)), Password: OperatorPassword, Roles: roles,
	})
	if err != nil {
		tb.Fatalf("usermgmttest: create operator: %v", err)
	}
	return op
}
