package usermgmt_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// exampleSetup returns a service, an operator of role and a registered
// user, on db.
func exampleSetup(db bun.IDB, role usermgmt.OperatorRole, perms ...usermgmt.PermissionDef) (*usermgmt.Service, *usermgmt.Operator, *usermgmt.User) {
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{Permissions: perms})
	if err != nil {
		log.Fatal(err)
	}
	op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Sam", Email: "sam@backoffice.example", Password: "operator passphrase 1", Roles: []usermgmt.OperatorRole{role},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err := users.Register(ctx, db, usermgmt.Registration{
		Email: "lea.martin@example.com", Password: "a long passphrase nobody guesses", FirstName: "Léa", LastName: "Martin",
		Phone: "+33612345678", Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
	})
	if err != nil {
		log.Fatal(err)
	}
	return users, op, u
}

// The host runs usermgmt inside its own transaction: every method takes a
// bun.IDB, so the library's writes commit or roll back with the host's.
func ExampleService_hostTransaction() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	var id uuid.UUID
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := users.Register(ctx, tx, usermgmt.Registration{
			Email: "noah@example.com", Password: "a long passphrase nobody guesses", FirstName: "Noah", LastName: "Weber",
			Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
		})
		if err != nil {
			return err
		}
		id = u.ID
		// The host's own write fails (its listings table, say): the
		// registration goes with it.
		return errors.New("listing could not be created")
	})
	fmt.Println(err)
	_, err = users.GetOwnUser(ctx, db, id)
	fmt.Println(errors.Is(err, usermgmt.ErrNotFound))
	// Output:
	// listing could not be created
	// true
}

// A package built on usermgmt (here a "notes" package) declares its
// permission, checks it with Authorize and audits its action with
// RecordAudit, in the transaction of its own write.
func ExampleService_Authorize() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	const permAddNote usermgmt.Permission = "notes.add"
	notes := usermgmt.PermissionDef{Permission: permAddNote, Description: "Add a note to a user.", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}}
	users, support, u := exampleSetup(db, usermgmt.RoleSupport, notes)

	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		op, err := users.Authorize(ctx, tx, support.ID, permAddNote)
		if err != nil {
			return err
		}
		// ... the package's own INSERT goes here, on tx ...
		_, err = users.RecordAudit(ctx, tx, usermgmt.AuditEntry{
			OperatorID: &op.ID, UserID: &u.ID, Action: "notes.add", Fields: []string{"note"}, Reason: "ticket 4711",
		})
		return err
	})
	fmt.Println(err, users.KnowsPermission(permAddNote))
	recs, _, err := users.AuditTrail(ctx, db, support.ID, u.ID, usermgmt.AuditPage{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(recs[0].Action, recs[0].Reason)

	finance, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Fin", Email: "fin@backoffice.example", Password: "operator passphrase 2", Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = users.Authorize(ctx, db, finance.ID, permAddNote)
	var perr *usermgmt.PermissionError
	fmt.Println(errors.As(err, &perr), perr.Permission)
	// Output:
	// <nil> true
	// notes.add ticket 4711
	// true notes.add
}

// ExportUsers streams the users list (with its filters) as CSV or XLSX;
// personal data follows the operator's permission.
func ExampleService_ExportUsers() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, admin, _ := exampleSetup(db, usermgmt.RoleAdmin)
	var buf bytes.Buffer
	n, err := users.ExportUsers(ctx, db, admin.ID, usermgmt.ListQuery{Keyword: "martin"}, usermgmt.ExportCSV, &buf, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "row")
	sc := bufio.NewScanner(&buf)
	sc.Scan()
	header := sc.Text()
	// The phone starts with "+": a spreadsheet would read it as a
	// formula, so it is neutralised with a leading quote.
	fmt.Println(header)
	sc.Scan()
	row := strings.Split(sc.Text(), ",")
	fmt.Println(strings.Join(row[1:4], ","))
	// Output:
	// 1 row
	// Picture,Full name,Email,Phone,Preferred language,Timezone,Fees,Status,Created at,Bookings as asker,Bookings as offeror,Listings,UID
	// Léa Martin,lea.martin@example.com,'+33612345678
}

// EraseUser deletes a user the GDPR way: a tombstone keeps the UID for the
// host's own records, every personal value goes, and operator reads no
// longer find the user.
func ExampleService_EraseUser() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, admin, u := exampleSetup(db, usermgmt.RoleAdmin)
	if err := users.EraseUser(ctx, db, admin.ID, u.ID, "GDPR request, ticket 9120"); err != nil {
		log.Fatal(err)
	}
	_, err := users.GetUser(ctx, db, admin.ID, u.ID)
	fmt.Println(errors.Is(err, usermgmt.ErrNotFound))
	_, err = users.Authenticate(ctx, db, "lea.martin@example.com", "a long passphrase nobody guesses")
	fmt.Println(errors.Is(err, usermgmt.ErrInvalidCredentials))
	// The address is free again.
	_, err = users.Register(ctx, db, usermgmt.Registration{
		Email: "lea.martin@example.com", Password: "a long passphrase nobody guesses", FirstName: "Léa", LastName: "Martin",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
	})
	fmt.Println(err)
	// Output:
	// true
	// true
	// <nil>
}

// A host's handler for the user page reads the operator's session and the
// user in one statement; support sees personal data masked.
func ExampleService_GetUserDetailBySession() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, support, u := exampleSetup(db, usermgmt.RoleSupport)
	// The token is what the operator's login returned (a cookie or a
	// bearer token of the host's back office).
	token, _, err := users.StartSession(ctx, db, usermgmt.OperatorSession, support.ID, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	op, d, err := users.GetUserDetailBySession(ctx, db, token, u.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(op.Name, op.Roles)
	fmt.Println(d.FullName, d.Email, d.Masked)

	_, _, err = users.GetUserDetailBySession(ctx, db, "an ended or forged token", u.ID)
	fmt.Println(errors.Is(err, usermgmt.ErrSessionInvalid))
	// Output:
	// Sam [support]
	// Léa Martin l•••@e•••.com true
	// true
}
