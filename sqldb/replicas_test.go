package sqldb_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/pgcluster"
	"github.com/userdesk/userdesk/sqldb"
)

// syncBuffer is a log destination safe for the checker's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestReplicas runs a primary and a streaming replica (real PostgreSQL
// servers on loopback sockets) and checks the routing rule of
// sqldb.Replicas: marked reads go to the replica, everything else to the
// primary; an actor who just wrote reads from the primary; a replica held
// deliberately behind (replay paused) is skipped once past MaxLag and
// used again when it catches up; a stopped replica is skipped at once,
// without a failed read.
func TestReplicas(t *testing.T) {
	t.Parallel()
	primary := pgcluster.StartPrimary(t)
	replica := primary.StartReplica(t)
	ctx := context.Background()
	var logs syncBuffer
	const maxLag, every = 1500 * time.Millisecond, 100 * time.Millisecond
	db, rs, err := sqldb.OpenPostgresWithReplicas(ctx, primary.DSN("postgres"), sqldb.ReplicaConfig{
		DSNs: []string{replica.DSN("postgres")}, MaxLag: maxLag, CheckEvery: every,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	direct, err := sql.Open("pgx", replica.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()

	if _, err := db.ExecContext(ctx, "CREATE TABLE items (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	insert := func(id int) {
		t.Helper()
		if _, err := db.NewInsert().Model(&map[string]any{"id": id}).TableExpr("items").Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func(ctx context.Context) int {
		t.Helper()
		n, err := db.NewSelect().TableExpr("items").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	ids := func(ctx context.Context) []int {
		t.Helper()
		var out []int
		if err := db.NewSelect().TableExpr("items").Column("id").Order("id").Scan(ctx, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	served := func() int64 { return rs.Status()[0].Served }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; replicas %+v", what, rs.Status())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	insert(1)
	waitFor("the replica to replay the first row", func() bool {
		var n int
		return direct.QueryRow("SELECT count(*) FROM items").Scan(&n) == nil && n == 1
	})
	waitFor("the replica to be healthy", func() bool { return rs.Status()[0].Healthy })

	bob := sqldb.WithActor(sqldb.ReplicaSafe(ctx), "bob")
	ada := sqldb.WithActor(sqldb.ReplicaSafe(ctx), "ada")
	before := served()
	if n := count(ctx); n != 1 || served() != before {
		t.Fatalf("an unmarked read: %d rows, served by the replica %d times", n, served()-before)
	}
	if n := count(bob); n != 1 || served() != before+1 {
		t.Fatalf("a marked count: %d rows, served by the replica %d times", n, served()-before)
	}
	if got := ids(bob); len(got) != 1 || served() != before+2 {
		t.Fatalf("a marked scan: %v, served by the replica %d times", got, served()-before)
	}
	if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewSelect().TableExpr("items").Count(sqldb.ReplicaSafe(ctx))
		return err
	}); err != nil || served() != before+2 {
		t.Fatalf("a read in a transaction went to the replica (%v)", err)
	}

	// The replica falls behind on purpose.
	if _, err := direct.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	insert(2)
	rs.NoteWrite("ada")
	if n := count(ada); n != 2 {
		t.Fatalf("ada just wrote, and reads %d rows: not her write", n)
	}
	if n := count(bob); n != 1 {
		t.Fatalf("bob reads %d rows from a replica paused before the write", n)
	}
	// Past MaxLag (and with the primary writing), the replica is skipped.
	for i := 3; !strings.Contains(rs.Status()[0].Reason, "lagging"); i++ {
		insert(i)
		time.Sleep(every)
		if i > 200 {
			t.Fatalf("the paused replica is still used: %+v", rs.Status())
		}
	}
	total := count(ctx)
	if n := count(bob); n != total {
		t.Fatalf("a lagging replica served bob: %d rows of %d", n, total)
	}
	if !strings.Contains(logs.String(), "replica skipped") {
		t.Fatalf("no log line says the replica is skipped: %s", logs.String())
	}
	if _, err := direct.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	waitFor("the replica to catch up", func() bool { return rs.Status()[0].Healthy })
	before = served()
	if n := count(bob); n != total || served() != before+1 {
		t.Fatalf("caught up: bob reads %d of %d rows, replica served %d", n, total, served()-before)
	}
	if !strings.Contains(logs.String(), "replica used again") {
		t.Fatalf("no log line says the replica is used again: %s", logs.String())
	}

	// The replica stops: the next marked reads fall back to the primary,
	// none fails.
	replica.Stop()
	for range 3 {
		if got := ids(bob); len(got) != total {
			t.Fatalf("with the replica down: %d rows of %d", len(got), total)
		}
		if n := count(bob); n != total {
			t.Fatalf("with the replica down: count %d of %d", n, total)
		}
	}
	if st := rs.Status()[0]; st.Healthy || !strings.Contains(st.Reason, "down") {
		t.Fatalf("stopped replica: %+v", st)
	}
}
