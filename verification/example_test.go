package verification_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

// exampleDB opens a migrated SQLite database in a temporary folder.
func exampleDB() (*bun.DB, func()) {
	dir, err := os.MkdirTemp("", "verification-example-")
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

// exampleServices wires usermgmt and verification the way a host does.
func exampleServices() (*usermgmt.Service, *verification.Service) {
	users, err := usermgmt.New(usermgmt.Config{
		Argon2:      usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}, // fast, for the example only
		Permissions: verification.Permissions(),
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := verification.New(verification.Config{Users: users, BaseURL: "https://app.example", SendAtRegistration: true})
	if err != nil {
		log.Fatal(err)
	}
	return users, v
}

var exampleToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func ExampleService_Register() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, v := exampleServices()
	reg := usermgmt.Registration{
		Email: "ana@example.com", Password: "a long passphrase nobody guesses", FirstName: "Ana", LastName: "Silva",
		PreferredLanguage: "pt-PT", Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
	}
	client := verification.Client{IP: "203.0.113.9"}

	// A new address and a registered one get the same answer.
	fmt.Println(v.Register(ctx, db, reg, client))
	fmt.Println(v.Register(ctx, db, reg, client))

	// The mailbox tells them apart: a link, then a warning to the owner.
	msgs, _ := v.Outbox(ctx, db, verification.OutboxFilter{To: "ana@example.com"})
	for i := len(msgs) - 1; i >= 0; i-- {
		fmt.Println(msgs[i].Kind, msgs[i].Language, msgs[i].Subject)
	}

	// The link verifies the address, once.
	token := exampleToken.FindStringSubmatch(msgs[1].Text)[1]
	fmt.Println(v.ConfirmEmail(ctx, db, token))
	fmt.Println(v.ConfirmEmail(ctx, db, token))
	u, _ := users.FindUserByEmail(ctx, db, "ana@example.com")
	fmt.Println("verified:", u.Verifications.Email.Verified)
	// Output:
	// <nil>
	// <nil>
	// email_verification en Confirm your email address
	// registration_attempt en Someone tried to sign up with your address
	// <nil>
	// verification: invalid or expired link
	// verified: true
}

func ExampleService_CheckPhoneCode() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, v := exampleServices()
	u, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "louis@example.com", Password: "a long passphrase nobody guesses", FirstName: "Louis", LastName: "Martin",
		Phone: "+33612345678", PreferredLanguage: "fr", Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	if err != nil {
		log.Fatal(err)
	}
	st, err := v.SendPhoneCode(ctx, db, u.ID, verification.Client{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sends left:", st.SendsLeft, "checks left:", st.ChecksLeft)
	sms, _ := v.Outbox(ctx, db, verification.OutboxFilter{To: u.Phone, Limit: 1})
	code := regexp.MustCompile(`\d{6}`).FindString(sms[0].Text)

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	var w *verification.WrongCodeError
	if err := v.CheckPhoneCode(ctx, db, u.ID, wrong); errors.As(err, &w) {
		fmt.Println("wrong code,", w.Left, "checks left")
	}
	fmt.Println(v.CheckPhoneCode(ctx, db, u.ID, code))
	fmt.Println(v.CheckPhoneCode(ctx, db, u.ID, code))
	// Output:
	// sends left: 4 checks left: 5
	// wrong code, 4 checks left
	// <nil>
	// verification: no live code
}

func ExampleService_ResetPassword() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, v := exampleServices()
	if _, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "mia@example.com", Password: "a long passphrase nobody guesses", FirstName: "Mia", LastName: "Weber",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
	}); err != nil {
		log.Fatal(err)
	}
	client := verification.Client{IP: "198.51.100.4"}

	// "Forgot my password" answers nil for any address.
	fmt.Println(v.RequestPasswordReset(ctx, db, "mia@example.com", client))
	fmt.Println(v.RequestPasswordReset(ctx, db, "nobody@example.com", client))

	msgs, _ := v.Outbox(ctx, db, verification.OutboxFilter{To: "mia@example.com", Limit: 1})
	token := exampleToken.FindStringSubmatch(msgs[0].Text)[1]
	fmt.Println(v.ResetPassword(ctx, db, token, "my new long passphrase"))
	fmt.Println(v.ResetPassword(ctx, db, token, "my new long passphrase"))
	_, err := users.Authenticate(ctx, db, "mia@example.com", "my new long passphrase")
	fmt.Println("login:", err)
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// verification: invalid or expired link
	// login: <nil>
}

func ExampleService_TryLease() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	_, v := exampleServices()

	// Two replicas ask for the delivery lease: one gets it, and keeps it
	// by asking again before it expires; the other gets it once the
	// first releases it (or dies and lets it expire).
	fmt.Println(v.TryLease(ctx, db, verification.DeliveryLease, "replica-a", time.Minute))
	fmt.Println(v.TryLease(ctx, db, verification.DeliveryLease, "replica-b", time.Minute))
	fmt.Println(v.TryLease(ctx, db, verification.DeliveryLease, "replica-a", time.Minute))
	fmt.Println(v.ReleaseLease(ctx, db, verification.DeliveryLease, "replica-a"))
	fmt.Println(v.TryLease(ctx, db, verification.DeliveryLease, "replica-b", time.Minute))
	// Output:
	// true <nil>
	// false <nil>
	// true <nil>
	// <nil>
	// true <nil>
}
