package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
)

// client talks to the test server with one bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and returns the status, headers and raw body.
func (c *client) do(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// json sends a request, checks the status and decodes the JSON answer.
func (c *client) json(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	status, _, raw := c.do(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return out
}

func (c *client) as(token string) *client { return &client{t: c.t, base: c.base, token: token} }

type e2e struct {
	t    *testing.T
	db   *bun.DB
	app  *API
	anon *client
}

func newE2E(t *testing.T, db *bun.DB) *e2e { return newE2EWith(t, db) }

func newE2EWith(t *testing.T, db *bun.DB, edit ...func(*Config)) *e2e {
	a := newTestApp(t, db, edit...)
	ts := httptest.NewServer(a.Handler())
	t.Cleanup(ts.Close)
	return &e2e{t: t, db: db, app: a, anon: &client{t: t, base: ts.URL}}
}

// operator creates an operator with role and logs it in over HTTP.
func (e *e2e) operator(role usermgmt.OperatorRole) *client {
	e.t.Helper()
	email := string(role) + "@ops.test"
	if _, err := e.app.users.CreateOperator(context.Background(), e.db, usermgmt.NewOperator{Name: string(role), Email: email, Password: "operator password " + string(role), Roles: []usermgmt.OperatorRole{role}}); err != nil {
		e.t.Fatal(err)
	}
	out := e.anon.json("POST", "/admin/v1/login", map[string]string{"email": email, "password": "operator password " + string(role)}, 200)
	return e.anon.as(out["token"].(string))
}

// register signs a user up over HTTP and returns its id. The answer
// does not tell the id (nor whether the address had an account), so the
// test reads it from the library. Each registration comes from a client
// address of its own, so that the per-client rate limit of the
// message-sending routes does not refuse a test's many sign-ups.
func (e *e2e) register(first, last, email, phone string, roles ...string) string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"email": email, "password": "user password 1234", "first_name": first, "last_name": last, "phone": phone,
		"type": "individual", "spoken_languages": []string{"fr"}, "preferred_language": "fr", "timezone": "Europe/Paris", "roles": roles,
	})
	req, _ := http.NewRequest("POST", e.anon.base+"/v1/register", bytes.NewReader(body))
	req.Header.Set(testClientAddr, "register:"+email)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("register %s: status %d: %s", email, resp.StatusCode, raw)
	}
	u, err := e.app.users.FindUserByEmail(context.Background(), e.db, email)
	if err != nil {
		e.t.Fatalf("register %s: %v", email, err)
	}
	return u.ID.String()
}

