package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

const testWebhookSecret = "webhook secret"

// withSevenRooms wires the SevenRooms card to a fake SevenRooms, the way
// the reference server does in demo mode; edit changes the service's
// configuration.
func withSevenRooms(t *testing.T, fake *sevenroomstest.Server, edit ...func(*sevenrooms.Config)) func(*Config) {
	return func(cfg *Config) {
		t.Helper()
		links, err := thirdparty.New(thirdparty.Config{Users: cfg.Users})
		if err != nil {
			t.Fatal(err)
		}
		cc := fake.ClientConfig()
		cc.MaxRetries = 1
		client, err := sevenrooms.NewClient(cc)
		if err != nil {
			t.Fatal(err)
		}
		sc := sevenrooms.Config{Links: links, API: client, WebhookSecret: testWebhookSecret, ManagerVenue: "lebistro"}
		for _, e := range edit {
			e(&sc)
		}
		svc, err := sevenrooms.NewService(sc)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Links, cfg.SevenRooms = links, svc
	}
}

func managerURL(id string) string {
	return "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + id + "?tab=profile"
}

// TestSevenRoomsRoutes walks the SevenRooms card over HTTP against the
// fake, on both dialects: auto-link at registration, the card, search,
// parse, preview, reconnect with a per-field choice, a stale reconnect,
// undo, health check, webhook (authentic, replayed, forged), unlink,
// create with duplicates, the ambiguous queue and the permissions.
func TestSevenRoomsRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		fake := sevenroomstest.New(t, sevenroomstest.Config{})
		e := newE2EWith(t, db, withSevenRooms(t, fake))
		support, finance := e.operator(usermgmt.RoleSupport), e.operator(usermgmt.RoleFinance)

		// The first login links the new user: no profile matches, so one
		// is created, keyed by the user id. (Registration links nobody:
		// its answer must not depend on whether the address had an
		// account, see package verification.)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "+33612345678", "asker")
		e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)
		card := support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200)
		link, _ := card["link"].(map[string]any)
		if card["status"] != "linked" || link == nil || card["broken"] != false {
			t.Fatalf("card after registration: %v", card)
		}
		created := link["external_id"].(string)
		if p := fake.Profile(created); p == nil || p.ExternalUserID != ada {
			t.Fatalf("created profile %+v", p)
		}
		if url, _ := card["url"].(string); !strings.Contains(url, "/manager/lebistro/clients/profile/"+created) {
			t.Fatalf("card url %q", card["url"])
		}
		if _, ok := link["snapshot"]; ok {
			t.Fatal("support (no personal data) sees the snapshot")
		}
		if fc := finance.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200); fc["link"].(map[string]any)["snapshot"] == nil {
			t.Fatal("finance (personal data) does not see the snapshot")
		}

		// Another profile shares Ada's phone: the search finds both.
		other := fake.AddProfile(sevenrooms.Profile{FirstName: "Adah", LastName: "Lovelace", PhoneNumber: "+33612345678", Email: "ada.l@restaurant.example", TotalVisits: 7})
		cands := support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms/candidates", nil, 200)["items"].([]any)
		if len(cands) != 2 || cands[1].(map[string]any)["external_id"] != other || cands[1].(map[string]any)["reservations"].(float64) != 7 {
			t.Fatalf("candidates %v", cands)
		}
		if c := support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms/candidates?email=ada.l@restaurant.example", nil, 200)["items"].([]any); len(c) != 1 {
			t.Fatalf("candidates by email %v", c)
		}
		// The linked profile is not its own duplicate; the other is one.
		if d := finance.json("GET", "/admin/v1/users/"+ada+"/sevenrooms/duplicates", nil, 200); d["count"].(float64) != 1 {
			t.Fatalf("duplicates %v", d)
		}

		// Parse says what a pasted link is, or what was expected.
		parsed := support.json("POST", "/admin/v1/sevenrooms/parse", map[string]string{"link": managerURL(other)}, 200)
		if parsed["client_id"] != other || parsed["input"] != "url" || parsed["environment"] != "production" {
			t.Fatalf("parsed %v", parsed)
		}
		st, _, raw := support.do("POST", "/admin/v1/sevenrooms/parse", map[string]string{"link": "https://evil.example/manager/x/clients/profile/" + other})
		wantProblem(t, st, raw, 400, "validation_failed", "link")
		st, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/preview", map[string]string{"link": "https://www.sevenrooms.com/reservations/lebistro"})
		wantProblem(t, st, raw, 400, "validation_failed", "link")

		// Preview: both sides, masked for support.
		pv := support.json("POST", "/admin/v1/users/"+ada+"/sevenrooms/preview", map[string]string{"link": managerURL(other)}, 200)
		if pv["masked"] != true || pv["parsed"].(map[string]any)["client_id"] != other {
			t.Fatalf("preview %v", pv)
		}
		var first map[string]any
		for _, f := range pv["plan"].(map[string]any)["fields"].([]any) {
			if f.(map[string]any)["name"] == "first_name" {
				first = f.(map[string]any)
			}
		}
		if first["app"].(map[string]any)["text"] != "Ada" || first["provider"].(map[string]any)["text"] != "Adah" || first["choice"] != "keep_app" {
			t.Fatalf("first name field %v", first)
		}
		reconnect := map[string]any{
			"client_id": other, "user_version": pv["user_version"], "link_version": pv["link_version"], "profile_updated": pv["profile_updated"],
			"reason": "the guest asked", "decisions": map[string]any{"first_name": map[string]any{"choice": "take_provider"}},
		}
		// Finance reads links but may not reconnect.
		st, _, raw = finance.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/reconnect", reconnect)
		wantProblem(t, st, raw, 403, "forbidden", "")
		// A reason is required.
		noReason := map[string]any{}
		for k, v := range reconnect {
			noReason[k] = v
		}
		noReason["reason"] = ""
		st, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/reconnect", noReason)
		wantProblem(t, st, raw, 400, "validation_failed", "reason")

		m := support.json("POST", "/admin/v1/users/"+ada+"/sevenrooms/reconnect", reconnect, 200)
		if m["status"] != "applied" || m["client_id"] != other || m["previous_client_id"] != created {
			t.Fatalf("merge %v", m)
		}
		u, err := e.app.users.GetOwnUser(ctx, db, uuid.MustParse(ada))
		if err != nil || u.FirstName != "Adah" {
			t.Fatalf("app user after the merge: %+v %v", u, err)
		}
		// The same preview again: the user and the link moved on.
		st, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/reconnect", reconnect)
		if p := problemOf(t, raw); st != 409 || (p.Code != "link_conflict" && p.Code != "version_conflict") {
			t.Fatalf("stale reconnect: %d %s", st, raw)
		}
		card = support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200)
		if card["link"].(map[string]any)["external_id"] != other || len(card["merges"].([]any)) != 1 {
			t.Fatalf("card after the merge: %v", card)
		}

		// Undo: finance may not; support restores both sides.
		mid := m["id"].(string)
		st, _, raw = finance.do("POST", "/admin/v1/sevenrooms/merges/"+mid+"/undo", map[string]string{"reason": "wrong person"})
		wantProblem(t, st, raw, 403, "forbidden", "")
		undone := support.json("POST", "/admin/v1/sevenrooms/merges/"+mid+"/undo", map[string]string{"reason": "wrong person"}, 200)
		if undone["status"] != "undone" {
			t.Fatalf("undo %v", undone)
		}
		if u, _ := e.app.users.GetOwnUser(ctx, db, uuid.MustParse(ada)); u.FirstName != "Ada" {
			t.Fatalf("first name after undo %q", u.FirstName)
		}
		if card = support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200); card["link"].(map[string]any)["external_id"] != created {
			t.Fatalf("link after undo: %v", card["link"])
		}
		st, _, raw = support.do("POST", "/admin/v1/sevenrooms/merges/"+mid+"/undo", map[string]string{"reason": "again"})
		wantProblem(t, st, raw, 409, "link_conflict", "")
		st, _, raw = support.do("POST", "/admin/v1/sevenrooms/merges/"+mid+"/retry", nil)
		wantProblem(t, st, raw, 409, "link_conflict", "")
		st, _, raw = support.do("POST", "/admin/v1/sevenrooms/merges/"+uuid.NewString()+"/undo", map[string]string{"reason": "x"})
		wantProblem(t, st, raw, 404, "not_found", "")

		// Health: a deleted profile turns the link red with its reason.
		if l := support.json("POST", "/admin/v1/users/"+ada+"/sevenrooms/check", nil, 200); l["status"] != "linked" || l["last_checked_at"] == nil {
			t.Fatalf("check %v", l)
		}
		fake.DeleteProfile(created)
		if l := support.json("POST", "/admin/v1/users/"+ada+"/sevenrooms/check", nil, 200); l["status"] != "broken" || l["reason"] != "deleted" {
			t.Fatalf("check of a deleted profile %v", l)
		}
		if card = support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200); card["broken"] != true {
			t.Fatalf("card of a broken link %v", card)
		}

		// Unlink, guarded by the version.
		version := card["link"].(map[string]any)["version"].(float64)
		st, _, raw = support.do("DELETE", "/admin/v1/users/"+ada+"/sevenrooms", map[string]any{"version": version - 1, "reason": "profile gone"})
		wantProblem(t, st, raw, 409, "link_conflict", "")
		if l := support.json("DELETE", "/admin/v1/users/"+ada+"/sevenrooms", map[string]any{"version": version, "reason": "profile gone"}, 200); l["status"] != "unlinked" {
			t.Fatalf("unlink %v", l)
		}

		// Create: another profile shares the phone, so it takes force.
		st, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/profile", map[string]any{"reason": "new guest"})
		if p := wantProblem(t, st, raw, 409, "duplicates_exist", ""); p.Current["duplicates"].(float64) < 1 {
			t.Fatalf("duplicates problem %s", raw)
		}
		if l := support.json("POST", "/admin/v1/users/"+ada+"/sevenrooms/profile", map[string]any{"reason": "new guest", "force": true}, 201); l["status"] != "linked" {
			t.Fatalf("create %v", l)
		}

		// Ambiguous: a user whose unverified phone matches two profiles is
		// left for an operator, with both candidates.
		fake.AddProfile(sevenrooms.Profile{FirstName: "Jean", LastName: "Durand", PhoneNumber: "+33700000001"})
		fake.AddProfile(sevenrooms.Profile{FirstName: "Jeanne", LastName: "Durand", PhoneNumber: "+33700000001"})
		jean := e.register("Jean", "Durand", "jean@example.com", "+33700000001", "asker")
		e.anon.json("POST", "/v1/login", map[string]string{"email": "jean@example.com", "password": "user password 1234"}, 200)
		q := support.json("GET", "/admin/v1/sevenrooms/ambiguous?limit=10", nil, 200)["items"].([]any)
		if len(q) != 1 || q[0].(map[string]any)["user_id"] != jean || len(q[0].(map[string]any)["candidates"].([]any)) != 2 {
			t.Fatalf("ambiguous queue %v", q)
		}
		st, _, raw = support.do("GET", "/admin/v1/sevenrooms/ambiguous?after=nope", nil)
		wantProblem(t, st, raw, 400, "validation_failed", "after")

		// Webhook: a client deleted event turns the link red at once; a
		// replay and a forgery are refused.
		linked := support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200)["link"].(map[string]any)["external_id"].(string)
		webhook := func(delivery, secret string) int {
			t.Helper()
			req, err := sevenroomstest.Webhook(e.anon.base+"/webhooks/sevenrooms", secret, delivery, time.Now(), "client", "deleted", map[string]any{"id": linked, "deleted": time.Now().UTC().Format(time.RFC3339)})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := webhook("d-1", "forged"); st != 401 {
			t.Fatalf("forged webhook: %d", st)
		}
		if st := webhook("d-1", testWebhookSecret); st != 204 {
			t.Fatalf("webhook: %d", st)
		}
		if st := webhook("d-1", testWebhookSecret); st != 409 {
			t.Fatalf("replayed webhook: %d", st)
		}
		if l := support.json("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil, 200)["link"].(map[string]any); l["status"] != "broken" || l["reason"] != "deleted" {
			t.Fatalf("link after the webhook %v", l)
		}
	})
}

