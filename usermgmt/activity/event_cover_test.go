package activity_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// timelineIDs is the user's events card as event ids, newest first.
func timelineIDs(tb testing.TB, e *env, userID uuid.UUID) []uuid.UUID {
	tb.Helper()
	tl, err := e.act.UserTimeline(e.ctx, e.db, e.support, userID, activity.EventFilter{NoOperatorActions: true})
	if err != nil {
		tb.Fatal(err)
	}
	ids := make([]uuid.UUID, 0, len(tl.Entries))
	for _, en := range tl.Entries {
		if en.Event.Attributes["screen"] != "home" {
			tb.Fatalf("event %s read back with attributes %v", en.Event.ID, en.Event.Attributes)
		}
		ids = append(ids, en.Event.ID)
	}
	return ids
}

// cardPlan is PostgreSQL's plan of the events card's statement for the
// user, run (EXPLAIN ANALYZE) with sequential and bitmap scans off, as
// at a size where the tables are too large for them.
func cardPlan(tb testing.TB, db *bun.DB, userID uuid.UUID) string {
	tb.Helper()
	ctx := tb.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	for _, set := range []string{"SET enable_seqscan = off", "SET enable_bitmapscan = off"} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			tb.Fatal(err)
		}
	}
	var lines []string
	if err := conn.NewRaw("EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM userdesk_events WHERE user_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 201", userID).Scan(ctx, &lines); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "RESET ALL"); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestCoverEventPartitions: closed partitions (their period ended more
// than CoverAfter ago) get a covering index, read by an index-only scan
// without a heap fetch, the current one does not; the card reads the same
// events before and after, late events included; a second call covers
// nothing, an invalid index is rebuilt, concurrent calls cover each
// partition once, and PruneEvents covers at the end of its pass unless
// told not to. On SQLite nothing happens.
func TestCoverEventPartitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		if !isPostgres(t, db) {
			if got, err := e.act.CoverEventPartitions(e.ctx, db); err != nil || got != nil {
				t.Fatalf("sqlite: %v %v", got, err)
			}
			return
		}
		// t0 is Tuesday 2026-12-01 12:00; weeks start on Mondays.
		if _, err := e.act.EnsureEventPartitions(e.ctx, db, t0.Add(-21*24*time.Hour), time.Time{}); err != nil {
			t.Fatal(err)
		}
		u, other := e.user(t), e.user(t)
		var batch []activity.NewEvent
		for d := 20; d >= 0; d-- {
			for k := range 3 {
				at := t0.Add(-time.Duration(d)*24*time.Hour - time.Duration(k)*time.Minute)
				batch = append(batch, tap(u.ID, at), tap(other.ID, at))
			}
		}
		if _, err := e.act.RecordEvents(e.ctx, db, batch); err != nil {
			t.Fatal(err)
		}
		before := timelineIDs(t, e, u.ID)
		if len(before) != 63 {
			t.Fatalf("%d events before", len(before))
		}
		// The prune pass told to skip covers nothing.
		rep, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{SkipCover: true})
		if err != nil || rep.PartitionsCovered != nil {
			t.Fatalf("SkipCover: %v %v", rep.PartitionsCovered, err)
		}
		closed := []string{"userdesk_events_p20261109", "userdesk_events_p20261116", "userdesk_events_p20261123"}
		// Two concurrent calls: each closed partition covered once.
		var wg sync.WaitGroup
		got := make([][]string, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { got[i], errs[i] = e.act.CoverEventPartitions(e.ctx, db) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		all := append(append([]string(nil), got[0]...), got[1]...)
		slices.Sort(all)
		if !slices.Equal(all, closed) {
			t.Fatalf("covered %v, want %v", got, closed)
		}
		for _, p := range closed {
			if n := count(t, db, "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass(?) AND indisvalid", p+"_cover"); n != 1 {
				t.Fatalf("%s: no valid covering index", p)
			}
		}
		if exists(t, db, "userdesk_events_p20261130_cover") {
			t.Fatal("the current partition was covered")
		}
		plan := cardPlan(t, db, u.ID)
		for _, p := range closed {
			if !strings.Contains(plan, "Index Only Scan using "+p+"_cover") {
				t.Fatalf("%s not read from its covering index:\n%s", p, plan)
			}
		}
		// Read from the index alone once the pages are all-visible. The
		// cover's VACUUM marks them, but a VACUUM leaves a page unmarked
		// when it cannot take the page's cleanup lock at once or a
		// snapshot elsewhere still needs its rows (CI, many test databases
		// on one busy server, saw one such page); so a page left is
		// vacuumed again, a few times, and then none may be left.
		heapFetches := func(plan string) bool {
			for _, line := range strings.Split(plan, "\n") {
				if strings.Contains(line, "Heap Fetches:") && strings.TrimSpace(line) != "Heap Fetches: 0" {
					return true
				}
			}
			return false
		}
		for try := 0; heapFetches(plan); try++ {
			if try == 5 {
				t.Fatalf("heap fetches from a vacuumed covered partition:\n%s", plan)
			}
			t.Logf("heap fetches after the cover's VACUUM (try %d), vacuuming again", try)
			for _, p := range closed {
				if _, err := db.ExecContext(e.ctx, "VACUUM "+p); err != nil {
					t.Fatal(err)
				}
			}
			plan = cardPlan(t, db, u.ID)
		}
		if after := timelineIDs(t, e, u.ID); !slices.Equal(after, before) {
			t.Fatalf("the card changed with the covering indexes:\n%v\n%v", before, after)
		}
		// A late event of a covered week is read (from the table: its page
		// is not all-visible yet).
		late := t0.Add(-15*24*time.Hour + 30*time.Second)
		if _, err := e.act.RecordEvents(e.ctx, db, []activity.NewEvent{tap(u.ID, late)}); err != nil {
			t.Fatal(err)
		}
		ids := timelineIDs(t, e, u.ID)
		if len(ids) != 64 || count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ? AND occurred_at = ?", u.ID, late) != 1 {
			t.Fatalf("the late event: %d on the card", len(ids))
		}
		if got, err := e.act.CoverEventPartitions(e.ctx, db); err != nil || len(got) != 0 {
			t.Fatalf("second call: %v %v", got, err)
		}
		// An invalid index (a build interrupted) is dropped and rebuilt.
		if _, err := db.ExecContext(e.ctx, "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'userdesk_events_p20261116_cover'::regclass"); err != nil {
			t.Fatal(err)
		}
		if got, err := e.act.CoverEventPartitions(e.ctx, db); err != nil || !slices.Equal(got, []string{"userdesk_events_p20261116"}) {
			t.Fatalf("rebuild: %v %v", got, err)
		}
		if n := count(t, db, "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('userdesk_events_p20261116_cover') AND indisvalid"); n != 1 {
			t.Fatal("not rebuilt valid")
		}
		// A week later the current partition is closed, and the pass
		// covers it.
		e.clock.Advance(7 * 24 * time.Hour)
		rep, err = e.act.PruneEvents(e.ctx, db, activity.PruneOptions{})
		if err != nil || !slices.Equal(rep.PartitionsCovered, []string{"userdesk_events_p20261130"}) || !rep.Complete {
			t.Fatalf("prune: %v %v", rep.PartitionsCovered, err)
		}
	})
}

