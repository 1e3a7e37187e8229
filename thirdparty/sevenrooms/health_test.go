package sevenrooms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestCheckLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		cases := []struct {
			name   string
			setup  func(id string)
			status thirdparty.Status
			reason thirdparty.Reason
		}{
			{"healthy", func(string) {}, thirdparty.StatusLinked, thirdparty.ReasonNone},
			{"deleted", func(id string) { w.fake.DeleteProfile(id) }, thirdparty.StatusBroken, thirdparty.ReasonDeleted},
			{"merged elsewhere", func(id string) {
				w.fake.EditProfile(id, func(p *sevenrooms.Profile) { p.ExternalUserID = "another-app-user" })
			}, thirdparty.StatusBroken, thirdparty.ReasonMergedElsewhere},
			{"unauthorized", func(string) {
				w.fake.Inject(sevenroomstest.Fault{Path: "clients/", Status: http.StatusForbidden})
			}, thirdparty.StatusBroken, thirdparty.ReasonUnauthorized},
			{"unreachable", func(string) {
				w.fake.Inject(sevenroomstest.Fault{Path: "clients/", Status: http.StatusBadGateway, Times: 2})
			}, thirdparty.StatusBroken, thirdparty.ReasonUnreachable},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				u := w.user(t, false)
				id := w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "Camille"})
				c.setup(id)
				l, err := w.svc.CheckLink(ctx, db, w.support.ID, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if l.Status != c.status || l.Reason != c.reason || l.LastCheckedAt == nil {
					t.Fatalf("link %+v", l)
				}
			})
		}
		t.Run("not found and wrong environment", func(t *testing.T) {
			for _, c := range []struct {
				id     string
				reason thirdparty.Reason
			}{
				{w.fake.NewID(), thirdparty.ReasonNotFound},
				{sevenroomstest.ClientID("s~sevenrooms-secure-demo", "group-1", 77), thirdparty.ReasonWrongEnvironment},
				{sevenrooms.Key{App: "s~sevenrooms-secure", Path: []sevenrooms.KeyElement{{Kind: "nightloop_Venue", ID: 1}}}.Encode(), thirdparty.ReasonWrongKind},
			} {
				u := w.user(t, false)
				if _, err := w.links.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: sevenrooms.Provider, ExternalID: c.id, Environment: "production", Status: thirdparty.StatusLinked}); err != nil {
					t.Fatal(err)
				}
				n := len(w.fake.Requests())
				l, err := w.svc.CheckLink(ctx, db, w.support.ID, u.ID)
				if err != nil || l.Status != thirdparty.StatusBroken || l.Reason != c.reason {
					t.Fatalf("%s: %+v, %v", c.reason, l, err)
				}
				if c.reason != thirdparty.ReasonNotFound && len(w.fake.Requests()) != n {
					t.Fatalf("%s: SevenRooms was called for an id decoded as wrong", c.reason)
				}
			}
		})
		t.Run("no link", func(t *testing.T) {
			u := w.user(t, false)
			if _, err := w.svc.CheckLink(ctx, db, w.support.ID, u.ID); !errors.Is(err, thirdparty.ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

func TestCheckDue(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db, func(c *sevenrooms.Config) { c.CheckRate = 30 })
		var ids []string
		for range 4 {
			u := w.user(t, false)
			ids = append(ids, w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "C"}))
		}
		w.fake.DeleteProfile(ids[2])
		n, err := w.svc.CheckDue(ctx, db, 3)
		if err != nil || n != 3 {
			t.Fatalf("checked %d, %v", n, err)
		}
		// 30 a minute: 2 s between two checks.
		if s := w.sleeps.Sleeps(); len(s) != 2 || s[0] != 2*time.Second || s[1] != 2*time.Second {
			t.Fatalf("sleeps %v", s)
		}
		// The next round takes the link never checked, then nothing is due.
		if n, err := w.svc.CheckDue(ctx, db, 10); err != nil || n != 1 {
			t.Fatalf("second round: %d, %v", n, err)
		}
		if n, err := w.svc.CheckDue(ctx, db, 10); err != nil || n != 0 {
			t.Fatalf("third round: %d, %v", n, err)
		}
		l, err := thirdparty.FindByExternalID(ctx, db, sevenrooms.Provider, "production", ids[2])
		if err != nil || l.Reason != thirdparty.ReasonDeleted {
			t.Fatalf("deleted link %+v, %v", l, err)
		}
		// An outage stops the round at the first link.
		w.clock.Advance(25 * time.Hour)
		w.fake.Inject(sevenroomstest.Fault{Path: "clients/", Status: 503, Times: 100})
		if n, err := w.svc.CheckDue(ctx, db, 10); err != nil || n != 1 {
			t.Fatalf("outage round: %d, %v", n, err)
		}
	})
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		w := newWorld(t, db)
		h := w.svc.WebhookHandler(db)
		u := w.user(t, false)
		id := w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "Camille"})
		send := func(secret, delivery string, at time.Time, event string, entity any) int {
			req, err := sevenroomstest.Webhook("/webhooks/sevenrooms", secret, delivery, at, "client", event, entity)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code
		}
		now := w.clock.Now()
		if code := send("wrong", "d0", now, "deleted", map[string]any{"id": id}); code != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d", code)
		}
		if code := send(webhookSecret, "d0", now.Add(-10*time.Minute), "deleted", map[string]any{"id": id}); code != http.StatusUnauthorized {
			t.Fatalf("stale timestamp: %d", code)
		}
		if l := w.link(t, u.ID); l.Status != thirdparty.StatusLinked {
			t.Fatal("an unauthentic delivery changed the link")
		}
		if code := send(webhookSecret, "d1", now, "updated", map[string]any{"id": id, "first_name": "Camille", "email": "c@example.com"}); code != http.StatusNoContent {
			t.Fatalf("updated: %d", code)
		}
		if l := w.link(t, u.ID); l.Status != thirdparty.StatusLinked || len(l.Snapshot) == 0 {
			t.Fatalf("after update %+v", l)
		}
		if code := send(webhookSecret, "d2", now, "deleted", map[string]any{"id": id}); code != http.StatusNoContent {
			t.Fatalf("deleted: %d", code)
		}
		if l := w.link(t, u.ID); l.Status != thirdparty.StatusBroken || l.Reason != thirdparty.ReasonDeleted {
			t.Fatalf("after delete %+v", l)
		}
		if code := send(webhookSecret, "d2", now, "deleted", map[string]any{"id": id}); code != http.StatusConflict {
			t.Fatalf("replay: %d", code)
		}
		if code := send(webhookSecret, "d3", now, "deleted", map[string]any{"id": "not-ours"}); code != http.StatusNoContent {
			t.Fatalf("unknown profile: %d", code)
		}
		req := httptest.NewRequest(http.MethodGet, "/webhooks/sevenrooms", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("GET: %d", rec.Code)
		}
	})
}

func TestEraseDeletesMergesAndLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		w := newWorld(t, db)
		u, _, _, m := applied(t, w)
		admin := newAdmin(t, w)
		if err := w.um.EraseUser(ctx, db, admin, u.ID, "GDPR request"); err != nil {
			t.Fatal(err)
		}
		if _, err := thirdparty.FindLink(ctx, db, u.ID, sevenrooms.Provider); !errors.Is(err, thirdparty.ErrNotFound) {
			t.Fatalf("link: %v", err)
		}
		if _, err := w.svc.GetMerge(ctx, db, w.support.ID, m.ID); !errors.Is(err, thirdparty.ErrNotFound) {
			t.Fatalf("merge: %v", err)
		}
	})
}

func newAdmin(t *testing.T, w *world) uuid.UUID {
	t.Helper()
	return usermgmttest.Operator(t, w.um, w.db, usermgmt.RoleAdmin).ID
}

func TestRunLoop(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		rounds := 0
		w := newWorld(t, db, func(c *sevenrooms.Config) {
			c.Sleep = func(ctx context.Context, d time.Duration) error {
				if d == time.Hour {
					rounds++
					if rounds == 2 {
						cancel()
					}
				}
				return ctx.Err()
			}
		})
		u := w.user(t, false)
		id := w.linkTo(t, u.ID, sevenrooms.Profile{FirstName: "C"})
		w.fake.DeleteProfile(id)
		if err := w.svc.Run(ctx, db, time.Hour, 10); !errors.Is(err, context.Canceled) {
			t.Fatalf("run: %v", err)
		}
		if rounds != 2 {
			t.Fatalf("rounds = %d", rounds)
		}
		if l := w.link(t, u.ID); l.Reason != thirdparty.ReasonDeleted {
			t.Fatalf("link %+v", l)
		}
	})
}

func TestLinkURL(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		w := newWorld(t, db, func(c *sevenrooms.Config) { c.ManagerVenue = "le bistro" })
		l := &thirdparty.Link{ExternalID: "abc", Environment: "production"}
		if got := w.svc.LinkURL(l); got != "https://www.sevenrooms.com/manager/le%20bistro/clients/profile/abc" {
			t.Fatalf("url %q", got)
		}
		l.Environment = "demo"
		if got := w.svc.LinkURL(l); got != "https://demo.sevenrooms.com/manager/le%20bistro/clients/profile/abc" {
			t.Fatalf("url %q", got)
		}
		if got := w.svc.LinkURL(&thirdparty.Link{}); got != "" {
			t.Fatalf("url of no profile %q", got)
		}
		if got := sevenrooms.ProfileURL("", "h", "", "id"); got != "" {
			t.Fatalf("url without venue %q", got)
		}
		if got := sevenrooms.ProfileURL("https://{host}/clients/{client_id}", "h", "", "id"); got != "https://h/clients/id" {
			t.Fatalf("url %q", got)
		}
	})
}
