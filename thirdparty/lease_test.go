package thirdparty_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
)

// TestAcquireLease: one holder at a time; a holder that stops renewing
// (killed) loses the lease when it expires, and then cannot renew it.
func TestAcquireLease(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		ttl := 30 * time.Second
		acquire := func(holder string, at time.Time) bool {
			t.Helper()
			ok, err := thirdparty.AcquireLease(ctx, db, "work", holder, at, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !acquire("a", t0) {
			t.Fatal("a could not take a free lease")
		}
		if acquire("b", t0.Add(time.Second)) {
			t.Fatal("b took a lease a holds")
		}
		if !acquire("a", t0.Add(10*time.Second)) {
			t.Fatal("a could not renew its lease")
		}
		// a renewed until t0+40s: b still waits at t0+35s.
		if acquire("b", t0.Add(35*time.Second)) {
			t.Fatal("b took a renewed lease")
		}
		// a is killed: no more renewals. At expiry b takes over.
		if !acquire("b", t0.Add(40*time.Second)) {
			t.Fatal("b could not take an expired lease")
		}
		if acquire("a", t0.Add(41*time.Second)) {
			t.Fatal("the dead holder renewed a lease taken over")
		}
		// Another name is another lease.
		ok, err := thirdparty.AcquireLease(ctx, db, "other", "a", t0.Add(41*time.Second), ttl)
		if err != nil || !ok {
			t.Fatalf("other lease: %v %v", ok, err)
		}
		// A release lets the next holder in at once; a release by a
		// non-holder does nothing.
		if err := thirdparty.ReleaseLease(ctx, db, "work", "a"); err != nil {
			t.Fatal(err)
		}
		if acquire("c", t0.Add(42*time.Second)) {
			t.Fatal("a's release freed b's lease")
		}
		if err := thirdparty.ReleaseLease(ctx, db, "work", "b"); err != nil {
			t.Fatal(err)
		}
		if !acquire("c", t0.Add(42*time.Second)) {
			t.Fatal("c could not take a released lease")
		}
		if _, err := thirdparty.AcquireLease(ctx, db, "", "a", t0, ttl); err == nil {
			t.Fatal("a lease without a name was accepted")
		}
	})
}

// TestRunExclusive: of two replicas running the same work, one runs it;
// when it dies without releasing (its lease left to expire), the other
// takes over; a clean stop hands over at once.
func TestRunExclusive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		// Renewals come every ttl/3: under -race on a loaded machine a
		// SQLite renewal can wait a few hundred ms for the writer lock,
		// so a shorter ttl lets a live holder's lease lapse (a flake seen
		// at 300 ms).
		const ttl = 1500 * time.Millisecond
		var running atomic.Int32
		var mu sync.Mutex
		ran := map[string]int{}
		var overlap atomic.Bool
		work := func(name string) func(context.Context) error {
			return func(ctx context.Context) error {
				if running.Add(1) > 1 {
					overlap.Store(true)
				}
				mu.Lock()
				ran[name]++
				mu.Unlock()
				<-ctx.Done()
				running.Add(-1)
				return nil
			}
		}
		runs := func(name string) int { mu.Lock(); defer mu.Unlock(); return ran[name] }
		waitFor := func(what string, cond func() bool) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s", what)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}

		// A dead holder: it took the lease and never renews it.
		if ok, err := thirdparty.AcquireLease(ctx, db, "bg", "dead", time.Now(), ttl); err != nil || !ok {
			t.Fatalf("dead holder: %v %v", ok, err)
		}
		ctxA, stopA := context.WithCancel(ctx)
		ctxB, stopB := context.WithCancel(ctx)
		defer stopB()
		doneA, doneB := make(chan error, 1), make(chan error, 1)
		go func() {
			doneA <- thirdparty.RunExclusive(ctxA, db, thirdparty.LeaseConfig{Name: "bg", Holder: "a", TTL: ttl}, work("a"))
		}()
		// A waits for the dead holder's lease to expire, then runs.
		waitFor("a to take over from the dead holder", func() bool { return runs("a") == 1 })
		go func() {
			doneB <- thirdparty.RunExclusive(ctxB, db, thirdparty.LeaseConfig{Name: "bg", Holder: "b", TTL: ttl}, work("b"))
		}()
		// B waits while A renews (several TTLs).
		time.Sleep(3 * ttl)
		if runs("b") != 0 || runs("a") != 1 {
			t.Fatalf("both ran, or a restarted: %v", ran)
		}
		// A stops cleanly: B takes over.
		stopA()
		if err := <-doneA; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunExclusive returned %v", err)
		}
		waitFor("b to take over", func() bool { return runs("b") == 1 })
		// B's lease is stolen after expiry by a replica whose clock runs
		// ahead (what a takeover looks like to B): B stops its work.
		if ok, err := thirdparty.AcquireLease(ctx, db, "bg", "thief", time.Now().Add(time.Hour), ttl); err != nil || !ok {
			t.Fatalf("takeover: %v %v", ok, err)
		}
		waitFor("b to stop its work", func() bool { return running.Load() == 0 })
		stopB()
		if err := <-doneB; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunExclusive returned %v", err)
		}
		if overlap.Load() {
			t.Fatal("the work ran on two replicas at once")
		}
	})
}