// TestSevenRoomsFailures: SevenRooms failing is the upstream's error, and
// a hanging SevenRooms does not hold a login longer than the budget.
func TestSevenRoomsFailures(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		fake := sevenroomstest.New(t, sevenroomstest.Config{})
		e := newE2EWith(t, db, withSevenRooms(t, fake, func(c *sevenrooms.Config) { c.LoginBudget = 200 * time.Millisecond }))
		support := e.operator(usermgmt.RoleSupport)
		ada := e.register("Ada", "Lovelace", "ada@example.com", "+33612345678", "asker")
		other := fake.AddProfile(sevenrooms.Profile{FirstName: "Adah"})

		fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 500, Times: 10})
		st, _, raw := support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/preview", map[string]string{"link": other})
		wantProblem(t, st, raw, 502, "sevenrooms_unavailable", "")
		fake.ClearFaults()
		fake.DeleteProfile(other)
		st, _, raw = support.do("POST", "/admin/v1/users/"+ada+"/sevenrooms/preview", map[string]string{"link": other})
		wantProblem(t, st, raw, 410, "sevenrooms_profile_deleted", "")

		// A user not linked yet logs in while SevenRooms hangs: the login
		// answers, and the link is queued for a retry.
		e.register("Bob", "Builder", "bob@example.com", "", "asker")
		fake.Inject(sevenroomstest.Fault{Hang: true, Times: 100})
		defer fake.Release()
		done := make(chan int, 1)
		go func() {
			st, _, _ := e.anon.do("POST", "/v1/login", map[string]string{"email": "bob@example.com", "password": "user password 1234"})
			done <- st
		}()
		select {
		case st := <-done:
			if st != 200 {
				t.Fatalf("login while SevenRooms hangs: %d", st)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the login waited for a hanging SevenRooms")
		}
		fake.Release()
	})
}

// TestSevenRoomsUnconfigured: without SevenRooms its routes answer 503
// area_unavailable, and registration still works.
func TestSevenRoomsUnconfigured(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	e := newE2E(t, db)
	support := e.operator(usermgmt.RoleSupport)
	ada := e.register("Ada", "Lovelace", "ada@example.com", "", "asker")
	st, _, raw := support.do("GET", "/admin/v1/users/"+ada+"/sevenrooms", nil)
	wantProblem(t, st, raw, 503, "area_unavailable", "")
	ts := httptest.NewServer(e.app.Handler())
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/webhooks/sevenrooms", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var p problem
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != 503 || p.Code != "area_unavailable" {
		t.Fatalf("webhook without SevenRooms: %d %+v", resp.StatusCode, p)
	}
}
