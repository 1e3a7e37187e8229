package api

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestUnknownRoutesAreProblems: a path no route serves and a method a
// route does not take answer problem documents.
func TestUnknownRoutesAreProblems(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/nowhere", 404, "route_not_found", ""},
		{"GET", "/admin/v1/users/0192f0c4-5e0a-7b3c-9d1e-2f3a4b5c6d7e/nothing", 404, "route_not_found", ""},
		{"DELETE", "/admin/v1/settings", 405, "method_not_allowed", "GET, HEAD, PUT"},
		{"POST", "/healthz", 405, "method_not_allowed", "GET, HEAD"},
	} {
		st, h, raw := e.anon.do(tc.method, tc.path, nil)
		var p problem
		if err := json.Unmarshal(raw, &p); err != nil || st != tc.status || p.Code != tc.code || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s %s", tc.method, tc.path, st, h.Get("Content-Type"), raw)
		}
		if tc.allow != "" && h.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, h.Get("Allow"), tc.allow)
		}
	}
}

// TestPathUUIDsMustBeCanonical: other spellings of a user's UUID are
// refused, naming the parameter.
func TestPathUUIDsMustBeCanonical(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	admin := e.operator(usermgmt.RoleAdmin)
	id := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
	admin.json("GET", "/admin/v1/users/"+id, nil, 200)
	for _, spelling := range []string{strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id, strings.ReplaceAll(id, "-", ""), "not-a-uuid", id + "0"} {
		p := admin.json("GET", "/admin/v1/users/"+spelling, nil, 400)
		if p["code"] != "invalid_path_parameter" || !strings.Contains(fmt.Sprint(p["errors"]), "uid") {
			t.Errorf("%s: %v", spelling, p)
		}
		// Authentication comes first: without a session, or with a
		// forged one, the path's validity is not told.
		for _, c := range []*client{e.anon, e.anon.as("forged-token")} {
			if p := c.json("GET", "/admin/v1/users/"+spelling, nil, 401); p["code"] != "unauthenticated" {
				t.Errorf("%s without a session: %v", spelling, p)
			}
		}
	}
	for _, c := range []*client{e.anon, e.anon.as("forged-token")} {
		c.json("GET", "/admin/v1/users/"+id, nil, 401)
	}
}

// TestOversizedBodyIsReadable413: a client that sends a whole 8 MiB body
// at once (no Expect: 100-continue) reads the 413 problem document, with
// the standard client and over a raw connection.
func TestOversizedBodyIsReadable413(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, dbtest.SQLite(t))
	body := `{"reason": "` + strings.Repeat("x", 8<<20) + `"}`
	for range 3 {
		st, ctype, p := post(t, ts.URL+"/v1/register", body)
		if st != 413 || ctype != "application/problem+json" || p["code"] != "body_too_large" {
			t.Fatalf("client: %d %s %v", st, ctype, p)
		}
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := fmt.Sprintf("POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("the server reset the connection while the body was sent: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no readable answer: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.Contains(string(raw), "body_too_large") {
		t.Fatalf("raw: %d %s", resp.StatusCode, raw)
	}
}

// TestChunkedOversizedBodyIs413: a chunked body (no Content-Length) over
// the limit, sent whole over a raw connection without waiting, is
// answered 413 body_too_large as a problem document the client reads in
// full, and the server closes the connection after it; a route whose
// handler reads no body refuses it the same way. A chunked body under the
// limit is served as usual.
func TestChunkedOversizedBodyIs413(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, dbtest.SQLite(t))
	chunked := func(path, body string, chunk int) (*http.Response, []byte, error) {
		t.Helper()
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		sent := make(chan error, 1)
		go func() {
			w := bufio.NewWriter(conn)
			fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", path)
			for rest := body; rest != ""; {
				n := min(chunk, len(rest))
				fmt.Fprintf(w, "%x\r\n%s\r\n", n, rest[:n])
				rest = rest[n:]
			}
			io.WriteString(w, "0\r\n\r\n")
			sent <- w.Flush()
		}()
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, nil, err
		}
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, nil, err
		}
		if err := <-sent; err != nil {
			t.Errorf("%s: the server reset the connection while the body was sent: %v", path, err)
		}
		if resp.Close {
			// The server said it closes: the connection must end
			// cleanly after the answer, with nothing more on it.
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if extra, err := io.ReadAll(br); err != nil || len(extra) != 0 {
				t.Errorf("%s: after the answer: %q %v", path, extra, err)
			}
		}
		return resp, raw, nil
	}
	big := `{"reason": "` + strings.Repeat("x", 8<<20) + `"}`
	for _, path := range []string{"/v1/register", "/v1/logout", "/no/such/route"} {
		resp, raw, err := chunked(path, big, 32<<10)
		if err != nil {
			t.Fatalf("%s: no readable answer: %v", path, err)
		}
		if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(raw), `"body_too_large"`) || !resp.Close {
			t.Errorf("%s: %d %s close=%v %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Close, raw)
		}
	}
	// Just over the limit, in one chunk.
	resp, raw, err := chunked("/v1/register", `{"reason": "`+strings.Repeat("x", DefaultMaxBodyBytes)+`"}`, DefaultMaxBodyBytes+100)
	if err != nil || resp.StatusCode != 413 {
		t.Fatalf("just over: %v %v %s", err, resp, raw)
	}
	// Under the limit: the handler sees the whole body.
	resp, raw, err = chunked("/v1/register", `{"email": "chunked@example.com", "password": "user password 1234", "first_name": "Ada", "last_name": "Lovelace", "phone": "+447700900001", "type": "individual", "spoken_languages": ["fr"], "preferred_language": "fr", "timezone": "Europe/Paris", "roles": ["asker"]}`, 7)
	if err != nil || resp.StatusCode == 413 || resp.StatusCode >= 500 {
		t.Fatalf("small chunked body: %v %v %s", err, resp, raw)
	}
	if resp.StatusCode != 202 { // registration's answer, the same whether or not the address had an account
		t.Errorf("small chunked body: %d %s", resp.StatusCode, raw)
	}
}

