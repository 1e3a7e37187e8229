package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/userdesk/userdesk/usermgmt"
)

func ExampleService_SaveView() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	users, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	newOp := func(name string, role usermgmt.OperatorRole) *usermgmt.Operator {
		op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: name, Email: name + "@backoffice.example",
			Password: "operator passphrase", Roles: []usermgmt.OperatorRole{role}})
		if err != nil {
			log.Fatal(err)
		}
		return op
	}
	sam, kim, fay := newOp("sam", usermgmt.RoleSupport), newOp("kim", usermgmt.RoleSupport), newOp("fay", usermgmt.RoleFinance)

	// Sam saves the users list's search, shared with the support role;
	// the paging cursor is dropped, so the view opens on its first page.
	v, err := users.SaveView(ctx, db, sam.ID, usermgmt.SavedViewInput{Name: "To review",
		Query: "status=in_review&sort=created&cursor=xyz", SharedRole: usermgmt.RoleSupport})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Name, v.Query)

	// Kim, in support too, sees and opens it; Fay, in finance, may not.
	views, _ := users.ListViews(ctx, db, kim.ID)
	fmt.Println(len(views), views[0].Name)
	if opened, err := users.OpenView(ctx, db, kim.ID, v.ID); err == nil {
		fmt.Println("/admin/users?" + opened.Query)
	}
	_, err = users.OpenView(ctx, db, fay.ID, v.ID)
	fmt.Println(errors.Is(err, usermgmt.ErrViewNotShared), errors.Is(err, usermgmt.ErrForbidden))
	// Output:
	// To review sort=created&status=in_review
	// 1 To review
	// /admin/users?sort=created&status=in_review
	// true true
}