// TestAttributesSize: an event whose attributes encode to more than
// MaxAttributesBytes is refused, naming the field, and nothing of its
// batch is written.
func TestAttributesSize(t *testing.T) {
	t.Parallel()
	attrs := map[string]activity.AttrKind{}
	for i := range activity.MaxAttributes {
		attrs[fmt.Sprintf("a%02d", i)] = activity.AttrString
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db, func(c *activity.Config) {
			c.EventTypes = []activity.EventType{{Name: "host.wide", Attributes: attrs}}
		})
		u := e.user(t)
		wide := activity.NewEvent{UserID: u.ID, Type: "host.wide", Channel: activity.ChannelApp, Attributes: map[string]any{}}
		for name := range attrs {
			wide.Attributes[name] = strings.Repeat("x", activity.MaxAttrStringLength)
		}
		_, err := e.act.RecordEvents(e.ctx, db, []activity.NewEvent{tap(u.ID, t0), wide})
		if !hasField(err, "events[1].attributes") {
			t.Fatalf("got %v", err)
		}
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ?", u.ID); n != 0 {
			t.Fatalf("%d events written", n)
		}
		// Just under the bound is taken.
		small := activity.NewEvent{UserID: u.ID, Type: "host.wide", Channel: activity.ChannelApp, Attributes: map[string]any{}}
		for i := range 7 {
			small.Attributes[fmt.Sprintf("a%02d", i)] = strings.Repeat("y", activity.MaxAttrStringLength)
		}
		if _, err := e.act.RecordEvents(e.ctx, db, []activity.NewEvent{small}); err != nil {
			t.Fatal(err)
		}
	})
}
