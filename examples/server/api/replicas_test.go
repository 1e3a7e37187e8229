package api

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/userdesk/userdesk/internal/pgcluster"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestReadReplicasThroughTheServer: with a streaming replica held behind
// (replay paused), the operator who changed a user sees the change in the
// users list at once (read-your-writes: the primary serves them), while
// another operator's list comes from the replica, at most MaxLag stale,
// and from the primary once the replica is past MaxLag.
func TestReadReplicasThroughTheServer(t *testing.T) {
	t.Parallel()
	primary := pgcluster.StartPrimary(t)
	ctx := context.Background()
	boot, err := sqldb.OpenPostgres(ctx, primary.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrations.Up(ctx, boot); err != nil {
		t.Fatal(err)
	}
	_ = boot.Close()
	replica := primary.StartReplica(t)
	db, rs, err := sqldb.OpenPostgresWithReplicas(ctx, primary.DSN("postgres"), sqldb.ReplicaConfig{
		DSNs: []string{replica.DSN("postgres")}, MaxLag: 2 * time.Second, CheckEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := newE2EWith(t, db, func(c *Config) { c.Replicas = rs })
	admin, support := e.operator(usermgmt.RoleAdmin), e.operator(usermgmt.RoleSupport)
	uid := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
	statusIn := func(c *client) string {
		t.Helper()
		items := c.json("GET", "/admin/v1/users?q=Lovelace", nil, 200)["items"].([]any)
		if len(items) != 1 {
			return fmt.Sprintf("absent (%d items: %v)", len(items), items)
		}
		return items[0].(map[string]any)["status"].(string)
	}
	deadline := time.Now().Add(30 * time.Second)
	for statusIn(support) != "live" || !rs.Status()[0].Healthy {
		if time.Now().After(deadline) {
			t.Fatalf("the replica never caught up: %+v", rs.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
	direct, err := sql.Open("pgx", replica.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	before := rs.Status()[0].Served
	admin.json("PUT", "/admin/v1/users/"+uid+"/status", map[string]any{"version": e.version(uid), "status": "in_review", "reason": "replica test"}, 200)
	if got := statusIn(admin); got != "in_review" {
		t.Fatalf("the writer's own list shows %s: not read-your-writes", got)
	}
	if got := statusIn(support); got != "live" || rs.Status()[0].Served <= before {
		t.Fatalf("the other operator's list: %s (replica served %d): it should come from the paused replica", got, rs.Status()[0].Served-before)
	}
	// The primary keeps writing (sessions, audit); past MaxLag the
	// replica is skipped and everyone reads the primary.
	deadline = time.Now().Add(30 * time.Second)
	for i := 0; statusIn(support) != "in_review"; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("the lagging replica is still used: %+v; support sees %s, admin %s", rs.Status(), statusIn(support), statusIn(admin))
		}
		e.register("Filler", "User", fmt.Sprintf("filler%d@example.com", i), "", "asker") // a write: the primary's WAL moves
		time.Sleep(200 * time.Millisecond)
	}
	if st := rs.Status()[0]; st.Healthy {
		t.Fatalf("replica %+v should be skipped", st)
	}
	_, _ = direct.Exec("SELECT pg_wal_replay_resume()")
}
