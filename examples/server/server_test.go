package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newTestApp builds the server's app on db with fresh keys, the way run
// does, without demo data.
func newTestApp(t *testing.T, db *bun.DB) *app {
	t.Helper()
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	cfg := config{sessionTTL: time.Hour, impersonationTTL: 15 * time.Minute, audience: "http://front.test", bankKey: key(), signingKey: key()}
	a, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func post(t *testing.T, url, body string) (int, string, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON: %q", raw)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

// TestRunServesAndShutsDown starts the real server on an embedded SQLite
// file, the way `go run ./examples/server` does, calls it, and stops it.
func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	dbPath := filepath.Join(t.TempDir(), "userdesk.db")
	env := map[string]string{"USERDESK_DB": dbPath}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-demo=false"}, func(k string) string { return env[k] }, &syncWriter{w: &out}, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server ended before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server not ready")
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}
	// The back office's pages live under /admin/, the JSON API under
	// /admin/v1/ beside them.
	for path, want := range map[string]string{"/admin/login": "text/html", "/admin/v1/users": "application/problem+json", "/admin/nowhere": "text/html"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
			t.Errorf("GET %s: %d %s, want %s", path, resp.StatusCode, ct, want)
		}
	}
	status, _, q := post(t, "http://"+addr+"/v1/fees/quote", `{"price":"100","currency":"EUR","override":{"asker_percent":"20","asker_fixed":"50","offeror_percent":"5","offeror_fixed":"10"}}`)
	if status != 200 || q["customer_total"] != "170.00" {
		t.Fatalf("quote: %d %v", status, q)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"USERDESK_ADDR": "0.0.0.0:9000", "USERDESK_DB": "postgres://x/y"}
	getenv := func(k string) string { return env[k] }
	c, err := parseConfig(nil, getenv, io.Discard)
	if err != nil || c.addr != "0.0.0.0:9000" || c.db != "postgres://x/y" || c.demo || c.keysFile != "" {
		t.Fatalf("from env: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"-addr", ":1", "-db", "a.db"}, getenv, io.Discard)
	if err != nil || c.addr != ":1" || c.db != "a.db" {
		t.Fatalf("flags win: %+v %v", c, err)
	}
	c, err = parseConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil || c.addr != "127.0.0.1:8080" || c.db != "userdesk.db" || !c.demo || c.keysFile != "userdesk.db.keys.json" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	if _, err := parseConfig([]string{"-nope"}, getenv, io.Discard); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

// syncWriter serialises writes from the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
