package api

import (
	"context"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestThreeReplicasBehindABalancer runs three API instances (each with
// its own services, SevenRooms client and memory, sharing the keys and
// the database, as three server processes would) behind a round-robin
// reverse proxy: a session opened through the balancer works on every
// replica and a logout on one ends it on all; an impersonation revoked
// on one is refused by all; failed logins spread over the replicas count
// together in the throttle; the SevenRooms token cache is per replica
// (documented in doc.go): one authentication per replica, not per call.
func TestThreeReplicasBehindABalancer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		keys := newTestKeys()
		fake := sevenroomstest.New(t, sevenroomstest.Config{})
		clock := newClock(time.Now()) // the throttle's clock: its delays do not run out during the test
		var apis []*API
		var direct []*client
		var backends []*url.URL
		for range 3 {
			a := newTestAppKeyed(t, db, keys, withSevenRooms(t, fake), func(c *Config) { c.Now = clock.Now })
			ts := httptest.NewServer(a.Handler())
			t.Cleanup(ts.Close)
			u, _ := url.Parse(ts.URL)
			apis, backends = append(apis, a), append(backends, u)
			direct = append(direct, &client{t: t, base: ts.URL})
		}
		var next atomic.Uint64
		lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backends[next.Add(1)%3])
			r.SetXForwarded()
		}})
		t.Cleanup(lb.Close)
		anon := &client{t: t, base: lb.URL}
		e := &e2e{t: t, db: db, app: apis[0], anon: anon}

		login := func(role usermgmt.OperatorRole) string {
			t.Helper()
			email, password := string(role)+"@ops.test", "operator password "+string(role)
			if _, err := apis[1].users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: string(role), Email: email, Password: password, Roles: []usermgmt.OperatorRole{role}}); err != nil {
				t.Fatal(err)
			}
			return anon.json("POST", "/admin/v1/login", map[string]string{"email": email, "password": password}, 200)["token"].(string)
		}
		adminToken, supportToken := login(usermgmt.RoleAdmin), login(usermgmt.RoleSupport)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "+33612345678", "asker")

		everyReplica := func(token, path string, want int) {
			t.Helper()
			for i, c := range direct {
				if st, _, raw := c.as(token).do("GET", path, nil); st != want {
					t.Fatalf("replica %d: GET %s: %d, want %d: %s", i+1, path, st, want, raw)
				}
			}
		}

		// Sessions: opened through the balancer, accepted everywhere;
		// closed on one replica, refused everywhere.
		everyReplica(supportToken, "/admin/v1/users/"+ada, 200)
		extra := anon.json("POST", "/admin/v1/login", map[string]string{"email": "support@ops.test", "password": "operator password support"}, 200)["token"].(string)
		everyReplica(extra, "/admin/v1/users/"+ada, 200)
		if st, _, raw := direct[2].as(extra).do("POST", "/admin/v1/logout", nil); st/100 != 2 {
			t.Fatalf("logout on replica 3: %d %s", st, raw)
		}
		everyReplica(extra, "/admin/v1/users/"+ada, 401)
		everyReplica(supportToken, "/admin/v1/users/"+ada, 200) // the other session lives on

		// Impersonation: issued through the balancer, honoured everywhere;
		// revoked on one replica, refused everywhere.
		out := anon.as(supportToken).json("POST", "/admin/v1/users/"+ada+"/impersonations", map[string]string{"reason": "ticket 19", "scope": "read_only"}, 201)
		impToken, impID := out["token"].(string), out["id"].(string)
		everyReplica(impToken, "/v1/me", 200)
		if st, _, raw := direct[1].as(adminToken).do("DELETE", "/admin/v1/impersonations/"+impID, nil); st != 204 {
			t.Fatalf("revoke on replica 2: %d %s", st, raw)
		}
		everyReplica(impToken, "/v1/me", 401)

		// The throttle: ThrottleFreeFailures+1 wrong guesses through the
		// balancer land two on each replica; the count is shared, so every
		// replica now holds the address back, even with the right password
		// (per-replica counts of 2 would let it through).
		const addr = "203.0.113.9"
		for i := range ThrottleFreeFailures + 1 {
			if st, _ := loginFrom(t, lb.URL, "/admin/v1/login", addr, "admin@ops.test", "wrong guess"); st != 401 {
				t.Fatalf("guess %d: %d, want 401", i+1, st)
			}
		}
		for i, c := range direct {
			if st, wait := loginFrom(t, c.base, "/admin/v1/login", addr, "admin@ops.test", "operator password admin"); st != 429 || wait <= 0 {
				t.Fatalf("replica %d after the spread guesses: %d (Retry-After %d), want 429", i+1, st, wait)
			}
		}

		// The SevenRooms token cache is per replica: however many calls,
		// each replica authenticates once (registration's auto-link took
		// one replica's), and after the provider expires the tokens each
		// replica authenticates once more.
		cands := "/admin/v1/users/" + ada + "/sevenrooms/candidates"
		for range 3 {
			everyReplica(supportToken, cands, 200)
		}
		for range 6 {
			anon.as(supportToken).json("GET", cands, nil, 200)
		}
		if n := fake.Auths(); n != 3 {
			t.Fatalf("%d SevenRooms authentications, want 3 (one per replica)", n)
		}
		fake.ExpireTokens()
		for range 2 {
			everyReplica(supportToken, cands, 200)
		}
		if n := fake.Auths(); n != 6 {
			t.Fatalf("%d SevenRooms authentications after the tokens expired, want 6", n)
		}
	})
}
