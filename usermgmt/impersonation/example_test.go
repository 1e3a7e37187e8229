package impersonation_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

// exampleWorld opens a migrated SQLite database in a temporary folder and
// registers a support operator and a user.
func exampleWorld() (db *bun.DB, users *usermgmt.Service, op *usermgmt.Operator, u *usermgmt.User, done func()) {
	dir, err := os.MkdirTemp("", "impersonation-example-")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	db, err = sqldb.OpenSQLite(ctx, filepath.Join(dir, "example.db"))
	if err != nil {
		log.Fatal(err)
	}
	if err := migrations.Up(ctx, db); err != nil {
		log.Fatal(err)
	}
	users, err = usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	op, err = users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Sam", Email: "sam@backoffice.example", Password: "a long operator passphrase", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err = users.Register(ctx, db, usermgmt.Registration{
		Email: "ana.silva@example.com", Password: "a long passphrase nobody guesses", FirstName: "Ana", LastName: "Silva",
		Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleOfferor},
	})
	if err != nil {
		log.Fatal(err)
	}
	return db, users, op, u, func() { db.Close(); os.RemoveAll(dir) }
}

// An operator impersonates a user to see why her payouts fail; the front
// office verifies the token; the operator revokes it when done.
func Example() {
	db, users, op, u, done := exampleWorld()
	defer done()
	ctx := context.Background()

	key, err := impersonation.GenerateKey("2026-11", nil)
	if err != nil {
		log.Fatal(err)
	}
	imp, err := impersonation.New(impersonation.Config{
		Users:    users,
		Audience: "https://app.example.com",
		Keys:     impersonation.KeyRing{Keys: []impersonation.Key{key}},
	})
	if err != nil {
		log.Fatal(err)
	}

	issued, err := imp.Issue(ctx, db, impersonation.IssueRequest{
		OperatorID: op.ID,
		UserID:     u.ID,
		Reason:     "ticket 812: payouts fail",
		Landing:    impersonation.LandingBankAccount,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(issued.Token, "v4.public."), issued.Record.ExpiresAt.Sub(issued.Record.IssuedAt))

	got, err := imp.Verify(ctx, db, issued.Token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.UserID == u.ID, got.OperatorID == op.ID, got.Scope, got.Landing)

	if _, err := imp.Revoke(ctx, db, op.ID, issued.Record.ID, "ticket closed"); err != nil {
		log.Fatal(err)
	}
	_, err = imp.Verify(ctx, db, issued.Token)
	var verr *impersonation.VerifyError
	if errors.As(err, &verr) {
		fmt.Println(verr.Check, errors.Is(err, impersonation.ErrRevoked))
	}
	// Output:
	// true 15m0s
	// true true read_only bank_account
	// revoked true
}

// The front office mounts the middleware; handlers read the effective user
// and the acting operator from the request context. A read-only
// impersonation cannot change anything.
func ExampleService_Middleware() {
	db, users, op, u, done := exampleWorld()
	defer done()
	ctx := context.Background()
	key, err := impersonation.GenerateKey("2026-11", nil)
	if err != nil {
		log.Fatal(err)
	}
	imp, err := impersonation.New(impersonation.Config{
		Users: users, Audience: "https://app.example.com", Keys: impersonation.KeyRing{Keys: []impersonation.Key{key}},
	})
	if err != nil {
		log.Fatal(err)
	}
	issued, err := imp.Issue(ctx, db, impersonation.IssueRequest{OperatorID: op.ID, UserID: u.ID, Reason: "see the dashboard"})
	if err != nil {
		log.Fatal(err)
	}

	dashboard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := impersonation.UserID(r.Context())
		operator, _ := impersonation.OperatorID(r.Context())
		fmt.Fprintln(w, "as user:", user == u.ID, "by operator:", operator == op.ID)
	})
	h := imp.Middleware(db, impersonation.MiddlewareConfig{})(dashboard)

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		r := httptest.NewRequest(method, "/dashboard", nil)
		r.Header.Set("Authorization", "Bearer "+issued.Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(method, " ", w.Code, " ", w.Body.String())
	}
	// Output:
	// GET 200 as user: true by operator: true
	// POST 403 {"error":"read_only_impersonation"}
}
