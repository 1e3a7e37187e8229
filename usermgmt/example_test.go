package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// exampleDB opens a migrated SQLite database in a temporary folder.
func exampleDB() (*bun.DB, func()) {
	dir, err := os.MkdirTemp("", "usermgmt-example-")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	if err := migrations.Up(ctx, db); err != nil {
		log.Fatal(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

func ExampleService_Register() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}

	u, err := users.Register(ctx, db, usermgmt.Registration{
		Email:     "Ana.Silva@example.com",
		Password:  "a long passphrase nobody guesses",
		FirstName: "Ana",
		LastName:  "Silva",
		Phone:     "+351912345678",
		Timezone:  "Europe/Lisbon",
		Type:      usermgmt.Individual,
		Roles:     []usermgmt.Role{usermgmt.RoleAsker},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.FullName(), u.Status, u.Roles)

	// The email is unique whatever its letter case.
	_, err = users.Register(ctx, db, usermgmt.Registration{
		Email: "ana.silva@EXAMPLE.com", Password: "another passphrase", FirstName: "A", LastName: "S",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	fmt.Println(errors.Is(err, usermgmt.ErrEmailTaken))

	// Bad input names every bad field.
	_, err = users.Register(ctx, db, usermgmt.Registration{Email: "nope", Password: "x", Type: "robot"})
	var verr *usermgmt.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Println(f.Field, f.Rule)
		}
	}
	// Output:
	// Ana Silva live [asker]
	// true
	// email email
	// password min
	// first_name required
	// last_name required
	// type oneof
	// roles required
}

func ExampleService_ChangeStatus() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	support, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Sam", Email: "sam@backoffice.example", Password: "operator passphrase", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "bo@example.com", Password: "a long passphrase nobody guesses", FirstName: "Bo", LastName: "Berg",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The host ends the user's sessions when an account is invalidated.
	users.OnStatusChange(func(ctx context.Context, tx bun.IDB, c usermgmt.StatusChange) error {
		if !c.To.Allows(usermgmt.CanLogIn) {
			fmt.Println("hook: end sessions of", c.UserID == u.ID)
		}
		return nil
	})

	u, err = users.ChangeStatus(ctx, db, support.ID, u.ID, usermgmt.StatusInvalidated, "stolen card reports")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Status, u.Status.Allows(usermgmt.CanLogIn))

	_, err = users.Authenticate(ctx, db, "bo@example.com", "a long passphrase nobody guesses")
	fmt.Println(errors.Is(err, usermgmt.ErrLoginRefused))

	trail, _, err := users.AuditTrail(ctx, db, support.ID, u.ID, usermgmt.AuditPage{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(trail[0].Action, trail[0].Before["status"], "→", trail[0].After["status"], trail[0].Reason)
	// Output:
	// hook: end sessions of true
	// invalidated false
	// true
	// user.status_change live → invalidated stolen card reports
}
