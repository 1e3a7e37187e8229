package activity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// fill gives a user a reservation, two events and a device.
func fill(tb testing.TB, e *env, u *usermgmt.User) {
	tb.Helper()
	if _, _, err := e.act.RecordReservation(e.ctx, e.db, booking(u.ID, "R-"+u.ID.String(), activity.ChannelApp, t0, t0.Add(time.Hour))); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.act.RecordEvents(e.ctx, e.db, []activity.NewEvent{tap(u.ID, t0), tap(u.ID, t0.Add(-time.Minute))}); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.act.RecordDevice(e.ctx, e.db, activity.DeviceSighting{UserID: u.ID, DeviceID: "d1", Kind: activity.DeviceIOS, PushToken: ptr("secret-push")}); err != nil {
		tb.Fatal(err)
	}
}

func TestEraseRemovesActivity(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, keep := e.user(t), e.user(t)
		fill(t, e, u)
		fill(t, e, keep)
		if err := e.users.EraseUser(e.ctx, db, e.admin, u.ID, "GDPR request"); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"userdesk_reservations", "userdesk_events", "userdesk_devices"} {
			if n := count(t, db, "SELECT count(*) FROM "+table+" WHERE user_id = ?", u.ID); n != 0 {
				t.Errorf("%s keeps %d rows of the erased user", table, n)
			}
			if n := count(t, db, "SELECT count(*) FROM "+table+" WHERE user_id = ?", keep.ID); n == 0 {
				t.Errorf("%s lost the other user's rows", table)
			}
		}
		// Every read of the erased user is not found; so are new writes.
		if _, err := e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("reservations: %v", err)
		}
		if _, err := e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("timeline: %v", err)
		}
		if _, err := e.act.UserDevices(e.ctx, db, e.support, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("devices: %v", err)
		}
		if _, err := e.act.ExportOwnActivity(e.ctx, db, u.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("export: %v", err)
		}
		if _, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, DeviceID: "d2", Kind: activity.DeviceIOS}); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Errorf("device of an erased user: %v", err)
		}
		if n, err := e.act.RecordEvents(e.ctx, db, []activity.NewEvent{tap(u.ID, t0)}); err != nil || n != 0 {
			t.Errorf("late event of an erased user: %d %v", n, err)
		}
	})
}

func TestExportOwnActivity(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u := e.user(t)
		fill(t, e, u)
		// A web reservation and a deleted one are exported too.
		web := booking(u.ID, "W", activity.ChannelWeb, t0.Add(-time.Hour), t0)
		web.Deleted = true
		if _, _, err := e.act.RecordReservation(e.ctx, db, web); err != nil {
			t.Fatal(err)
		}
		x, err := e.act.ExportOwnActivity(e.ctx, db, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.UserID != u.ID || len(x.Reservations) != 2 || len(x.Events) != 2 || len(x.Devices) != 1 || !x.Events[0].OccurredAt.Before(x.Events[1].OccurredAt) {
			t.Fatalf("export: %+v", x)
		}
		if !x.Devices[0].HasPushToken {
			t.Fatal("export lost the push token flag")
		}
	})
}
