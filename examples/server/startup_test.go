package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// TestDemoSeed seeds the demo data once, with every case the tour relies
// on, and never seeds a database that has operators.
func TestDemoSeed(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	a := newTestApp(t, db)
	ctx := context.Background()
	var out bytes.Buffer
	seeded, err := a.seedDemo(ctx, &out)
	if err != nil || !seeded {
		t.Fatalf("seed: %v %v", seeded, err)
	}
	for _, email := range []string{"admin@demo.userdesk.test", "support@demo.userdesk.test", "finance@demo.userdesk.test"} {
		if !strings.Contains(out.String(), email) {
			t.Fatalf("operator %s not printed:\n%s", email, out.String())
		}
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM userdesk_users"); n != demoUsers {
		t.Fatalf("%d users", n)
	}
	for what, q := range map[string]string{
		"in review":                  "SELECT count(*) FROM userdesk_users WHERE status = 'in_review'",
		"invalidated":                "SELECT count(*) FROM userdesk_users WHERE status = 'invalidated'",
		"organizations":              "SELECT count(*) FROM userdesk_users WHERE user_type = 'organization'",
		"both roles":                 "SELECT count(*) FROM (SELECT user_id FROM userdesk_user_roles GROUP BY user_id HAVING count(*) = 2) AS b",
		"fees customized with zero":  "SELECT count(*) FROM userdesk_users WHERE fee_offeror_percent = '0'",
		"fees customized, empty":     "SELECT count(*) FROM userdesk_users WHERE fee_asker_percent IS NOT NULL AND fee_offeror_percent IS NULL",
		"use standard, kept":         "SELECT count(*) FROM userdesk_users WHERE fee_use_standard AND fee_asker_percent IS NOT NULL",
		"categories":                 "SELECT count(*) FROM userdesk_user_categories",
		"guests":                     "SELECT count(*) FROM userdesk_guests",
		"bank accounts":              "SELECT count(*) FROM userdesk_bank_accounts",
		"psp":                        "SELECT count(*) FROM userdesk_users WHERE psp_provider <> ''",
		"listings":                   "SELECT count(*) FROM userdesk_users WHERE listings_count > 0",
		"languages beyond one":       "SELECT count(*) FROM userdesk_user_languages WHERE language = 'en'",
		"pictures":                   "SELECT count(*) FROM userdesk_users WHERE picture_url LIKE 'http://front.test/demo/pictures/%.svg'",
		"accepted guests":            "SELECT count(*) FROM userdesk_guests WHERE accepted_at IS NOT NULL AND guest_user_id IS NOT NULL",
		"users created a year ago":   "SELECT count(*) FROM userdesk_users WHERE created_at < '" + time.Now().AddDate(-1, 0, 0).UTC().Format("2006-01-02") + "'",
		"users created this month":   "SELECT count(*) FROM userdesk_users WHERE created_at > '" + time.Now().AddDate(0, -1, 0).UTC().Format("2006-01-02") + "'",
		"the letter Ø":               "SELECT count(*) FROM userdesk_users WHERE last_name LIKE 'Ø%'",
		"the letter Ł":               "SELECT count(*) FROM userdesk_users WHERE first_name LIKE 'Ł%'",
		"the letter ı":               "SELECT count(*) FROM userdesk_users WHERE last_name LIKE '%ı%'",
		"the letter ß":               "SELECT count(*) FROM userdesk_users WHERE last_name LIKE '%ß%'",
		"referral accounts for all":  "SELECT count(*) FROM userdesk_referral_accounts HAVING count(*) = " + strconv.Itoa(demoUsers),
		"referred users":             "SELECT count(*) FROM userdesk_referral_accounts WHERE referrer_id IS NOT NULL",
		"referral trees (depth 2)":   "SELECT count(*) FROM userdesk_referral_accounts a JOIN userdesk_referral_accounts p ON p.user_id = a.referrer_id WHERE p.referrer_id IS NOT NULL",
		"rewarded referrals":         "SELECT count(*) FROM userdesk_referral_accounts WHERE referral_status = 'rewarded'",
		"credits consumed":           "SELECT count(*) FROM userdesk_referral_credit_entries WHERE kind = 'consumed'",
		"credits stepped":            "SELECT count(*) FROM userdesk_referral_credit_entries WHERE kind = 'operator_step'",
		"credits set":                "SELECT count(*) FROM userdesk_referral_credit_entries WHERE kind = 'operator_set'",
		"credits granted":            "SELECT count(*) FROM userdesk_referral_credit_entries WHERE kind = 'granted'",
		"past App reservations":      "SELECT count(*) FROM userdesk_reservations WHERE channel = 'app' AND visit_at < '" + time.Now().UTC().Format("2006-01-02") + "'",
		"future App reservations":    "SELECT count(*) FROM userdesk_reservations WHERE channel = 'app' AND visit_at > '" + time.Now().AddDate(0, 0, 1).UTC().Format("2006-01-02") + "'",
		"Bot reservations":           "SELECT count(*) FROM userdesk_reservations WHERE channel = 'bot' AND bot_kind = 'whatsapp'",
		"other channels":             "SELECT count(*) FROM userdesk_reservations WHERE channel IN ('web', 'back_office')",
		"events for every user":      "SELECT count(*) FROM (SELECT user_id FROM userdesk_events GROUP BY user_id HAVING count(*) >= 20) AS e HAVING count(*) = " + strconv.Itoa(demoUsers),
		"users with over 200 events": "SELECT count(*) FROM (SELECT user_id FROM userdesk_events GROUP BY user_id HAVING count(*) > 200) AS e",
		"previous devices":           "SELECT count(*) FROM userdesk_devices WHERE device_id LIKE 'demo-old-phone-%'",
		"bot devices":                "SELECT count(*) FROM userdesk_devices WHERE kind = 'whatsapp'",
	} {
		if count(q) == 0 {
			t.Errorf("demo data has no %s", what)
		}
	}
	// A demo user logs in with the documented password (and its cheap hash
	// is upgraded).
	var email string
	if err := db.QueryRowContext(ctx, "SELECT email FROM userdesk_users WHERE status = 'live' LIMIT 1").Scan(&email); err != nil {
		t.Fatal(err)
	}
	if _, err := a.users.Authenticate(ctx, db, email, demoUserPassword); err != nil {
		t.Fatalf("demo user login: %v", err)
	}
	// A demo fee situation quotes.
	var f fees.Mode = fees.Customized
	q := usermgmt.ListQuery{Fees: &f, Limit: 1}
	admin, _ := a.users.AuthenticateOperator(ctx, db, "admin@demo.userdesk.test", strings.Fields(out.String()[strings.Index(out.String(), "admin@demo"):])[1])
	if admin == nil {
		t.Fatal("the printed admin password does not log in")
	}
	if page, err := a.users.ListUsers(ctx, db, admin.ID, q); err != nil || len(page.Items) != 1 {
		t.Fatalf("customized fees: %v %v", page, err)
	}
	if seeded, err := a.seedDemo(ctx, io.Discard); err != nil || seeded {
		t.Fatalf("second seed: %v %v", seeded, err)
	}
	if n := count("SELECT count(*) FROM userdesk_users"); n != demoUsers {
		t.Fatalf("reseeded: %d users", n)
	}
}

