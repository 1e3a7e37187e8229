package referral_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// exampleDB opens a migrated SQLite database in a temporary folder.
func exampleDB() (*bun.DB, func()) {
	dir, err := os.MkdirTemp("", "referral-example-")
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

// exampleServices wires usermgmt and referral the way a host does: the
// referral permissions go into usermgmt's catalogue.
func exampleServices(cfg referral.Config) (*usermgmt.Service, *referral.Service) {
	users, err := usermgmt.New(usermgmt.Config{
		Permissions: referral.Permissions(),
		Argon2:      usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}, // fast for the example only
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg.Users = users
	refs, err := referral.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return users, refs
}

func signUp(email, phone string) usermgmt.Registration {
	return usermgmt.Registration{
		Email: email, Password: "a long passphrase nobody guesses", FirstName: "Ana", LastName: "Silva",
		Phone: phone, Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
	}
}

// The host wraps the registration and the referral in one transaction:
// a bad code undoes the registration, and a registration that fails
// records no referral.
func ExampleService_Attach() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, refs := exampleServices(referral.Config{InitialCredits: 3})

	// registerWithCode is the host's sign-up handler.
	registerWithCode := func(reg usermgmt.Registration, code string) (*usermgmt.User, error) {
		var u *usermgmt.User
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if u, err = users.Register(ctx, tx, reg); err != nil {
				return err
			}
			if _, err := refs.Open(ctx, tx, u.ID); err != nil {
				return err
			}
			if code == "" {
				return nil
			}
			_, err = refs.Attach(ctx, tx, u.ID, code, referral.Signals{DeviceID: "app-install-1"})
			return err
		})
		return u, err
	}

	ana, err := registerWithCode(signUp("ana@example.com", "+351912345678"), "")
	if err != nil {
		log.Fatal(err)
	}
	anaAccount, err := refs.Open(ctx, db, ana.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Ana's code has", len(*anaAccount.Code), "characters; credits:", anaAccount.Balance)

	// Bruno signs up with Ana's code as he typed it.
	bruno, err := registerWithCode(signUp("bruno@example.com", "+351912000000"), *anaAccount.Code)
	if err != nil {
		log.Fatal(err)
	}
	q, err := refs.Qualify(ctx, db, bruno.ID) // the host: Bruno's first honoured booking
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Bruno qualified; Ana rewarded:", q.Rewarded)

	// A mistyped code rolls the whole sign-up back.
	_, err = registerWithCode(signUp("carla@example.com", ""), "0000000000")
	fmt.Println(errors.Is(err, referral.ErrUnknownCode))
	_, err = users.Authenticate(ctx, db, "carla@example.com", "a long passphrase nobody guesses")
	fmt.Println("Carla registered:", err == nil)
	// Output:
	// Ana's code has 10 characters; credits: 3
	// Bruno qualified; Ana rewarded: true
	// true
	// Carla registered: false
}

// An operator's "set to N" names the version the page showed; a change
// made since is not overwritten. Arrow clicks are ±1 steps that always
// count.
func ExampleService_SetCredits() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, refs := exampleServices(referral.Config{})
	u, err := users.Register(ctx, db, signUp("dora@example.com", ""))
	if err != nil {
		log.Fatal(err)
	}
	newOp := func(email string) *usermgmt.Operator {
		op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: email, Email: email,
			Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance}})
		if err != nil {
			log.Fatal(err)
		}
		return op
	}
	eve, fay := newOp("eve@backoffice.test"), newOp("fay@backoffice.test")

	card, err := refs.Card(ctx, db, eve.ID, u.ID, referral.CardOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Eve sees", card.Balance, "credits at version", card.Version)

	// Meanwhile Fay clicks the up arrow twice.
	for i := 0; i < 2; i++ {
		if _, err := refs.StepCredits(ctx, db, fay.ID, u.ID, referral.CreditStep{Delta: 1}); err != nil {
			log.Fatal(err)
		}
	}
	// Eve types 5 and saves.
	_, err = refs.SetCredits(ctx, db, eve.ID, u.ID, referral.CreditSet{To: 5, SeenVersion: card.Version})
	var stale *referral.StaleCreditsError
	if errors.As(err, &stale) {
		fmt.Println("conflict: now", stale.Balance, "at version", stale.Version, "changed by Fay:", *stale.ChangedBy == fay.ID)
	}
	ch, err := refs.SetCredits(ctx, db, eve.ID, u.ID, referral.CreditSet{To: 5, SeenVersion: stale.Version, IdempotencyKey: "eve-save-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("entry", ch.Entry.Kind, ch.Entry.Amount, "balance", ch.Balance)
	// The browser retries the same save: the first result comes back.
	again, _ := refs.SetCredits(ctx, db, eve.ID, u.ID, referral.CreditSet{To: 5, SeenVersion: stale.Version, IdempotencyKey: "eve-save-1"})
	fmt.Println("replayed:", again.Replayed, "same entry:", again.Entry.ID == ch.Entry.ID)
	// Output:
	// Eve sees 0 credits at version 0
	// conflict: now 2 at version 2 changed by Fay: true
	// entry operator_set 3 balance 5
	// replayed: true same entry: true
}

// The user page's referral card is one call; a referral without a credit
// left is recorded but not rewarded, and the host is told.
func ExampleService_Card() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, refs := exampleServices(referral.Config{InitialCredits: 1})
	register := func(email, first string) *usermgmt.User {
		reg := signUp(email, "")
		reg.FirstName = first
		u, err := users.Register(ctx, db, reg)
		if err != nil {
			log.Fatal(err)
		}
		return u
	}
	gil := register("gil@example.com", "Gil")
	account, err := refs.Open(ctx, db, gil.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, friend := range []string{"hana", "ivo"} {
		u := register(friend+"@example.com", friend)
		if _, err := refs.Attach(ctx, db, u.ID, *account.Code, referral.Signals{}); err != nil {
			log.Fatal(err)
		}
		q, err := refs.Qualify(ctx, db, u.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(friend, "qualified, rewarded:", q.Rewarded)
	}
	support, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Sam", Email: "sam@backoffice.test",
		Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
	if err != nil {
		log.Fatal(err)
	}
	card, err := refs.Card(ctx, db, support.ID, gil.ID, referral.CardOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("balance", card.Balance, "version", card.Version, "referees", card.RefereeCount)
	for _, e := range card.Entries {
		fmt.Println(" entry", e.Seq, e.Kind, e.Amount, "->", e.BalanceAfter)
	}
	for _, r := range card.Referees {
		fmt.Println(" referee", r.Name, r.Status)
	}
	// Output:
	// hana qualified, rewarded: true
	// ivo qualified, rewarded: false
	// balance 0 version 2 referees 2
	//  entry 2 consumed -1 -> 0
	//  entry 1 granted 1 -> 1
	//  referee ivo Silva unrewarded
	//  referee hana Silva rewarded
}
