package activity_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// world is what the examples share: a migrated SQLite database, both
// services on one fixed clock, a user and a support operator.
type world struct {
	db    *bun.DB
	users *usermgmt.Service
	act   *activity.Service
	user  *usermgmt.User
	op    *usermgmt.Operator
	now   time.Time
	done  func()
}

func exampleWorld() *world {
	dir, err := os.MkdirTemp("", "activity-example-")
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
	w := &world{db: db, now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), done: func() { db.Close(); os.RemoveAll(dir) }}
	clock := func() time.Time { return w.now }
	// The host passes the package's permissions to usermgmt, then builds
	// the activity service on it.
	w.users, err = usermgmt.New(usermgmt.Config{Permissions: activity.Permissions(), Argon2: usermgmttest.FastArgon2, Now: clock})
	if err != nil {
		log.Fatal(err)
	}
	w.act, err = activity.New(activity.Config{Users: w.users, Now: clock, MinAppVersion: "3.2.0"})
	if err != nil {
		log.Fatal(err)
	}
	if w.user, err = w.users.Register(ctx, db, usermgmttest.Registration()); err != nil {
		log.Fatal(err)
	}
	if w.op, err = w.users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Sam", Email: "sam@backoffice.test",
		Password: usermgmttest.OperatorPassword, Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}}); err != nil {
		log.Fatal(err)
	}
	return w
}

// A booking made through the WhatsApp bot is recorded, its webhook is
// replayed (nothing changes), and the user page reads the card.
func ExampleService_RecordReservation() {
	w := exampleWorld()
	defer w.done()
	ctx := context.Background()
	rec := activity.ReservationRecord{
		UserID: w.user.ID, Provider: "sevenrooms", ProviderID: "ahNzfnNldmVucm9vbXM", VenueName: "Chez Paul",
		Channel: activity.ChannelBot, BotKind: "whatsapp", Role: usermgmt.RoleAsker,
		BookedAt: w.now.Add(-time.Hour), VisitAt: w.now.Add(30 * time.Hour), VisitTimezone: "Europe/Paris",
		PartySize: 4, Status: activity.StatusConfirmed, ProviderStatus: "CONFIRMED", SyncedAt: w.now,
	}
	_, first, _ := w.act.RecordReservation(ctx, w.db, rec)
	_, replay, _ := w.act.RecordReservation(ctx, w.db, rec)
	fmt.Println(first, replay)

	card, err := w.act.UserReservations(ctx, w.db, w.op.ID, w.user.ID, activity.ReservationFilter{})
	if err != nil {
		log.Fatal(err)
	}
	r := card.Upcoming[0]
	fmt.Println(len(card.Upcoming), len(card.Past), r.VenueName, r.Channel, r.BotKind, r.LocalVisit().Format("Mon 2 Jan 15:04 MST"))
	me, _ := w.users.GetOwnUser(ctx, w.db, w.user.ID)
	fmt.Println("asker bookings:", me.Counters.AskerBookings)
	// Output:
	// created unchanged
	// 1 0 Chez Paul bot whatsapp Wed 2 Dec 19:00 CET
	// asker bookings: 1
}

// The app sends a batch of events; the operator's events card merges them
// with the operator actions on the user, newest first. The email the type
// allows is masked for an operator without the personal-data permission.
func ExampleService_UserTimeline() {
	w := exampleWorld()
	defer w.done()
	ctx := context.Background()
	n, err := w.act.RecordEvents(ctx, w.db, []activity.NewEvent{
		{UserID: w.user.ID, Type: "app.open", Channel: activity.ChannelApp, OccurredAt: w.now.Add(-3 * time.Minute), AppVersion: "3.4.0"},
		{UserID: w.user.ID, Type: "search.performed", Channel: activity.ChannelApp, OccurredAt: w.now.Add(-2 * time.Minute),
			Attributes: map[string]any{"query": "sushi", "results": 12}},
		{UserID: w.user.ID, Type: "verification.email_sent", Channel: activity.ChannelSystem, OccurredAt: w.now.Add(-time.Minute),
			Attributes: map[string]any{"email": "camille@example.com"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recorded", n)
	if _, err := w.users.ChangeStatus(ctx, w.db, w.op.ID, w.user.ID, usermgmt.StatusInReview, "chargeback"); err != nil {
		log.Fatal(err)
	}
	tl, err := w.act.UserTimeline(ctx, w.db, w.op.ID, w.user.ID, activity.EventFilter{})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range tl.Entries {
		if e.Event != nil {
			fmt.Println(e.Type, e.Channel, e.Event.Attributes)
		} else {
			fmt.Println(e.Type, e.Channel, e.OperatorAction.Reason)
		}
	}
	// Output:
	// recorded 3
	// user.status_change back_office chargeback
	// verification.email_sent system map[email:c•••@e•••.com]
	// search.performed app map[query:sushi results:12]
	// app.open app map[]
}

// The app reports its device at login; an operator revokes a lost phone:
// its session ends and its push token is dropped.
func ExampleService_RevokeDevice() {
	w := exampleWorld()
	defer w.done()
	ctx := context.Background()
	token := "fcm-registration-token"
	if _, err := w.act.RecordDevice(ctx, w.db, activity.DeviceSighting{UserID: w.user.ID, DeviceID: "install-1", Kind: activity.DeviceAndroid,
		OSName: "Android", OSVersion: "15", Model: "Pixel 9", AppVersion: "3.1.0", PushToken: &token, SeenAt: w.now.Add(-time.Hour)}); err != nil {
		log.Fatal(err)
	}
	session, _, _ := w.users.StartDeviceSession(ctx, w.db, w.user.ID, "install-1", time.Hour)
	if _, err := w.act.RecordDevice(ctx, w.db, activity.DeviceSighting{UserID: w.user.ID, DeviceID: "wa-33612345678", Kind: activity.DeviceWhatsApp, BotVersion: "2.1"}); err != nil {
		log.Fatal(err)
	}
	d, err := w.act.RevokeDevice(ctx, w.db, w.op.ID, w.user.ID, "install-1", "phone reported lost")
	if err != nil {
		log.Fatal(err)
	}
	_, err = w.users.ResolveSession(ctx, w.db, usermgmt.UserSession, session)
	fmt.Println("revoked:", d.RevokedAt != nil, "push token:", d.HasPushToken, "session:", err)
	devs, _ := w.act.UserDevices(ctx, w.db, w.op.ID, w.user.ID)
	for _, d := range devs {
		fmt.Println(d.DeviceID, d.Kind, "current:", d.Current, "outdated:", d.Outdated)
	}
	// Output:
	// revoked: true push token: false session: usermgmt: invalid or expired session
	// wa-33612345678 whatsapp current: true outdated: false
	// install-1 android current: false outdated: true
}