// TestBootstrapAdmin creates the first admin from the environment, once.
func TestBootstrapAdmin(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	ctx := context.Background()
	a := newTestApp(t, db)
	a.cfg.adminEmail, a.cfg.adminPassword = "root@company.test", "a long bootstrap passphrase"
	if err := a.bootstrapAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	op, err := a.users.AuthenticateOperator(ctx, db, "root@company.test", "a long bootstrap passphrase")
	if err != nil || !a.users.Can(op, usermgmt.PermEditSettings) {
		t.Fatalf("bootstrap admin: %v", err)
	}
	// A later start with other values never overwrites or adds.
	a.cfg.adminEmail, a.cfg.adminPassword = "other@company.test", "another long passphrase"
	if err := a.bootstrapAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.users.CountOperators(ctx, db); n != 1 {
		t.Fatalf("%d operators", n)
	}
	if _, err := a.users.AuthenticateOperator(ctx, db, "root@company.test", "a long bootstrap passphrase"); err != nil {
		t.Fatal("the first admin was changed")
	}
}

// TestKeysFile: keys are generated once for a SQLite demo and read back at
// the next start; PostgreSQL without keys is refused.
func TestKeysFile(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := filepath.Join(t.TempDir(), "x.db.keys.json")
	c1 := config{keysFile: path}
	if err := loadKeys(&c1, log); err != nil || len(c1.bankKey) != 32 || len(c1.signingKey) != 32 {
		t.Fatalf("generate: %v", err)
	}
	c2 := config{keysFile: path}
	if err := loadKeys(&c2, log); err != nil || !bytes.Equal(c1.bankKey, c2.bankKey) || !bytes.Equal(c1.signingKey, c2.signingKey) {
		t.Fatalf("read back: %v", err)
	}
	if err := loadKeys(&config{db: "postgres://x/y"}, log); err == nil {
		t.Fatal("PostgreSQL without keys was accepted")
	}
	explicit := config{bankKey: bytes.Repeat([]byte{1}, 32), signingKey: bytes.Repeat([]byte{2}, 32)}
	if err := loadKeys(&explicit, log); err != nil {
		t.Fatal(err)
	}
}

