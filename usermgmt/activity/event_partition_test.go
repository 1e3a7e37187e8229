package activity_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

func isPostgres(tb testing.TB, db bun.IDB) bool {
	tb.Helper()
	d, err := sqldb.DialectOf(db)
	if err != nil {
		tb.Fatal(err)
	}
	return d == sqldb.Postgres
}

// partitionOf names the table that holds the user's event at t.
func partitionOf(tb testing.TB, db bun.IDB, userID uuid.UUID, at time.Time) string {
	tb.Helper()
	var name string
	if err := db.NewRaw("SELECT tableoid::regclass::text FROM userdesk_events WHERE user_id = ? AND occurred_at = ?", userID, at).Scan(tb.Context(), &name); err != nil {
		tb.Fatal(err)
	}
	return name
}

func exists(tb testing.TB, db bun.IDB, table string) bool {
	tb.Helper()
	var ok bool
	if err := db.NewRaw("SELECT to_regclass(?) IS NOT NULL", table).Scan(tb.Context(), &ok); err != nil {
		tb.Fatal(err)
	}
	return ok
}

// TestEnsureEventPartitions: the current period and EventPartitionsAhead
// after it are created once; an event of a period without a partition
// goes to the default partition, and creating that period's partition
// later moves it there. On SQLite nothing happens.
func TestEnsureEventPartitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		n, err := e.act.EnsureEventPartitions(e.ctx, db, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !isPostgres(t, db) {
			if n != 0 {
				t.Fatalf("sqlite: %d partitions created", n)
			}
			return
		}
		// t0 is Tuesday 2026-12-01: its week starts on Monday 11-30.
		if n != 1+activity.EventPartitionsAhead {
			t.Fatalf("created %d", n)
		}
		for _, name := range []string{"userdesk_events_p20261130", "userdesk_events_p20261207", "userdesk_events_p20261214"} {
			if !exists(t, db, name) {
				t.Errorf("%s missing", name)
			}
		}
		if n, err := e.act.EnsureEventPartitions(e.ctx, db, time.Time{}, time.Time{}); err != nil || n != 0 {
			t.Fatalf("second call: %d %v", n, err)
		}
		u := e.user(t)
		old := t0.Add(-60 * 24 * time.Hour)
		if _, err := e.act.RecordEvents(e.ctx, db, []activity.NewEvent{tap(u.ID, t0), tap(u.ID, old)}); err != nil {
			t.Fatal(err)
		}
		if p := partitionOf(t, db, u.ID, t0); p != "userdesk_events_p20261130" {
			t.Fatalf("today's event in %s", p)
		}
		if p := partitionOf(t, db, u.ID, old); p != "userdesk_events_default" {
			t.Fatalf("an event without a partition in %s", p)
		}
		if n, err := e.act.EnsureEventPartitions(e.ctx, db, old, old.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("the old week: %d %v", n, err)
		}
		if p := partitionOf(t, db, u.ID, old); p != "userdesk_events_p20260928" {
			t.Fatalf("the old event was not moved: in %s", p)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", u.ID); n != 2 {
			t.Fatalf("%d events after the move", n)
		}
		// A daily period makes daily partitions.
		daily := newEnv(t, db, func(c *activity.Config) { c.EventPartitionPeriod = 24 * time.Hour })
		if n, err := daily.act.EnsureEventPartitions(e.ctx, db, t0.Add(-40*24*time.Hour), t0.Add(-39*24*time.Hour)); err != nil || n != 2 {
			t.Fatalf("daily: %d %v", n, err)
		}
		if !exists(t, db, "userdesk_events_p20261022") || !exists(t, db, "userdesk_events_p20261023") {
			t.Fatal("daily partitions missing")
		}
		// Days inside an existing week's partition are left to it.
		if n, err := daily.act.EnsureEventPartitions(e.ctx, db, t0, t0.Add(2*24*time.Hour)); err != nil || n != 0 {
			t.Fatalf("daily over weekly: %d %v", n, err)
		}
	})
}

