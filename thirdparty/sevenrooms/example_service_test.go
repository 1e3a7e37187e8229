package sevenrooms_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// Reconnect a user to a pasted SevenRooms profile: preview, choose per
// field, apply, and undo.
func ExampleService_ApplyReconnect() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sevenrooms-example")
	defer os.RemoveAll(dir)
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "userdesk.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		panic(err)
	}

	// The host registers the package's permissions with usermgmt.
	users, _ := usermgmt.New(usermgmt.Config{Permissions: thirdparty.Permissions(), Argon2: usermgmttest.FastArgon2})
	links, _ := thirdparty.New(thirdparty.Config{Users: users})
	fake := sevenroomstest.NewServer(sevenroomstest.Config{})
	defer fake.Close()
	client, _ := sevenrooms.NewClient(fake.ClientConfig())
	svc, err := sevenrooms.NewService(sevenrooms.Config{Links: links, API: client})
	if err != nil {
		panic(err)
	}

	op, _ := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Sam", Email: "sam@backoffice.example", Password: "operator passphrase", Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}})
	reg := usermgmttest.Registration()
	u, _ := users.Register(ctx, db, reg)
	id := fake.AddProfile(sevenrooms.Profile{FirstName: "Camila", LastName: "Durand", Email: "camille@restaurant.example"})

	pv, err := svc.PreviewReconnect(ctx, db, op.ID, u.ID, "https://www.sevenrooms.com/manager/lebistro/clients/profile/"+id)
	if err != nil {
		panic(err)
	}
	f, _ := pv.Plan.Field(sevenrooms.FieldFirstName)
	fmt.Println("first name:", f.App.Text, "/", f.Provider.Text, "default", f.Choice)

	m, err := svc.ApplyReconnect(ctx, db, op.ID, sevenrooms.Reconnect{
		UserID: u.ID, ClientID: pv.Parsed.ClientID, UserVersion: pv.UserVersion, LinkVersion: pv.LinkVersion,
		ProfileUpdated: pv.ProfileUpdated, Reason: "user asked by phone",
		Decisions: map[string]thirdparty.Decision{sevenrooms.FieldFirstName: {Choice: thirdparty.TakeProvider}},
	})
	if err != nil {
		panic(err)
	}
	after, _ := users.GetOwnUser(ctx, db, u.ID)
	fmt.Println(m.Status, after.FirstName, fake.Profile(id).Email == reg.Email)

	if _, err := svc.UndoReconnect(ctx, db, op.ID, m.ID, "wrong person"); err != nil {
		panic(err)
	}
	after, _ = users.GetOwnUser(ctx, db, u.ID)
	fmt.Println(after.FirstName, fake.Profile(id).Email)
	// Output:
	// first name: Camille / Camila default keep_app
	// applied Camila true
	// Camille camille@restaurant.example
}