// TestDemoPicturesAndPasswordReset: the demo pictures are served, and
// -reset-demo-passwords gives the demo operators new passwords that work
// (the old ones stop working).
func TestDemoPicturesAndPasswordReset(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	a := newTestApp(t, db)
	ctx := context.Background()
	var first bytes.Buffer
	if _, err := a.seedDemo(ctx, &first); err != nil {
		t.Fatal(err)
	}
	old := strings.Fields(first.String()[strings.Index(first.String(), "support@demo"):])[1]
	var out bytes.Buffer
	if err := a.resetDemoPasswords(ctx, &out); err != nil {
		t.Fatal(err)
	}
	fresh := strings.Fields(out.String()[strings.Index(out.String(), "support@demo"):])[1]
	if _, err := a.users.AuthenticateOperator(ctx, db, "support@demo.userdesk.test", fresh); err != nil {
		t.Fatalf("new password: %v\n%s", err, out.String())
	}
	if _, err := a.users.AuthenticateOperator(ctx, db, "support@demo.userdesk.test", old); err == nil {
		t.Fatal("the old password still works")
	}
	ts := httptest.NewServer(a.routes())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/demo/pictures/5.svg")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(body), "<svg") {
		t.Fatalf("picture: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(ts.URL + "/demo/pictures/x.svg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown picture: %d", resp.StatusCode)
	}
}

// TestSeedingSkippedIsSaid: with the bootstrap-admin variables set, the
// server says that demo seeding was skipped and why, and never logs the
// bootstrap admin's email.
func TestSeedingSkippedIsSaid(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"USERDESK_DB": filepath.Join(t.TempDir(), "u.db"), "USERDESK_ADMIN_EMAIL": "root@secret-company.test", "USERDESK_ADMIN_PASSWORD": "a long bootstrap passphrase"}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	w := &syncWriter{w: &out}
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-demo=true"}, func(k string) string { return env[k] }, w, ready)
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("server ended: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !strings.Contains(out.String(), "Demo seeding skipped: USERDESK_ADMIN_EMAIL is set") {
		t.Fatalf("no word of the skipped seeding:\n%s", out.String())
	}
	if strings.Contains(out.String(), "secret-company") {
		t.Fatalf("the bootstrap admin's email is in the output:\n%s", out.String())
	}
}

// TestDebugServer: -debug-addr serves Go's profiler on its own listener,
// and the public handler does not.
func TestDebugServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := debugServer(ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("profiler: %d %q", resp.StatusCode, body)
	}
	a := newTestApp(t, dbtest.SQLite(t))
	rec := httptest.NewRecorder()
	a.routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("the public handler answers /debug/pprof/ with %d", rec.Code)
	}
}
