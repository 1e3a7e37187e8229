package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
)

// logBuffer keeps what an app logs, for counting its maintenance passes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) passes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), `msg="maintenance pass done"`)
}

// maintenanceReplica is one server replica's app on db, with a fast
// maintenance period and a short lease, logging into a buffer.
func maintenanceReplica(t *testing.T, db *bun.DB) (*app, *logBuffer) {
	t.Helper()
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	cfg := config{sessionTTL: time.Hour, impersonationTTL: 15 * time.Minute, audience: "http://front.test", bankKey: key(), signingKey: key()}
	logs := &logBuffer{}
	a, err := newApp(db, slog.New(slog.NewTextHandler(logs, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.maintenanceEvery, a.maintenanceLeaseTTL = 50*time.Millisecond, 600*time.Millisecond
	return a, logs
}

// running is a replica's runBackground in a goroutine.
type running struct {
	stop context.CancelFunc
	done chan struct{}
}

func start(a *app) *running {
	ctx, stop := context.WithCancel(context.Background())
	r := &running{stop: stop, done: make(chan struct{})}
	go func() { defer close(r.done); a.runBackground(ctx) }()
	return r
}

func (r *running) halt() { r.stop(); <-r.done }

// waitPasses waits until logs counts at least n maintenance passes.
func waitPasses(t *testing.T, logs *logBuffer, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for logs.passes() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d maintenance passes after 20 s, want %d", logs.passes(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMaintenanceOnOneReplica: two replicas run runBackground on one
// database; the maintenance passes all come from one of them; when it
// stops, the other takes over; and a holder that died without releasing
// the lease holds the work back only until its lease expires.
func TestMaintenanceOnOneReplica(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		a, aLogs := maintenanceReplica(t, db)
		b, bLogs := maintenanceReplica(t, db)
		ra, rb := start(a), start(b)
		defer func() { ra.halt(); rb.halt() }()

		// Wait for five passes on whichever replica holds the lease.
		deadline := time.Now().Add(20 * time.Second)
		for aLogs.passes()+bLogs.passes() < 5 {
			if time.Now().After(deadline) {
				t.Fatalf("passes: a %d, b %d after 20 s", aLogs.passes(), bLogs.passes())
			}
			time.Sleep(10 * time.Millisecond)
		}
		holder, holderLogs, other, otherLogs := ra, aLogs, rb, bLogs
		if bLogs.passes() > 0 {
			holder, holderLogs, other, otherLogs = rb, bLogs, ra, aLogs
		}
		// Several lease renewals (every 200 ms) later, still one replica.
		time.Sleep(time.Second)
		if aLogs.passes() > 0 && bLogs.passes() > 0 {
			t.Fatalf("both replicas ran the maintenance: a %d passes, b %d", aLogs.passes(), bLogs.passes())
		}
		if otherLogs.passes() != 0 || holderLogs.passes() < 10 {
			t.Fatalf("holder %d passes, other %d", holderLogs.passes(), otherLogs.passes())
		}

		// The holder stops (releasing the lease): the other takes over,
		// and the stopped one runs no more.
		holder.halt()
		stopped := holderLogs.passes()
		waitPasses(t, otherLogs, 3)
		if holderLogs.passes() != stopped {
			t.Fatalf("the stopped replica ran %d more passes", holderLogs.passes()-stopped)
		}

		// A holder that died: its lease row stays until it expires. A
		// replica that starts meanwhile waits, then takes over.
		other.halt()
		ctx := context.Background()
		expires := time.Now().Add(1500 * time.Millisecond)
		if held, err := thirdparty.AcquireLease(ctx, db, maintenanceLease, "dead-replica", expires.Add(-a.maintenanceLeaseTTL), a.maintenanceLeaseTTL); err != nil || !held {
			t.Fatalf("the dead replica's lease: %v %v", held, err)
		}
		c, cLogs := maintenanceReplica(t, db)
		rc := start(c)
		defer rc.halt()
		time.Sleep(time.Until(expires) - 300*time.Millisecond)
		if n := cLogs.passes(); n != 0 {
			t.Fatalf("%d passes while the dead replica's lease was live", n)
		}
		waitPasses(t, cLogs, 1)
		if time.Now().Before(expires) {
			t.Fatal("the lease was taken before it expired")
		}
	})
}