// version reads a user's current version, as the detail page shows it.
func (e *e2e) version(uid string) int64 {
	e.t.Helper()
	v, err := e.app.users.UserVersion(context.Background(), e.db, uuid.MustParse(uid))
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func ids(page map[string]any) []string {
	var out []string
	for _, it := range page["items"].([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// TestOperatorTasks walks the operators' real tasks over HTTP, on both
// dialects.
func TestOperatorTasks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		admin, support, finance := e.operator(usermgmt.RoleAdmin), e.operator(usermgmt.RoleSupport), e.operator(usermgmt.RoleFinance)

		// Without credentials: 401.
		if st, _, _ := e.anon.do("GET", "/admin/v1/users", nil); st != 401 {
			t.Fatalf("anonymous list: %d", st)
		}
		if st, _, _ := e.anon.as("forged-token").do("GET", "/admin/v1/users", nil); st != 401 {
			t.Fatalf("forged token: %d", st)
		}

		elodie := e.register("Élodie", "Müller", "elodie.muller@example.com", "+33612345678", "asker", "offeror")
		bob := e.register("Bob", "Martin", "bob.martin@example.com", "+33698765432", "asker")
		chloe := e.register("Chloé", "Zhang", "chloe@example.org", "+447700900123", "offeror")
		for i := range 7 {
			e.register("Extra", fmt.Sprintf("User%02d", i), fmt.Sprintf("extra%d@example.net", i), "", "asker")
		}

		t.Run("search, filter, sort and page", func(t *testing.T) {
			if got := ids(admin.json("GET", "/admin/v1/users?q=muller", nil, 200)); len(got) != 1 || got[0] != elodie {
				t.Fatalf("accent-insensitive search: %v", got)
			}
			if got := ids(admin.json("GET", "/admin/v1/users?q="+url.QueryEscape("06 98 76"), nil, 200)); len(got) != 1 || got[0] != bob {
				t.Fatalf("phone search: %v", got)
			}
			if got := ids(admin.json("GET", "/admin/v1/users?role=offeror&sort=name&dir=asc", nil, 200)); strings.Join(got, ",") != elodie+","+chloe {
				t.Fatalf("offerors by name: %v", got)
			}
			var all []string
			cursor := ""
			for range 10 {
				page := admin.json("GET", "/admin/v1/users?limit=4&cursor="+url.QueryEscape(cursor), nil, 200)
				all = append(all, ids(page)...)
				if cursor = page["next_cursor"].(string); cursor == "" {
					break
				}
			}
			if len(all) != 10 || all[len(all)-1] != elodie { // newest first
				t.Fatalf("pages: %d users, last %v", len(all), all)
			}
			if n := admin.json("GET", "/admin/v1/users/count?role=asker", nil, 200)["count"].(float64); n != 9 {
				t.Fatalf("count askers = %v", n)
			}
			p := admin.json("GET", "/admin/v1/users?cursor=bogus", nil, 400)
			if p["code"] != "invalid_cursor" {
				t.Fatalf("bad cursor: %v", p)
			}
		})

		t.Run("detail view and masking", func(t *testing.T) {
			d := admin.json("GET", "/admin/v1/users/"+elodie, nil, 200)
			if d["email"] != "elodie.muller@example.com" || d["masked"] != false || d["fee_card"] == nil {
				t.Fatalf("admin detail: %v", d)
			}
			d = support.json("GET", "/admin/v1/users/"+elodie, nil, 200)
			if d["email"] != "e•••@e•••.com" || !strings.HasPrefix(d["phone"].(string), "+33 ••") || d["masked"] != true {
				t.Fatalf("support detail not masked: %v %v", d["email"], d["phone"])
			}
			row := support.json("GET", "/admin/v1/users?q=muller", nil, 200)["items"].([]any)[0].(map[string]any)
			if row["email"] != "e•••@e•••.com" {
				t.Fatalf("support list not masked: %v", row)
			}
			if st, _, _ := support.do("GET", "/admin/v1/users/export?format=csv", nil); st != 403 {
				t.Fatalf("support export: %d", st)
			}
			if st, _, _ := support.do("DELETE", "/admin/v1/users/"+bob+"?reason=x", nil); st != 403 {
				t.Fatalf("support delete: %d", st)
			}
			if st, _, _ := support.do("PUT", "/admin/v1/users/"+bob+"/fees", map[string]any{"asker_percent": "1"}); st != 403 {
				t.Fatalf("support fees: %d", st)
			}
			if st, _, _ := admin.do("GET", "/admin/v1/users/01a20507-6a7e-7f1c-84fb-8f6c4fa172eb", nil); st != 404 {
				t.Fatalf("unknown user: %d", st)
			}
			if st, _, _ := admin.do("GET", "/admin/v1/users/not-a-uid", nil); st != 400 {
				t.Fatalf("malformed uid: %d", st)
			}
		})

		t.Run("partial update with the version", func(t *testing.T) {
			d := support.json("PATCH", "/admin/v1/users/"+chloe, map[string]any{"version": 1, "first_name": "Chloë"}, 200)
			if d["first_name"] != "Chloë" || d["version"].(float64) != 2 || d["last_name"] != "Zhang" {
				t.Fatalf("patch: %v", d)
			}
			p := support.json("PATCH", "/admin/v1/users/"+chloe, map[string]any{"version": 1, "first_name": "Stale"}, 409)
			if p["code"] != "version_conflict" {
				t.Fatalf("stale: %v", p)
			}
		})

		t.Run("status change refuses front-office login", func(t *testing.T) {
			login := map[string]string{"email": "bob.martin@example.com", "password": "user password 1234"}
			session := e.anon.json("POST", "/v1/login", login, 200)["token"].(string)
			admin.json("PUT", "/admin/v1/users/"+bob+"/status", map[string]any{"version": e.version(bob), "status": "invalidated", "reason": "fraud report"}, 200)
			if p := e.anon.json("POST", "/v1/login", login, 403); p["code"] != "login_refused" {
				t.Fatalf("invalidated login: %v", p)
			}
			if st, _, _ := e.anon.as(session).do("GET", "/v1/me", nil); st != 401 {
				t.Fatalf("invalidated user's old session still works: %d", st)
			}
			audit := admin.json("GET", "/admin/v1/users/"+bob+"/audit", nil, 200)["items"].([]any)
			if len(audit) != 1 || audit[0].(map[string]any)["reason"] != "fraud report" {
				t.Fatalf("audit: %v", audit)
			}
			if p := admin.json("GET", "/admin/v1/users/"+bob+"/public-profile", nil, 404); p["code"] != "profile_hidden" {
				t.Fatalf("public profile of an invalidated user: %v", p)
			}
			if pp := admin.json("GET", "/admin/v1/users/"+chloe+"/public-profile", nil, 200); pp["display_name"] != "Chloë Z." {
				t.Fatalf("public profile: %v", pp)
			}
		})

		t.Run("set a password and log in with it", func(t *testing.T) {
			if st, _, _ := support.do("PUT", "/admin/v1/users/"+chloe+"/password", map[string]any{"version": e.version(chloe), "password": "new river lamp", "confirmation": "new river lamb"}); st != 400 {
				t.Fatalf("mismatched confirmation: %d", st)
			}
			if st, _, _ := support.do("PUT", "/admin/v1/users/"+chloe+"/password", map[string]any{"version": e.version(chloe), "password": "new river lamp", "confirmation": "new river lamp"}); st != 204 {
				t.Fatalf("set password: %d", st)
			}
			out := e.anon.json("POST", "/v1/login", map[string]string{"email": "CHLOE@example.org", "password": "new river lamp"}, 200)
			if out["user"].(map[string]any)["password_temporary"] != true {
				t.Fatalf("login after set: %v", out)
			}
			// The user edits their own profile in the front office.
			me := e.anon.as(out["token"].(string))
			v := me.json("GET", "/v1/me", nil, 200)
			got := me.json("PATCH", "/v1/me", map[string]any{"version": v["version"], "timezone": "Europe/London"}, 200)
			if got["timezone"] != "Europe/London" || got["capabilities"].(map[string]any)["book"] != true {
				t.Fatalf("PATCH /v1/me: %v", got)
			}
			// The user replaces the temporary password with their own.
			if st, _, _ := me.do("PUT", "/v1/me/password", map[string]string{"current_password": "wrong", "new_password": "my very own secret"}); st != 401 {
				t.Fatalf("wrong current password: %d", st)
			}
			if st, _, _ := me.do("PUT", "/v1/me/password", map[string]string{"current_password": "new river lamp", "new_password": "my very own secret"}); st != 204 {
				t.Fatalf("own password: %d", st)
			}
			again := e.anon.json("POST", "/v1/login", map[string]string{"email": "chloe@example.org", "password": "my very own secret"}, 200)
			if again["user"].(map[string]any)["password_temporary"] != false {
				t.Fatalf("still temporary: %v", again)
			}
		})

		t.Run("fees with an empty and a zero field", func(t *testing.T) {
			f := finance.json("PUT", "/admin/v1/users/"+chloe+"/fees", map[string]any{"version": e.version(chloe), "asker_percent": "20", "asker_fixed": "50", "offeror_percent": "0", "offeror_fixed": nil}, 200)
			if f["mode"] != "customized" {
				t.Fatalf("fees: %v", f)
			}
			got := finance.json("GET", "/admin/v1/users/"+chloe+"/fees", nil, 200)["override"].(map[string]any)
			if got["offeror_percent"] != "0" || got["offeror_fixed"] != nil {
				t.Fatalf("override read back: %v", got)
			}
			q := finance.json("GET", "/admin/v1/users/"+chloe+"/fees/preview?price=100", nil, 200)
			// Standard offeror fee is 10 %; the user's "0" means none.
			if q["customer_total"] != "170.00" || q["vendor_payout"] != "100.00" || q["platform_total"] != "70.00" {
				t.Fatalf("preview: %v", q)
			}
		})

		t.Run("export CSV and XLSX", func(t *testing.T) {
			st, h, body := finance.do("GET", "/admin/v1/users/export?format=csv&sort=name&dir=asc&role=offeror", nil)
			if st != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Fatalf("csv: %d %v", st, h)
			}
			recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil || len(recs) != 3 || !strings.Contains(strings.Join(recs[1], ","), "Müller") {
				t.Fatalf("csv rows: %v %v", recs, err)
			}
			st, _, body = finance.do("GET", "/admin/v1/users/export?format=xlsx", nil)
			if st != 200 {
				t.Fatalf("xlsx: %d", st)
			}
			f, err := excelize.OpenReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows(f.GetSheetName(0))
			if len(rows) != 11 {
				t.Fatalf("xlsx: %d rows, want header + 10", len(rows))
			}
			if st, _, _ := finance.do("GET", "/admin/v1/users/export?format=pdf", nil); st != 400 {
				t.Fatalf("pdf export: %d", st)
			}
		})

		t.Run("impersonate, then revoke", func(t *testing.T) {
			out := support.json("POST", "/admin/v1/users/"+chloe+"/impersonations", map[string]string{"reason": "ticket 123", "scope": "read_only", "landing": "identity"}, 201)
			token, id := out["token"].(string), out["id"].(string)
			if !strings.HasSuffix(out["url"].(string), "/v1/me/identity") {
				t.Fatalf("url: %v", out["url"])
			}
			imp := e.anon.as(token)
			me := imp.json("GET", "/v1/me", nil, 200)
			by := me["impersonated_by"].(map[string]any)
			if me["id"] != chloe || by["reason"] != "ticket 123" || by["scope"] != "read_only" {
				t.Fatalf("me: %v", me)
			}
			if sec := imp.json("GET", "/v1/me/identity", nil, 200); sec["last_name"] != "Zhang" {
				t.Fatalf("identity section: %v", sec)
			}
			if st, _, _ := imp.do("PATCH", "/v1/me", map[string]any{"version": 3, "first_name": "X"}); st != 403 {
				t.Fatalf("read-only PATCH: %d", st)
			}
			full := e.anon.as(support.json("POST", "/admin/v1/users/"+chloe+"/impersonations", map[string]string{"reason": "ticket 124", "scope": "full"}, 201)["token"].(string))
			if st, _, raw := full.do("PUT", "/v1/me/password", map[string]string{"current_password": "x", "new_password": "chosen by an operator"}); st != 403 {
				t.Fatalf("password change under a full impersonation: %d %s", st, raw)
			}
			if got := admin.json("GET", "/admin/v1/impersonations", nil, 200)["items"].([]any); len(got) != 2 {
				t.Fatalf("active: %v", got)
			}
			if st, _, _ := admin.do("DELETE", "/admin/v1/impersonations/"+id, nil); st != 204 {
				t.Fatalf("revoke: %d", st)
			}
			if st, _, _ := imp.do("GET", "/v1/me", nil); st != 401 {
				t.Fatalf("revoked token: %d", st)
			}
			if st, _, _ := finance.do("POST", "/admin/v1/users/"+chloe+"/impersonations", map[string]string{"reason": "x"}); st != 201 {
				t.Fatalf("finance impersonating (sees personal data in clear, audited): %d", st)
			}
		})

		t.Run("delete leaves no trace", func(t *testing.T) {
			if st, _, _ := admin.do("DELETE", "/admin/v1/users/"+elodie, map[string]string{"reason": "GDPR request"}); st != 204 {
				t.Fatalf("delete: %d", st)
			}
			if st, _, _ := admin.do("GET", "/admin/v1/users/"+elodie, nil); st != 404 {
				t.Fatalf("detail after delete: %d", st)
			}
			if got := ids(admin.json("GET", "/admin/v1/users?q=muller", nil, 200)); len(got) != 0 {
				t.Fatalf("list after delete: %v", got)
			}
			_, _, body := admin.do("GET", "/admin/v1/users/export?format=csv", nil)
			if strings.Contains(string(body), "elodie") || strings.Contains(string(body), elodie) {
				t.Fatal("export after delete still has the user")
			}
		})
	})
}

