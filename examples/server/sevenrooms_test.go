package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// newDemoApp builds the app in demo mode: SevenRooms is the in-process
// fake.
func newDemoApp(t *testing.T, db *bun.DB) *app {
	t.Helper()
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	cfg := config{demo: true, sessionTTL: time.Hour, impersonationTTL: 15 * time.Minute, audience: "http://front.test", bankKey: key(), signingKey: key()}
	a, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	return a
}

// TestSevenRoomsDemo: demo mode starts the fake and tells the demo story
// (linked, reconnectable, red, ambiguous, unlinked); a restart, with a
// fresh fake, keeps the links valid.
func TestSevenRoomsDemo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		a := newDemoApp(t, db)
		if a.fake == nil || a.sevenrooms == nil {
			t.Fatal("demo mode has no SevenRooms")
		}
		var ids []uuid.UUID
		for i := range demoSevenRoomsUsers {
			u := usermgmttest.User(t, a.users, db, func(r *usermgmt.Registration) {
				r.Email, r.Phone = strings.Replace(r.Email, "@", "."+string(rune('a'+i))+"@", 1), "+3361234567"+string(rune('0'+i))
			})
			ids = append(ids, u.ID)
		}
		op := usermgmttest.Operator(t, a.users, db, usermgmt.RoleSupport)
		if err := a.seedSevenRoomsDemo(ctx); err != nil {
			t.Fatal(err)
		}
		want := []thirdparty.Status{thirdparty.StatusLinked, thirdparty.StatusLinked, thirdparty.StatusBroken, thirdparty.StatusAmbiguous}
		for i, st := range want {
			l, err := thirdparty.FindLink(ctx, db, ids[i], sevenrooms.Provider)
			if err != nil || l.Status != st {
				t.Fatalf("user %d: %+v %v, want %s", i, l, err, st)
			}
		}
		if _, err := thirdparty.FindLink(ctx, db, ids[4], sevenrooms.Provider); err == nil {
			t.Fatal("the fifth user is linked")
		}
		if c, err := a.sevenrooms.SearchCandidates(ctx, db, op.ID, ids[1], sevenrooms.ProfileSearch{}); err != nil || len(c) != 2 {
			t.Fatalf("the second user's candidates: %v %v", c, err)
		}
		// A restart: a new fake, the same database.
		b := newDemoApp(t, db)
		if err := b.seedSevenRoomsDemo(ctx); err != nil {
			t.Fatal(err)
		}
		for i, st := range []thirdparty.Status{thirdparty.StatusLinked, thirdparty.StatusLinked, thirdparty.StatusBroken} {
			l, err := b.sevenrooms.CheckLink(ctx, db, op.ID, ids[i])
			if err != nil || l.Status != st {
				t.Fatalf("after a restart, user %d: %+v %v, want %s", i, l, err, st)
			}
		}
		if l, _ := thirdparty.FindLink(ctx, db, ids[2], sevenrooms.Provider); l.Reason != thirdparty.ReasonDeleted {
			t.Fatalf("red link reason %q", l.Reason)
		}
		if url := b.sevenrooms.LinkURL(mustLink(t, db, ids[0])); !strings.HasPrefix(url, "https://demo.sevenrooms.com/manager/demo-venue/clients/profile/") {
			t.Fatalf("manager link %q", url)
		}
	})
}

func mustLink(t *testing.T, db bun.IDB, id uuid.UUID) *thirdparty.Link {
	t.Helper()
	l, err := thirdparty.FindLink(context.Background(), db, id, sevenrooms.Provider)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestSevenRoomsBackgroundOneReplica: two replicas' background loops on
// one database: one holds the lease, the other waits.
func TestSevenRoomsBackgroundOneReplica(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		a, b := newDemoApp(t, db), newDemoApp(t, db)
		done := make(chan struct{}, 2)
		go func() { a.runBackground(ctx); done <- struct{}{} }()
		go func() { b.runBackground(ctx); done <- struct{}{} }()
		deadline := time.Now().Add(10 * time.Second)
		var holders int
		for time.Now().Before(deadline) {
			if err := db.NewSelect().Table("userdesk_thirdparty_leases").Where("name = ?", sevenRoomsLease).Where("expires_at > ?", time.Now().UTC()).ColumnExpr("count(*)").Scan(ctx, &holders); err != nil {
				t.Fatal(err)
			}
			if holders == 1 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if holders != 1 {
			t.Fatalf("%d lease holders", holders)
		}
		cancel()
		<-done
		<-done
	})
}

func TestParseSevenRoomsConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"USERDESK_SEVENROOMS_URL": "https://demo.sevenrooms.com/api-ext/2_4", "USERDESK_SEVENROOMS_CLIENT_ID": "id"}
	getenv := func(k string) string { return env[k] }
	if _, err := parseConfig(nil, getenv, io.Discard); err == nil {
		t.Fatal("a SevenRooms URL without secret and venue group was accepted")
	}
	env["USERDESK_SEVENROOMS_CLIENT_SECRET"], env["USERDESK_SEVENROOMS_VENUE_GROUP"] = "secret", "group"
	c, err := parseConfig([]string{"-sevenrooms-environment", "demo"}, getenv, io.Discard)
	if err != nil || c.sevenrooms.clientSecret != "secret" || c.sevenrooms.environment != "demo" || c.sevenrooms.venueGroup != "group" {
		t.Fatalf("%+v %v", c.sevenrooms, err)
	}
	if _, err := parseConfig([]string{"-sevenrooms-environment", "staging"}, getenv, io.Discard); err == nil {
		t.Fatal("an unknown environment was accepted")
	}
}
