package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// fuzzWorld is one API on an SQLite database, with an admin operator and
// a way to make a fresh user for each input.
type fuzzWorld struct {
	h      http.Handler
	a      *API
	db     *bun.DB
	routes []Route
	admin  string // the admin's session token
	n      atomic.Int64
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	db := dbtest.SQLite(f)
	a := newTestApp(f, db)
	w := &fuzzWorld{h: a.Handler(), a: a, db: db, routes: a.Routes()}
	slices.SortFunc(w.routes, func(x, y Route) int { return strings.Compare(x.Pattern, y.Pattern) })
	if _, err := a.users.CreateOperator(context.Background(), db, usermgmt.NewOperator{Name: "Fuzz", Email: "fuzz@ops.test",
		Password: "operator password fuzz", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}}); err != nil {
		f.Fatal(err)
	}
	_, raw := w.serve("POST", "/admin/v1/login", "", `{"email": "fuzz@ops.test", "password": "operator password fuzz"}`)
	w.admin = jsonField(f, raw, "token")
	return w
}

// serve answers one request in process.
func (w *fuzzWorld) serve(method, target, token, body string) (*httptest.ResponseRecorder, []byte) {
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	if rd != nil {
		req = httptest.NewRequest(method, target, rd)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec, rec.Body.Bytes()
}

// user registers a fresh user and logs it in: its id and session token.
func (w *fuzzWorld) user(tb testing.TB) (string, string) {
	i := w.n.Add(1)
	email := fmt.Sprintf("fuzz%d@example.com", i)
	req := httptest.NewRequest("POST", "/v1/register", strings.NewReader(fmt.Sprintf(`{"email": %q, "password": "user password 1234", "first_name": "F", "last_name": "Z",
		"type": "individual", "timezone": "Europe/Paris", "preferred_language": "fr", "roles": ["asker", "offeror"]}`, email)))
	req.Header.Set(testClientAddr, "register:"+email) // the registration rate limit counts by client address
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		tb.Fatalf("register: %d %s", rec.Code, rec.Body.Bytes())
	}
	u, err := w.a.users.FindUserByEmail(context.Background(), w.db, email)
	if err != nil {
		tb.Fatal(err)
	}
	_, raw := w.serve("POST", "/v1/login", "", fmt.Sprintf(`{"email": %q, "password": "user password 1234"}`, email))
	return u.ID.String(), jsonField(tb, raw, "token")
}

func jsonField(tb testing.TB, raw []byte, key string) string {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("not JSON: %q", raw)
	}
	s, ok := m[key].(string)
	if !ok {
		tb.Fatalf("no %q in %s", key, raw)
	}
	return s
}

// checkAnswer asserts what every answer of the API must be: never a 5xx
// (the database is up) but 503 area_unavailable for an area this test
// server does not configure, and every 4xx a problem document with a
// code.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, raw []byte) {
	t.Helper()
	if rec.Code == http.StatusServiceUnavailable && strings.Contains(string(raw), `"code":"area_unavailable"`) {
		return
	}
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, raw)
	}
	if rec.Code >= 400 {
		var p problem
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%s: %d with Content-Type %q: %s", what, rec.Code, ct, raw)
		}
		if err := json.Unmarshal(raw, &p); err != nil || p.Code == "" || p.Status != rec.Code {
			t.Fatalf("%s: %d not a problem document: %s", what, rec.Code, raw)
		}
		return
	}
	if len(raw) > 0 && strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(raw) {
		t.Fatalf("%s: %d invalid JSON: %s", what, rec.Code, raw)
	}
}

// fuzzTarget is route i's path for a fresh user uid.
func (w *fuzzWorld) target(i int, uid string) (method, path string, r Route) {
	r = w.routes[i%len(w.routes)]
	method, path, _ = strings.Cut(r.Pattern, " ")
	path = strings.NewReplacer("{uid}", uid, "{victim}", uid, "{guest}", "0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e",
		"{imp}", "0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e", "{op}", "0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e",
		"{id}", "0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e", "{device}", "no-such-device", "{flag}", "0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e").Replace(path)
	return method, path, r
}

// FuzzWriteRoutes sends arbitrary JSON bodies to every route, as an admin
// for the back office's and as a fresh user for the front office's: no
// body makes the server fail (5xx), hang or answer a 4xx that is not a
// problem document.
func FuzzWriteRoutes(f *testing.F) {
	w := newFuzzWorld(f)
	for i, r := range w.routes {
		row := matrix[r.Pattern]
		body := strings.ReplaceAll(row.body, "{n}", "1")
		if body == "" {
			body = "{}"
		}
		f.Add(uint16(i), []byte(body))
		f.Add(uint16(i), []byte(`{"version": 1, "reason": "a\u0000b", "x": [}`))
		f.Add(uint16(i), []byte(`{"version": -1, "reason": "`+strings.Repeat("é", 3000)+`"}`))
		f.Add(uint16(i), []byte(`null`))
	}
	f.Fuzz(func(t *testing.T, route uint16, body []byte) {
		uid, userToken := w.user(t)
		method, path, r := w.target(int(route), uid)
		if r.Pattern == routeAdminLogout {
			return // it ends the shared admin session
		}
		token := w.admin
		if r.Caller == CallerUser {
			token = userToken
		}
		rec, raw := w.serve(method, path, token, string(body))
		checkAnswer(t, fmt.Sprintf("%s %q", r.Pattern, body), rec, raw)
	})
}

// FuzzQueryStrings sends arbitrary query strings to every GET route as an
// admin (or the user): the answer is a result or a 4xx problem, never a
// 5xx.
func FuzzQueryStrings(f *testing.F) {
	w := newFuzzWorld(f)
	for i, r := range w.routes {
		if strings.HasPrefix(r.Pattern, "GET ") {
			f.Add(uint16(i), "")
			f.Add(uint16(i), "q=ada&sort=name&dir=asc&status=live&languages=fr&limit=5")
			f.Add(uint16(i), "cursor=eyJ2IjoxfQ&limit=0&created_from=2026-13-01")
			f.Add(uint16(i), "q=%00&fees=both&id_verified=maybe&format=pdf&category_id=x")
		}
	}
	f.Fuzz(func(t *testing.T, route uint16, query string) {
		if _, err := url.ParseQuery(query); err != nil && !strings.Contains(err.Error(), "invalid semicolon") {
			// The server must still answer, but httptest.NewRequest
			// cannot build such a target; send it escaped instead.
			query = url.QueryEscape(query)
		}
		if strings.ContainsAny(query, " #\x7f") || bytes.ContainsFunc([]byte(query), func(r rune) bool { return r < 0x20 }) {
			query = url.QueryEscape(query)
		}
		uid, userToken := w.user(t)
		var method, path string
		var r Route
		for k := 0; ; k++ {
			method, path, r = w.target(int(route)+k, uid)
			if method == http.MethodGet {
				break
			}
		}
		token := w.admin
		if r.Caller == CallerUser {
			token = userToken
		}
		rec, raw := w.serve(method, path+"?"+query, token, "")
		checkAnswer(t, fmt.Sprintf("%s?%s", r.Pattern, query), rec, raw)
	})
}