// TestBadInputChangesNothing sends bad input to every write route: each
// gets a 4xx problem document and the data is untouched.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2EWith(t, db, withSevenRooms(t, sevenroomstest.New(t, sevenroomstest.Config{})))
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		owner := e.register("Grace", "Hopper", "grace@example.com", "+447700900002", "offeror")
		g, _, err := e.app.users.InviteGuest(context.Background(), db, uuid.MustParse(owner), usermgmt.GuestInvite{Email: "ada@example.com", Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}})
		if err != nil {
			t.Fatal(err)
		}
		gp := "/admin/v1/users/" + owner + "/guests/" + g.ID.String()
		session := e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)["token"].(string)
		user := e.anon.as(session)
		// A customized fee that a misspelt field or a null body must not reset.
		admin.json("PUT", "/admin/v1/users/"+uid+"/fees", map[string]any{"version": 1, "asker_percent": "20"}, 200)
		// A category the user is in, that a refused write must neither
		// drop nor rename, nor add to.
		cat := admin.json("POST", "/admin/v1/categories", map[string]any{"slug": "florists", "name": "Florists"}, 201)
		admin.json("PUT", "/admin/v1/users/"+uid+"/categories", map[string]any{"version": 2, "category_ids": []any{cat["id"]}}, 200)
		before := admin.json("GET", "/admin/v1/users/"+uid, nil, 200)
		categoriesBefore := admin.json("GET", "/admin/v1/categories", nil, 200)
		settingsBefore := admin.json("GET", "/admin/v1/settings", nil, 200)
		referralBefore := admin.json("GET", "/admin/v1/users/"+uid+"/referral", nil, 200)
		huge := `{"reason": "` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
		u := "/admin/v1/users/" + uid
		type badRow struct {
			method, path, body string
			status             int
		}
		rows := []badRow{
			{"PATCH", u, `null`, 400},
			{"PATCH", u, `[]`, 400},
			{"PATCH", u, `{"version": 1, "first_name": "Ad\u0000a"}`, 400},
			{"PATCH", u, `{"version": 1, "last_name": "   "}`, 400},
			{"PATCH", u, `{"version": 1, "postal_address": {"line1": "x\u0000", "city": "Paris", "country": "FR"}}`, 400},
			{"PATCH", u, `{"version": 1, "spoken_languages": ["f\u0000r"]}`, 400},
			{"PATCH", u, `{"version": "one"}`, 400},
			{"PATCH", u, `{"first_name": "NoVersion"}`, 400},
			{"PATCH", u, `{"version": 1, "nickname": "x"}`, 400},
			{"PATCH", u, `{"version": 1, "phone": "not a phone"}`, 400},
			{"PATCH", u, `{"version": 1, "roles": ["admin"]}`, 400},
			{"PATCH", u, huge, 413},
			{"PUT", u + "/status", `{"status": "banned", "reason": "x"}`, 400},
			{"PUT", u + "/status", `{"status": "live"}`, 400},
			{"PUT", u + "/status", `not json`, 400},
			{"PUT", u + "/status", `{"status": "in_review", "reason": "a\u0000b"}`, 400},
			{"PUT", u + "/status", `null`, 400},
			{"PUT", u + "/password", `{"password": "short", "confirmation": "short"}`, 400},
			{"PUT", u + "/password", `{"password": 12345678}`, 400},
			{"PUT", u + "/fees", `{"asker_percent": "101"}`, 400},
			{"PUT", u + "/fees", `{"offeror_fixed": "-1"}`, 400},
			{"PUT", u + "/fees", `{"asker_fixed": "abc"}`, 400},
			{"PUT", u + "/fees", `{"asker_precent": "30"}`, 400},
			{"PUT", u + "/fees", `null`, 400},
			{"PUT", u + "/fees", `{"asker_fixed": 1e32}`, 400},
			{"PUT", u + "/fees", `{"asker_fixed": "1000000000000.01"}`, 400},
			{"PUT", u + "/categories", `{"category_ids": ["not-a-uuid"]}`, 400},
			{"PUT", u + "/categories", `{"category_ids": ["01a20507-6a7e-7f1c-84fb-8f6c4fa172eb"]}`, 400},
			{"PUT", u + "/verifications", `{"id": "yes"}`, 400},
			{"DELETE", u, `{"reason": ""}`, 400},
			{"DELETE", u, `{"why": "x"}`, 400},
			{"DELETE", u, `{"reason": "gdpr\u0000"}`, 400},
			{"POST", u + "/impersonations", `{"reason": ""}`, 400},
			{"POST", u + "/impersonations", `{"reason": "x", "scope": "god"}`, 400},
			{"POST", u + "/impersonations", `{"reason": "x", "landing": "kitchen"}`, 400},
			{"POST", u + "/impersonations", `{"reason": "ticket\u0000"}`, 400},
			{"PUT", "/admin/v1/settings", `{"version": 1, "default_user_status": "invalidated"}`, 400},
			{"PUT", "/admin/v1/settings", `{"version": 1, "asker_percent": "150"}`, 400},
			{"PUT", "/admin/v1/settings", `{"version": 1, "asker_fixed": "1e32"}`, 400},
			{"PUT", "/admin/v1/settings", `{"version": 1, "currency": "EU\u0000"}`, 400},
			{"PUT", "/admin/v1/settings", `{"asker_percent": "5"}`, 409},
			{"POST", "/admin/v1/categories", `{"slug": "Not A Slug", "name": "x"}`, 400},
			{"POST", "/admin/v1/categories", `{"slug": "cats", "name": "Ca\u0000ts"}`, 400},
			{"POST", "/admin/v1/categories", `{"slug": "cats", "name": "   "}`, 400},
			{"POST", "/v1/register", `{"email": "a\u0000@example.com", "password": "user password 1234", "first_name": "A", "last_name": "B", "type": "individual", "roles": ["asker"]}`, 400},
			{"POST", "/v1/register", `null`, 400},
			{"POST", "/v1/fees/quote", `{"price": "1", "currency": "EUR", "override": {"asker_precent": "30"}}`, 400},
			{"POST", "/v1/fees/quote", `{"price": "1e32", "currency": "EUR"}`, 400},
			{"POST", "/v1/fees/quote", `null`, 400},
			{"POST", "/admin/v1/login", `{"email": "a\u0000@ops.test", "password": "x"}`, 400},
			{"POST", "/v1/login", `{"email": "a\u0000@example.com", "password": "x"}`, 400},
			{"GET", "/admin/v1/users?q=mu%00ller", "", 400},
			{"GET", "/admin/v1/users?language=f%00r", "", 400},
			{"GET", "/admin/v1/users/count?q=%00", "", 400},
			{"POST", "/v1/register", `{"email": "nope"}`, 400},
			{"POST", "/v1/register", `{}`, 400},
			{"POST", "/v1/fees/quote", `{"price": "-5", "currency": "EUR"}`, 400},
			{"POST", "/admin/v1/login", `{"email": 5}`, 400},
			{"PATCH", gp, `{"version": 1, "roles": ["superuser"]}`, 400},
			{"PATCH", gp, `{"version": 1, "email": "not-an-email"}`, 400},
			{"PATCH", gp, `{"roles": ["view_payouts"]}`, 400},
			{"PATCH", gp, `{"version": 7, "roles": ["manage_bookings"]}`, 409},
			{"PUT", u + "/status", `{"version": 0, "status": "in_review", "reason": "x"}`, 400},
			{"PUT", u + "/status", `{"version": 1, "status": "in_review", "reason": "stale"}`, 409},
			{"PUT", u + "/fees", `{"version": 1, "asker_percent": "5"}`, 409},
			{"PUT", u + "/fees", `{"version": "two", "asker_percent": "5"}`, 400},
			{"PUT", u + "/categories", `{"version": 1, "category_ids": []}`, 409},
			{"PUT", u + "/categories", `{}`, 400},
			{"PUT", u + "/verifications", `{"version": 1, "id": true}`, 409},
			{"PUT", u + "/password", `{"version": 1, "password": "new river lamp", "confirmation": "new river lamp"}`, 409},
			{"PATCH", "/admin/v1/users/" + uid + "/guests/" + g.ID.String(), `{"version": 1, "roles": ["manage_bookings"]}`, 404},
			{"POST", "/admin/v1/operators", `{"name": "X", "email": "not an email", "password": "a long operator password", "roles": ["support"]}`, 400},
			{"POST", "/admin/v1/operators", `{"name": "X\u0000", "email": "x@ops.test", "password": "a long operator password", "roles": ["wizard"]}`, 400},
			{"POST", "/admin/v1/operators", `{"name": "X", "email": "x@ops.test", "password": "short", "roles": ["support"], "admin": true}`, 400},
			{"PUT", "/admin/v1/operators/" + e.operatorID(usermgmt.RoleAdmin).String() + "/roles", `{"version": 1, "roles": []}`, 400},
			{"PUT", "/admin/v1/operators/" + e.operatorID(usermgmt.RoleAdmin).String() + "/roles", `{"version": 1, "roles": ["support"]}`, 409},
			{"PUT", "/admin/v1/operators/" + uuid.NewString() + "/active", `{"version": 1, "active": false, "reason": "x"}`, 404},
			{"PUT", "/admin/v1/operators/" + uuid.NewString() + "/active", `{"version": 1, "reason": "x"}`, 400},
			{"PUT", "/admin/v1/operators/NOT-A-UUID/active", `{"version": 1, "active": true}`, 400},
			{"DELETE", "/admin/v1/impersonations/not-a-uuid", ``, 400},
			{"DELETE", "/admin/v1/impersonations/" + uuid.NewString() + "?reason=%00", ``, 400},
			{"PUT", u + "/referral/credits", `{"version": 0, "to": -1}`, 400},
			{"PUT", u + "/referral/credits", `{"version": 0, "to": "two"}`, 400},
			{"POST", u + "/referral/credit-steps", `{"delta": 2}`, 400},
			{"PUT", u + "/referral/referrer", `{ "referrer_id": null, "reason": "" }`, 400},
			{"PUT", u + "/referral/referrer", `{ "referrer_id": "` + uid + `", "reason": "self" }`, 400},
			{"POST", "/admin/v1/referral/flags/not-a-uuid/clear", `{"reason": "x"}`, 400},
			{"POST", "/admin/v1/referral/flags/" + uuid.NewString() + "/clear", `{"reason": ""}`, 400},
			{"PUT", u + "/referral/credits", `{"version": 1, "to": 2, "reason": "ticket\u0000"}`, 400},
			{"PUT", u + "/referral/credits", `{"version": 1, "to": 2, "reason": "ok", "idempotency_key": "k\u0000"}`, 400},
			{"POST", u + "/referral/credit-steps", `{"delta": 1, "reason": "ticket\u0000"}`, 400},
			{"PUT", u + "/referral/referrer", `{"referrer_id": null, "reason": "ticket\u0000"}`, 400},
			{"POST", "/admin/v1/referral/flags/" + uuid.NewString() + "/clear", `{"reason": "ticket\u0000"}`, 400},
			{"POST", u + "/devices/some-phone/revoke", `{"reason": ""}`, 400},
			{"POST", u + "/devices/some-phone/revoke", `{"why": "lost"}`, 400},
			{"POST", "/admin/v1/users/NOT-A-UUID/password-reset", ``, 400},
			{"POST", "/admin/v1/users/" + uuid.NewString() + "/password-reset", ``, 404},
			{"POST", u + "/password-reset", `{"to": "me@example.com"}`, 400},
			{"PUT", u + "/id-verification", `{"verified": true, "reason": ""}`, 400},
			{"PUT", u + "/id-verification", `{"verified": "yes", "reason": "x"}`, 400},
			{"PUT", u + "/id-verification", `{"verified": true, "reason": "x", "source": "psp:stripe"}`, 400},
			{"PUT", u + "/id-verification", `{"version": 1, "verified": true, "reason": "stale"}`, 409},
			{"POST", "/v1/email-verification/resend", `{"email": "nope"}`, 400},
			{"POST", "/v1/email-verification/resend", `{"email": "a\u0000@example.com"}`, 400},
			{"POST", "/v1/email-verification/confirm", `{"token": "no such token"}`, 400},
			{"POST", "/v1/email-change/confirm", `{"token": 5}`, 400},
			{"POST", "/v1/email-change/confirm", `{"token": "no such token"}`, 400},
			{"POST", "/v1/password-reset", `{"email": "nope"}`, 400},
			{"POST", "/v1/password-reset/confirm", `{"token": "no such token", "password": "a long new password"}`, 400},
			{"POST", "/v1/password-reset/confirm", `{"token": "no such token", "password": "short"}`, 400},
			{"POST", "/admin/v1/users/NOT-A-UUID/sevenrooms/check", ``, 400},
			{"POST", u + "/sevenrooms/preview", `{"link": 5}`, 400},
			{"POST", u + "/sevenrooms/reconnect", `{"client_id": "x", "decisions": {"first_name": {"choice": "guess"}}}`, 400},
			{"POST", u + "/sevenrooms/profile", `{"force": "yes"}`, 400},
			{"DELETE", u + "/sevenrooms", `{"version": "one"}`, 400},
			{"POST", "/admin/v1/sevenrooms/parse", `{"link": "https://evil.example/x"}`, 400},
			{"POST", "/admin/v1/sevenrooms/merges/not-a-uuid/undo", `{"reason": "x"}`, 400},
			{"POST", "/admin/v1/sevenrooms/merges/not-a-uuid/retry", ``, 400},
			{"POST", "/webhooks/sevenrooms", `{"entity_type": "client"}`, 401},
		}
		// The front office's write routes, as the user Ada.
		userRows := []badRow{
			{"PATCH", "/v1/me", `{"first_name": "NoVersion"}`, 400},
			{"PATCH", "/v1/me", `{"version": 1, "email": "x"}`, 400},
			{"PATCH", "/v1/me", `{"version": 1, "status": "live"}`, 400},
			{"PATCH", "/v1/me", `[]`, 400},
			{"PATCH", "/v1/me", `{"version": 1, "last_name": "Love\u0000lace"}`, 400},
			{"PUT", "/v1/me/password", `{"current_password": "user password 1234", "new_password": "short"}`, 400},
			{"PUT", "/v1/me/password", `{"current_password": "user password 1234", "new_password": "a long new password", "confirm": "x"}`, 400},
			{"PUT", "/v1/me/password", `null`, 400},
			{"PUT", "/v1/me/bank-account", `{"holder": "Ada", "iban": "DE00 1234"}`, 400},
			{"PUT", "/v1/me/bank-account", `{"holder": "   ", "iban": "DE89370400440532013000"}`, 400},
			{"PUT", "/v1/me/bank-account", `{"holder": "Ada\u0000", "iban": "DE89370400440532013000"}`, 400},
			{"PUT", "/v1/me/bank-account", `{"holder": "Ada", "iban": "DE89370400440532013000", "masked": false}`, 400},
			{"POST", "/v1/me/guests", `{"email": "nope", "roles": ["view_payouts"]}`, 400},
			{"POST", "/v1/me/guests", `{"email": "g@example.com", "roles": ["owner"]}`, 400},
			{"POST", "/v1/me/guests", `{"email": "ada@example.com", "roles": ["view_payouts"]}`, 400},
			{"POST", "/v1/me/guest-invitations", `{"token": "no such token"}`, 404},
			{"POST", "/v1/me/guest-invitations", `{"token": "a\u0000"}`, 400},
			{"POST", "/v1/me/guest-invitations", `{}`, 404},
			{"POST", "/v1/me/devices/no-such-phone/revoke", ``, 404},
			{"POST", "/v1/me/email-verification", `{"again": true}`, 400},
			{"POST", "/v1/me/email-change", `{"email": "nope"}`, 400},
			{"POST", "/v1/me/email-change", `{"email": "ada@example.com"}`, 400},
			{"POST", "/v1/me/phone-verification", `[]`, 400},
			{"POST", "/v1/me/phone-verification/check", `{"code": "12"}`, 400},
			{"POST", "/v1/me/phone-verification/check", `{"code": "000000"}`, 409},
		}
		// Every write route has rows: a new one must bring its own.
		mux := http.NewServeMux()
		for _, r := range e.app.Routes() {
			mux.Handle(r.Pattern, http.NotFoundHandler())
		}
		covered := map[string]bool{}
		for _, tc := range append(append([]badRow{}, rows...), userRows...) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if _, pattern := mux.Handler(req); pattern != "" {
				covered[pattern] = true
			}
		}
		for _, r := range e.app.Routes() {
			method, _, _ := strings.Cut(r.Pattern, " ")
			if method != "GET" && r.Pattern != routeAdminLogout && !covered[r.Pattern] {
				t.Errorf("write route %s has no bad-input row", r.Pattern)
			}
		}
		for _, tc := range userRows {
			st, h, raw := user.do(tc.method, tc.path, tc.body)
			var p problem
			if st != tc.status || h.Get("Content-Type") != "application/problem+json" || json.Unmarshal(raw, &p) != nil || p.Code == "" {
				t.Errorf("as the user, %s %s %.60s: %d %s, want %d problem+json", tc.method, tc.path, tc.body, st, raw, tc.status)
			}
		}
		for _, tc := range rows {
			// A versioned PUT gets the current version unless the row is
			// about the version itself, so that the refusal is the field's.
			if tc.method == "PUT" && strings.HasPrefix(tc.path, u+"/") && strings.HasPrefix(tc.body, `{"`) && !strings.Contains(tc.body, `"version"`) {
				tc.body = fmt.Sprintf(`{"version": %v, `, before["version"]) + tc.body[1:]
			}
			t.Run(tc.method+" "+strings.TrimPrefix(tc.path, u)+" "+tc.body[:min(len(tc.body), 40)], func(t *testing.T) {
				st, h, raw := admin.do(tc.method, tc.path, tc.body)
				if st != tc.status || h.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("status %d (%s), want %d problem+json: %.300s", st, h.Get("Content-Type"), tc.status, raw)
				}
				var p problem
				if err := json.Unmarshal(raw, &p); err != nil || p.Code == "" || p.Status != st {
					t.Fatalf("problem document: %s", raw)
				}
			})
		}
		if me := user.json("GET", "/v1/me", nil, 200); me["last_name"] != "Lovelace" || me["version"] != before["version"] {
			t.Fatalf("bad input changed the user's own profile: %v", me)
		}
		if _, err := e.app.users.GetOwnBankAccount(context.Background(), db, uuid.MustParse(uid)); !errors.Is(err, usermgmt.ErrNotFound) {
			t.Fatalf("bad input stored a bank account: %v", err)
		}
		if gs, _ := e.app.users.ListOwnGuests(context.Background(), db, uuid.MustParse(uid)); len(gs) != 0 {
			t.Fatalf("bad input invited guests: %v", gs)
		}
		var operators int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM userdesk_operators").Scan(&operators); err != nil || operators != 1 {
			t.Fatalf("bad input created operators: %d %v", operators, err)
		}
		if gs := admin.json("GET", "/admin/v1/users/"+owner+"/guests", nil, 200)["items"].([]any); gs[0].(map[string]any)["version"].(float64) != 1 {
			t.Fatalf("bad input changed the guest: %v", gs)
		}
		after := admin.json("GET", "/admin/v1/users/"+uid, nil, 200)
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("bad input changed the user:\n%v\n%v", before, after)
		}
		if after := admin.json("GET", "/admin/v1/categories", nil, 200); fmt.Sprint(categoriesBefore) != fmt.Sprint(after) {
			t.Fatalf("bad input changed the categories:\n%v\n%v", categoriesBefore, after)
		}
		if after := admin.json("GET", "/admin/v1/settings", nil, 200); fmt.Sprint(settingsBefore) != fmt.Sprint(after) {
			t.Fatalf("bad input changed the platform settings:\n%v\n%v", settingsBefore, after)
		}
		if after := admin.json("GET", "/admin/v1/users/"+uid+"/referral", nil, 200); fmt.Sprint(referralBefore) != fmt.Sprint(after) {
			t.Fatalf("bad input changed the referral card:\n%v\n%v", referralBefore, after)
		}
		for _, table := range []string{"userdesk_categories", "userdesk_user_categories"} {
			var n int
			if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
				t.Fatalf("bad input changed %s: %d rows, %v", table, n, err)
			}
		}
		if n := admin.json("GET", "/admin/v1/users/"+uid+"/audit", nil, 200)["items"].([]any); len(n) != 3 { // the fee and category sets above, and the SevenRooms link at registration
			t.Fatalf("bad input wrote audit records: %v", n)
		}
	})
}
