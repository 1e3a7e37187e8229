package usermgmt_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// fastArgon2 keeps the tests quick; the defaults are covered by the
// password tests and the benchmark.
var fastArgon2 = usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}

func newService(tb testing.TB) *usermgmt.Service {
	tb.Helper()
	s, err := usermgmt.New(usermgmt.Config{
		Argon2: fastArgon2,
		Roles:  map[string][]usermgmt.Permission{"auditor": {usermgmt.PermReadUsers}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var seq atomic.Int64

// validRegistration returns a registration that passes every rule, with a
// unique email.
func validRegistration() usermgmt.Registration {
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

func register(tb testing.TB, s *usermgmt.Service, db bun.IDB) *usermgmt.User {
	tb.Helper()
	u, err := s.Register(context.Background(), db, validRegistration())
	if err != nil {
		tb.Fatalf("register: %v", err)
	}
	return u
}

// newOperator creates an active operator with the given roles.
func newOperator(tb testing.TB, s *usermgmt.Service, db bun.IDB, roles ...string) uuid.UUID {
	tb.Helper()
	op, err := s.CreateOperator(context.Background(), db, usermgmt.NewOperator{
		Name: "Op", Email: fmt.Sprintf("op%d@backoffice.test", seq.Add(1)), Password: "operator password 1", Roles: roles,
	})
	if err != nil {
		tb.Fatalf("create operator: %v", err)
	}
	return op.ID
}

func setPlatform(tb testing.TB, db bun.IDB, column, value string) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), "UPDATE userdesk_platform_settings SET "+column+" = ?", value); err != nil {
		tb.Fatal(err)
	}
}

func count(tb testing.TB, db bun.IDB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
