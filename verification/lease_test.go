package verification_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func TestLease(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		try := func(holder string, want bool) {
			t.Helper()
			got, err := e.v.TryLease(e.ctx, db, "job", holder, time.Minute)
			if err != nil || got != want {
				t.Fatalf("TryLease(%s) = %v, %v; want %v", holder, got, err, want)
			}
		}
		try("a", true)
		try("b", false)
		try("a", true) // renewal, until 09:01 + 30 s
		e.clock.Advance(30 * time.Second)
		try("b", false)
		try("a", true) // renewed until 09:01:30
		e.clock.Advance(59 * time.Second)
		try("b", false)
		// a dies: it stops renewing, and its lease expires.
		e.clock.Advance(time.Second)
		try("b", true)
		try("a", false)
		// Another lease name is another job.
		if ok, err := e.v.TryLease(e.ctx, db, "other", "a", time.Minute); err != nil || !ok {
			t.Fatalf("other job: %v, %v", ok, err)
		}
		// b releases: a takes over at once; releasing what one does not
		// hold changes nothing.
		if err := e.v.ReleaseLease(e.ctx, db, "job", "a"); err != nil {
			t.Fatal(err)
		}
		try("a", false)
		if err := e.v.ReleaseLease(e.ctx, db, "job", "b"); err != nil {
			t.Fatal(err)
		}
		try("a", true)

		if _, err := e.v.TryLease(e.ctx, db, "job", "", time.Minute); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("empty holder: %v", err)
		}
		if _, err := e.v.TryLease(e.ctx, db, "job", "a", 0); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("zero ttl: %v", err)
		}
	})
}

func TestLeaseRace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newEnv(t, db)
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for _, h := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := e.v.TryLease(e.ctx, db, "job", h, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins <- h
				}
			}()
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Fatalf("%d holders got one free lease", n)
		}
	})
}

// countingSender counts the emails one replica sent.
type countingSender struct {
	mu   sync.Mutex
	sent []string
}

func (c *countingSender) Send(_ context.Context, m verification.Email) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m.To)
	return nil
}

func (c *countingSender) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

// TestRunExclusiveDelivery runs two replicas' loops: a replica whose
// holder died (its lease taken, never renewed) keeps the other from
// delivering until the lease expires; then only the survivor delivers;
// when it stops it releases the lease and the next replica delivers at
// once.
func TestRunExclusiveDelivery(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		sa, sb := &countingSender{}, &countingSender{}
		a := newEnv(t, db, func(c *verification.Config) { c.Mailer = sa })
		b := newEnv(t, db, func(c *verification.Config) { c.Mailer = sb; c.Now = a.clock.Now })
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replica a's log:\n%s\nreplica b's log:\n%s", a.logs, b.logs)
			}
		})
		u := a.user()

		// A dead replica holds the lease until 09:00:30.
		if ok, err := a.v.TryLease(a.ctx, db, verification.DeliveryLease, "dead", verification.MinLeaseTTL); err != nil || !ok {
			t.Fatal(ok, err)
		}
		ctxA, stopA := context.WithCancel(a.ctx)
		ctxB, stopB := context.WithCancel(a.ctx)
		defer stopB()
		doneA, doneB := make(chan error, 1), make(chan error, 1)
		go func() { doneA <- a.v.RunExclusiveDelivery(ctxA, db, 5*time.Millisecond, "replica-a") }()
		go func() { doneB <- b.v.RunExclusiveDelivery(ctxB, db, 5*time.Millisecond, "replica-b") }()

		if err := a.v.SendEmailVerification(a.ctx, db, u.ID, client); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if sa.count()+sb.count() != 0 {
			t.Fatalf("delivered under a live lease of another holder: a %d, b %d", sa.count(), sb.count())
		}
		a.clock.Advance(verification.MinLeaseTTL) // the dead holder's lease expires
		waitFor(t, func() bool { return sa.count()+sb.count() == 1 })

		// One replica holds the lease now; the other delivers nothing.
		first, firstStop, firstDone, other := sa, stopA, doneA, sb
		if sb.count() == 1 {
			first, firstStop, firstDone, other = sb, stopB, doneB, sa
		}
		for i := 0; i < 3; i++ {
			a.clock.Advance(time.Second)
			if err := a.v.ResendEmailVerification(a.ctx, db, u.Email, verification.Client{IP: "198.51.100.9"}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, func() bool { return first.count() == 4 })
		if other.count() != 0 {
			t.Fatalf("the replica without the lease delivered %d messages", other.count())
		}

		// The holder stops: it releases the lease, the other takes over
		// without waiting for the expiry (the clock stands still).
		firstStop()
		if err := <-firstDone; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunExclusiveDelivery returned %v", err)
		}
		if err := a.v.ResendEmailVerification(a.ctx, db, u.Email, verification.Client{IP: "198.51.100.9"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return other.count() == 1 })
		stopA()
		stopB()
		if first == sa {
			<-doneB
		} else {
			<-doneA
		}
		if err := a.v.RunExclusiveDelivery(a.ctx, db, time.Millisecond, ""); !errors.Is(err, usermgmt.ErrInvalid) {
			t.Fatalf("empty holder: %v", err)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunExclusiveDeliveryRenewsByThirds: the holder renews its lease
// once a third of it has passed, not at every interval (each renewal is
// a committed write), and the lease it keeps never comes near expiring.
func TestRunExclusiveDeliveryRenewsByThirds(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db, counter := dbtest.CountQueries(db)
		// A mailer, so that every round of the loop reads the outbox.
		e := newEnv(t, db, func(c *verification.Config) { c.Mailer = &countingSender{} })
		expires := func() time.Time {
			t.Helper()
			var at time.Time
			err := db.NewRaw("SELECT expires_at FROM userdesk_job_leases WHERE name = ? AND holder = ?", verification.DeliveryLease, "replica-a").Scan(e.ctx, &at)
			if errors.Is(err, sql.ErrNoRows) {
				return time.Time{}
			}
			if err != nil {
				t.Fatal(err)
			}
			return at.UTC()
		}
		ctx, stop := context.WithCancel(e.ctx)
		done := make(chan error, 1)
		go func() { done <- e.v.RunExclusiveDelivery(ctx, db, 5*time.Millisecond, "replica-a") }()
		t0 := e.clock.Now()
		waitFor(t, func() bool { return !expires().IsZero() })
		if got, want := expires(), t0.Add(verification.MinLeaseTTL); !got.Equal(want) {
			t.Fatalf("lease taken until %v, want %v", got, want)
		}

		// Under a third of the lease: many intervals, no renewal.
		e.clock.Advance(verification.MinLeaseTTL/3 - time.Second)
		// Ten rounds of the loop at least (each reads the outbox).
		before := counter.Count()
		waitFor(t, func() bool { return counter.Since(before) >= 10 })
		if got, want := expires(), t0.Add(verification.MinLeaseTTL); !got.Equal(want) {
			t.Fatalf("renewed before a third of the lease passed: until %v, want %v", got, want)
		}
		// A third has passed: the next interval renews it.
		e.clock.Advance(time.Second)
		want := e.clock.Now().Add(verification.MinLeaseTTL)
		waitFor(t, func() bool { return expires().Equal(want) })

		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunExclusiveDelivery returned %v", err)
		}
		if !expires().IsZero() {
			t.Fatal("the lease was not released on the way out")
		}
	})
}
