package activity

import (
	"context"
	"testing"
	"time"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestPruneLateEventKeepsPartition: an event that arrives for a partition
// after it passed the first check and before it is detached makes the
// second check fail; the partition's rows go back into the events table
// (the default partition), nothing of them is lost, and the row-by-row
// pass prunes the expired ones that are not among their user's newest.
func TestPruneLateEventKeepsPartition(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := usermgmttest.NewClock(t0)
	users := usermgmttest.NewService(t, usermgmt.Config{Permissions: Permissions(), Now: clock.Now})
	s, err := New(Config{Users: users, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-100 * 24 * time.Hour) // week of 2026-08-17
	if _, err := s.EnsureEventPartitions(ctx, db, old, old.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	a, b := usermgmttest.User(t, users, db), usermgmttest.User(t, users, db)
	record := func(events []NewEvent) {
		t.Helper()
		for len(events) > 0 {
			k := min(len(events), 500)
			if _, err := s.RecordEvents(ctx, db, events[:k]); err != nil {
				t.Fatal(err)
			}
			events = events[k:]
		}
	}
	var batch []NewEvent
	for i := 0; i < 250; i++ {
		batch = append(batch, NewEvent{UserID: a.ID, Type: "app.tap", Channel: ChannelApp, OccurredAt: old.Add(-time.Duration(i) * time.Minute)})
	}
	for i := 0; i < 200; i++ {
		batch = append(batch, NewEvent{UserID: a.ID, Type: "app.open", Channel: ChannelApp, OccurredAt: t0.Add(-time.Duration(i) * time.Minute)})
	}
	record(batch)
	late := old.Add(-time.Hour)
	var hooked string
	s.beforeDetach = func(partition string) {
		hooked = partition
		// b's only event: among b's newest 200, so never to be deleted.
		record([]NewEvent{{UserID: b.ID, Type: "app.tap", Channel: ChannelApp, OccurredAt: late}})
	}
	rep, err := s.PruneEvents(ctx, db, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hooked != "userdesk_events_p20260817" {
		t.Fatalf("the first check passed for %q", hooked)
	}
	if rep.PartitionsDropped != 0 || rep.Deleted["app.tap"] != 250 || !rep.Complete {
		t.Fatalf("report: %+v", rep)
	}
	var exists bool
	if err := db.NewRaw("SELECT to_regclass('userdesk_events_p20260817') IS NOT NULL").Scan(ctx, &exists); err != nil || exists {
		t.Fatalf("the partition still exists (%v, %v)", exists, err)
	}
	var where []string
	if err := db.NewRaw("SELECT tableoid::regclass::text FROM userdesk_events WHERE user_id = ?", b.ID).Scan(ctx, &where); err != nil {
		t.Fatal(err)
	}
	if len(where) != 1 || where[0] != "userdesk_events_default" {
		t.Fatalf("b's late event: %v", where)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM userdesk_events WHERE user_id = ?", a.ID).Scan(ctx, &n); err != nil || n != 200 {
		t.Fatalf("a keeps %d (%v)", n, err)
	}
}