// TestPruneDropsPartitions: a partition whose events have all expired and
// are none among their user's newest 200 is dropped whole; one that holds
// a user's newest events, or events within their retention, is kept, and
// the row-by-row pass prunes it. The counts are those of SQLite, which has
// no partitions.
func TestPruneDropsPartitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		pg := isPostgres(t, db)
		// Three old weeks (Tuesdays 100, 121 and 142 days before t0).
		old1, old2, old3 := t0.Add(-100*24*time.Hour), t0.Add(-121*24*time.Hour), t0.Add(-142*24*time.Hour)
		for _, at := range []time.Time{old1, old2, old3} {
			if _, err := e.act.EnsureEventPartitions(e.ctx, db, at.Add(-24*time.Hour), at); err != nil {
				t.Fatal(err)
			}
		}
		a, b, c, d := e.user(t), e.user(t), e.user(t), e.user(t)
		seed(t, e, a.ID, "app.tap", 250, old1) // all 250 expired, a has 200 newer: old1's week goes whole
		seed(t, e, a.ID, "app.open", 200, t0)
		seed(t, e, b.ID, "app.tap", 50, old2) // b's only events: kept
		seed(t, e, d.ID, "app.tap", 30, old2) // d has 200 newer: deleted row by row
		seed(t, e, d.ID, "app.open", 200, t0)
		seed(t, e, c.ID, "auth.login", 10, old3) // within the 400 days of logins: kept
		seed(t, e, c.ID, "app.open", 200, t0)
		var p1, p2, p3 string
		if pg {
			p1, p2, p3 = partitionOf(t, db, a.ID, old1), partitionOf(t, db, b.ID, old2), partitionOf(t, db, c.ID, old3)
			if p1 != "userdesk_events_p20260817" || p2 != "userdesk_events_p20260727" || p3 != "userdesk_events_p20260706" {
				t.Fatalf("partitions %s %s %s", p1, p2, p3)
			}
		}

		rep, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Complete || rep.Deleted["app.tap"] != 280 || rep.TotalDeleted() != 280 {
			t.Fatalf("report: %+v", rep)
		}
		wantDropped := 0
		if pg {
			wantDropped = 1
			if exists(t, db, p1) || !exists(t, db, p2) || !exists(t, db, p3) {
				t.Fatalf("after the pass: %s %v, %s %v, %s %v", p1, exists(t, db, p1), p2, exists(t, db, p2), p3, exists(t, db, p3))
			}
		}
		if rep.PartitionsDropped != wantDropped {
			t.Fatalf("dropped %d partitions", rep.PartitionsDropped)
		}
		// The week d's taps were deleted from, row by row, is vacuumed
		// by the pass (its pages all-visible again for index-only scans).
		wantVacuumed := 0
		if pg {
			wantVacuumed = 1
			if n := count(t, db, "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ? AND last_vacuum IS NOT NULL", p2); n != 1 {
				t.Fatalf("%s not vacuumed by the pass", p2)
			}
		}
		if rep.PartitionsVacuumed != wantVacuumed {
			t.Fatalf("vacuumed %d partitions", rep.PartitionsVacuumed)
		}
		for _, x := range []struct {
			name string
			user uuid.UUID
			typ  string
			want int
		}{{"a's taps", a.ID, "app.tap", 0}, {"a's opens", a.ID, "app.open", 200}, {"b's taps", b.ID, "app.tap", 50},
			{"d's taps", d.ID, "app.tap", 0}, {"c's logins", c.ID, "auth.login", 10}} {
			if n := userEvents(t, db, x.user, x.typ); n != x.want {
				t.Errorf("%s: %d, want %d", x.name, n, x.want)
			}
		}
		// The current period and the next ones exist after a pass.
		if pg && !exists(t, db, "userdesk_events_p20261214") {
			t.Fatal("the pass did not create the partitions ahead")
		}
		// b's week is not dropped by a second pass either, and nothing
		// more is deleted.
		rep, err = e.act.PruneEvents(e.ctx, db, activity.PruneOptions{})
		if err != nil || rep.TotalDeleted() != 0 || rep.PartitionsDropped != 0 || rep.PartitionsVacuumed != 0 {
			t.Fatalf("second pass: %+v %v", rep, err)
		}
		if n := userEvents(t, db, b.ID, "app.tap"); n != 50 {
			t.Fatalf("b keeps %d", n)
		}
	})
}

// TestEraseAcrossPartitions: erasure deletes a user's events from every
// partition and from the default partition.
func TestEraseAcrossPartitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		if _, err := e.act.EnsureEventPartitions(e.ctx, db, t0.Add(-30*24*time.Hour), time.Time{}); err != nil {
			t.Fatal(err)
		}
		u, keep := e.user(t), e.user(t)
		times := []time.Time{t0, t0.Add(-10 * 24 * time.Hour), t0.Add(-25 * 24 * time.Hour), t0.Add(-300 * 24 * time.Hour)}
		for _, id := range []uuid.UUID{u.ID, keep.ID} {
			for _, at := range times {
				if _, err := e.act.RecordEvent(e.ctx, db, tap(id, at)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if isPostgres(t, db) {
			seen := map[string]bool{}
			for _, at := range times {
				seen[partitionOf(t, db, u.ID, at)] = true
			}
			if len(seen) != 4 || !seen["userdesk_events_default"] {
				t.Fatalf("events in %v", seen)
			}
		}
		if err := e.users.EraseUser(e.ctx, db, e.admin, u.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", u.ID); n != 0 {
			t.Fatalf("%d events of the erased user left", n)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", keep.ID); n != len(times) {
			t.Fatalf("the other user has %d events", n)
		}
	})
}
