package activity_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// seed records n events of typ for the user, one minute apart, the newest
// at newest.
func seed(tb testing.TB, e *env, userID uuid.UUID, typ string, n int, newest time.Time) {
	tb.Helper()
	var batch []activity.NewEvent
	for i := 0; i < n; i++ {
		ev := activity.NewEvent{UserID: userID, Type: typ, Channel: activity.ChannelApp, OccurredAt: newest.Add(-time.Duration(i) * time.Minute)}
		batch = append(batch, ev)
	}
	for len(batch) > 0 {
		k := min(len(batch), 500)
		if _, err := e.act.RecordEvents(e.ctx, e.db, batch[:k]); err != nil {
			tb.Fatal(err)
		}
		batch = batch[k:]
	}
}

func userEvents(tb testing.TB, db bun.IDB, userID uuid.UUID, typ string) int {
	tb.Helper()
	return count(tb, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ? AND type = ?", userID, typ)
}

func TestPruneKeepsLast200(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		old := t0.Add(-100 * 24 * time.Hour) // past app.tap's 90 days, within auth.login's 400
		a, b, c, d := e.user(t), e.user(t), e.user(t), e.user(t)
		seed(t, e, a.ID, "app.tap", 250, old)   // 50 go
		seed(t, e, b.ID, "app.tap", 150, old)   // with 100 recent ones: 50 go
		seed(t, e, b.ID, "app.open", 100, t0)   //
		seed(t, e, c.ID, "auth.login", 50, old) // not expired: all stay
		seed(t, e, c.ID, "app.open", 300, t0)   //
		seed(t, e, d.ID, "app.tap", 200, old)   // exactly 200: all stay
		// Events that slipped in while their user was erased.
		gone := e.user(t)
		if err := e.users.EraseUser(e.ctx, db, e.admin, gone.ID, "asked"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&activity.Event{ID: uuid.Must(uuid.NewV7()), UserID: gone.ID, OccurredAt: t0, ReceivedAt: t0,
			Type: "app.tap", Channel: activity.ChannelApp, Attributes: map[string]any{}, ActorKind: activity.ActorUser}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}

		rep, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Complete || rep.Deleted["app.tap"] != 100 || rep.TotalDeleted() != 100 || rep.ErasedSwept != 1 {
			t.Fatalf("report: %+v", rep)
		}
		// Expired events examined: a 250 + b 150 + d 200.
		if rep.Examined != 600 {
			t.Fatalf("examined %d", rep.Examined)
		}
		if n := userEvents(t, db, a.ID, "app.tap"); n != 200 {
			t.Fatalf("a keeps %d", n)
		}
		// a keeps its newest 200: the oldest kept is 199 minutes before
		// its newest.
		if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ? AND occurred_at >= ?", a.ID, old.Add(-199*time.Minute)); n != 200 {
			t.Fatalf("a kept the wrong ones: %d of its newest 200", n)
		}
		if n := userEvents(t, db, b.ID, "app.tap"); n != 100 {
			t.Fatalf("b keeps %d old taps", n)
		}
		if n := userEvents(t, db, c.ID, "auth.login"); n != 50 {
			t.Fatalf("c keeps %d logins", n)
		}
		if n := userEvents(t, db, d.ID, "app.tap"); n != 200 {
			t.Fatalf("d keeps %d", n)
		}
		// The card shows the same 200 as before for a.
		tl, err := e.act.OwnEvents(e.ctx, db, a.ID, activity.EventFilter{})
		if err != nil || tl.Events != 200 {
			t.Fatalf("a's card: %d %v", tl.Events, err)
		}
		// A second pass finds nothing more.
		rep, err = e.act.PruneEvents(e.ctx, db, activity.PruneOptions{})
		if err != nil || rep.TotalDeleted() != 0 || rep.ErasedSwept != 0 {
			t.Fatalf("second pass: %+v %v", rep, err)
		}
		// MaxBatches stops a pass early, and says so.
		seed(t, e, d.ID, "app.tap", 30, old.Add(-24*time.Hour))
		rep, err = e.act.PruneEvents(e.ctx, db, activity.PruneOptions{BatchSize: 5, MaxBatches: 2})
		if err != nil || rep.Complete || rep.Batches != 2 || rep.TotalDeleted() != 10 {
			t.Fatalf("bounded pass: %+v %v", rep, err)
		}
	})
}

// TestPruneConcurrentIngest prunes while other goroutines record newer
// events for the same users: no ingest fails, and every user keeps at
// least its newest 200.
func TestPruneConcurrentIngest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		old := t0.Add(-100 * 24 * time.Hour)
		us := []uuid.UUID{e.user(t).ID, e.user(t).ID, e.user(t).ID}
		for _, u := range us {
			seed(t, e, u, "app.tap", 300, old)
		}
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		var wg sync.WaitGroup
		var inserted atomic.Int64
		errs := make(chan error, 4)
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil && i < 20; i++ {
					var batch []activity.NewEvent
					for _, u := range us {
						batch = append(batch, tap(u, t0.Add(-time.Duration(w*1000+i)*time.Second)))
					}
					n, err := e.act.RecordEvents(context.Background(), db, batch)
					if err != nil {
						errs <- err
						return
					}
					inserted.Add(n)
				}
			}(w)
		}
		rep, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{BatchSize: 10})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		total := count(t, db, "SELECT count(*) FROM userdesk_events")
		if int64(total) != 900+inserted.Load()-rep.TotalDeleted() {
			t.Fatalf("rows %d, inserted %d, deleted %d", total, inserted.Load(), rep.TotalDeleted())
		}
		for _, u := range us {
			if n := userEvents(t, db, u, "app.tap"); n < 200 {
				t.Fatalf("user kept %d", n)
			}
			// The newest 200 at the end are all there: every event newer
			// than the 200th newest survived.
			var cut time.Time
			if err := db.NewRaw("SELECT occurred_at FROM userdesk_events WHERE user_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET 199", u).Scan(e.ctx, &cut); err != nil {
				t.Fatal(err)
			}
			if n := count(t, db, "SELECT count(*) FROM userdesk_events WHERE user_id = ? AND occurred_at >= ?", u, cut); n < 200 {
				t.Fatalf("newest 200 incomplete: %d", n)
			}
		}
		// A final pass brings each user to exactly 200 old-or-new events
		// (all old ones beyond 200 are expired).
		if _, err := e.act.PruneEvents(e.ctx, db, activity.PruneOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if n := userEvents(t, db, u, "app.tap"); n != 200 {
				t.Fatalf("after the final pass a user keeps %d", n)
			}
		}
	})
}
