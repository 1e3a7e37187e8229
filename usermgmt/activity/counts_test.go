package activity_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// TestUserCounts: the counts are the default cards' lengths and
// truncation, at every stage of a user's activity: nothing; reservations
// on every channel (some deleted), events, operator actions and devices;
// more reservations and events than the cards show; then refusals.
func TestUserCounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		u, other := e.user(t), e.user(t)
		check := func(stage string) {
			t.Helper()
			got, err := e.act.UserCounts(e.ctx, db, e.support, u.ID)
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			rc, err := e.act.UserReservations(e.ctx, db, e.support, u.ID, activity.ReservationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			tl, err := e.act.UserTimeline(e.ctx, db, e.support, u.ID, activity.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			devs, err := e.act.UserDevices(e.ctx, db, e.support, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := activity.Counts{Reservations: len(rc.Upcoming) + len(rc.Past), ReservationsTruncated: rc.Truncated,
				Events: len(tl.Entries), EventsTruncated: tl.Truncated, Devices: len(devs)}
			if *got != want {
				t.Fatalf("%s: counts %+v, the cards %+v", stage, *got, want)
			}
			t.Logf("%s: %+v", stage, *got)
		}
		check("nothing")

		// Reservations on every channel, one of each deleted; events;
		// operator actions; devices. The other user's count for nothing.
		n := 0
		for _, ch := range activity.ReservationChannels() {
			for _, deleted := range []bool{false, true} {
				n++
				in := booking(u.ID, fmt.Sprint("R", n), ch, t0.Add(-time.Duration(n)*time.Hour), t0.Add(time.Duration(n-5)*24*time.Hour))
				in.Deleted = deleted
				if _, _, err := e.act.RecordReservation(e.ctx, db, in); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, _, err := e.act.RecordReservation(e.ctx, db, booking(other.ID, "O1", activity.ChannelApp, t0.Add(-time.Hour), t0)); err != nil {
			t.Fatal(err)
		}
		var evs []activity.NewEvent
		for i := range 10 {
			evs = append(evs, tap(u.ID, t0.Add(-time.Duration(10-i)*time.Minute)), tap(other.ID, t0.Add(-time.Duration(i)*time.Minute)))
		}
		if _, err := e.act.RecordEvents(e.ctx, db, evs); err != nil {
			t.Fatal(err)
		}
		if _, err := e.users.ChangeStatus(e.ctx, db, e.support, u.ID, usermgmt.StatusInReview, "checking"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"phone", "tablet"} {
			if _, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: u.ID, DeviceID: id, Kind: activity.DeviceAndroid, AppVersion: "3.3.0", SeenAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.act.RecordDevice(e.ctx, db, activity.DeviceSighting{UserID: other.ID, DeviceID: "x", Kind: activity.DeviceAndroid, AppVersion: "3.3.0", SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
		check("some of everything")

		// More than the cards show: 101 App reservations, 201 events (the
		// operator action recorded before them falls out of the period).
		for i := range activity.ReservationsShown + 1 {
			if _, _, err := e.act.RecordReservation(e.ctx, db, booking(u.ID, fmt.Sprint("M", i), activity.ChannelApp, t0.Add(-time.Duration(i)*time.Minute), t0.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		evs = evs[:0]
		for i := range activity.KeepEvents + 1 {
			evs = append(evs, tap(u.ID, t0.Add(time.Duration(i+1)*time.Second)))
		}
		if _, err := e.act.RecordEvents(e.ctx, db, evs); err != nil {
			t.Fatal(err)
		}
		check("overflowing")
		got, err := e.act.UserCounts(e.ctx, db, e.support, u.ID)
		if err != nil || got.Reservations != activity.ReservationsShown || !got.ReservationsTruncated || !got.EventsTruncated {
			t.Fatalf("overflowing: %+v %v", got, err)
		}

		if _, err := e.act.UserCounts(e.ctx, db, e.finance, u.ID); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("finance: %v", err)
		}
		if _, err := e.act.UserCounts(e.ctx, db, e.support, other.ID); err != nil {
			t.Fatalf("other: %v", err)
		}
		if err := e.users.EraseUser(e.ctx, db, e.admin, other.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.act.UserCounts(e.ctx, db, e.support, other.ID); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("erased: %v", err)
		}
		if _, err := e.act.UserCounts(e.ctx, db, e.support, uuid.New()); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}
