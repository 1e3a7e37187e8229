package usermgmt_test

import (
	"context"
	"fmt"
	"log"

	"github.com/userdesk/userdesk/usermgmt"
)

func ExampleService_ListUsers() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []usermgmt.Registration{
		{Email: "elodie.muller@example.com", FirstName: "Élodie", LastName: "Müller", Phone: "+33612345678"},
		{Email: "jean.dupont@example.fr", FirstName: "Jean", LastName: "Dupont", Phone: "+33698765432"},
		{Email: "ana@silva.pt", FirstName: "Ana", LastName: "Silva", Phone: "+351912345678"},
	} {
		r.Password, r.Type, r.Roles = "a long passphrase nobody guesses", usermgmt.Individual, []usermgmt.Role{usermgmt.RoleAsker}
		if _, err := users.Register(ctx, db, r); err != nil {
			log.Fatal(err)
		}
	}
	// A support operator reads users but not their personal data.
	op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "Sam", Email: "sam@backoffice.example", Password: "operator passphrase", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Alphabetical, two per page; the keyword ignores case and accents.
	q := usermgmt.ListQuery{Sort: usermgmt.SortName, Dir: usermgmt.Asc, Limit: 2}
	for {
		page, err := users.ListUsers(ctx, db, op.ID, q)
		if err != nil {
			log.Fatal(err)
		}
		for _, u := range page.Items {
			fmt.Println(u.FullName, u.Email, u.Phone, u.Fees, u.Status)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	page, err := users.ListUsers(ctx, db, op.ID, usermgmt.ListQuery{Keyword: "MULLER"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items), page.Items[0].FullName)
	// This operator may not read personal data: a fragment of a phone
	// number finds nobody (the search is no oracle), the whole number
	// finds its owner.
	for _, kw := range []string{"+33 6", "+33 6 12 34 56 78"} {
		n, err := users.CountUsers(ctx, db, op.ID, usermgmt.ListQuery{Keyword: kw})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n, "match", kw)
	}
	// Output:
	// Jean Dupont j•••@e•••.fr +33 •• •• •• 32 standard live
	// Élodie Müller e•••@e•••.com +33 •• •• •• 78 standard live
	// Ana Silva a•••@s•••.pt +351 •• •• •• 78 standard live
	// 1 Élodie Müller
	// 0 match +33 6
	// 1 match +33 6 12 34 56 78
}