// TestDatabaseDownIs503: with the database gone, an authenticated
// request gets 503 database_unavailable with Retry-After, not 401.
func TestDatabaseDownIs503(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		e := newE2E(t, db)
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		me := e.anon.as(e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)["token"].(string))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who          *client
			method, path string
		}{
			{admin, "GET", "/admin/v1/users/" + uid},
			{admin, "GET", "/admin/v1/users"},
			{me, "GET", "/v1/me"},
			{e.anon, "POST", "/v1/login"},
		} {
			st, h, raw := c.who.do(c.method, c.path, `{"email": "ada@example.com", "password": "user password 1234"}`)
			if st != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(raw), "database_unavailable") {
				t.Errorf("%s %s: %d %s", c.method, c.path, st, raw)
			}
		}
	})
}

// TestImpersonationKeysVerifyTokens: a token issued by the server verifies
// outside this codebase's verifier with the published PASERK key, its key
// id and the documented implicit assertion, and fails without the
// assertion.
func TestImpersonationKeysVerifyTokens(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	support := e.operator(usermgmt.RoleSupport)
	uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
	tok := support.json("POST", "/admin/v1/users/"+uid+"/impersonations", map[string]string{"reason": "ticket 1"}, 201)["token"].(string)
	pub := e.anon.json("GET", "/.well-known/userdesk/impersonation-keys", nil, 200)
	if pub["implicit_assertion"] != ImplicitAssertion {
		t.Fatalf("keys: %v", pub)
	}
	keys := pub["keys"].([]any)
	k := keys[0].(map[string]any)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(k["paserk"].(string), "k4.public."))
	if err != nil || !strings.HasPrefix(k["paserk"].(string), "k4.public.") {
		t.Fatalf("paserk: %v", k)
	}
	key, err := paseto.NewV4AsymmetricPublicKeyFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	footer, _ := base64.RawURLEncoding.DecodeString(parts[3])
	var f struct{ Kid string }
	if err := json.Unmarshal(footer, &f); err != nil || f.Kid != k["kid"] {
		t.Fatalf("footer %s names another key than %v", footer, k["kid"])
	}
	parser := paseto.NewParserWithoutExpiryCheck()
	got, err := parser.ParseV4Public(key, tok, []byte(ImplicitAssertion))
	if err != nil {
		t.Fatalf("does not verify with the published key and assertion: %v", err)
	}
	if sub, _ := got.GetSubject(); sub != uid {
		t.Fatalf("sub %q", sub)
	}
	aud, _ := got.GetAudience()
	if aud != "http://front.test" {
		t.Fatalf("aud %q", aud)
	}
	if _, err := parser.ParseV4Public(key, tok, nil); err == nil {
		t.Fatal("verifies without the implicit assertion")
	}
	_ = uuid.MustParse(uid)
	_ = context.Background()
}

// TestKilledBackendsNever401: on PostgreSQL, with every backend of the
// pool killed under the server, requests with valid credentials answer
// 200 or 503, never 401 or 500.
func TestKilledBackendsNever401(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		if db.Dialect().Name().String() != "pg" {
			return // SQLite has no backends to kill; TestDatabaseDownIs503 covers it
		}
		e := newE2E(t, db)
		admin := e.operator(usermgmt.RoleAdmin)
		uid := e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
		ctx := context.Background()
		killer, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer killer.Close()
		for round := range 5 {
			if _, err := killer.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/admin/v1/users/" + uid, "/admin/v1/users", "/admin/v1/settings"} {
				st, _, raw := admin.do("GET", path, nil)
				if st != 200 && st != 503 {
					t.Fatalf("round %d, GET %s after the kill: %d %s", round, path, st, raw)
				}
			}
		}
	})
}
