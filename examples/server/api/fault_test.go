package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// The fault-injection tests run a bounded mixed write load through the
// server while the database fails under it (PostgreSQL: its backends are
// terminated at random moments; SQLite: another process holds the
// database file's write lock), then check what the issue "Reliability you
// can rerun" asks: every acknowledged write is in the database, nothing is
// half-written (each change and its audit record, each credit step and
// its ledger entry, commit together), no request hung, and every failed
// request was answered 503 with a problem document and Retry-After — never
// 401, never 500.

// faultLoad is the duration of the write load.
const faultLoad = 6 * time.Second

// faultTally counts what one kind of write got, per user.
type faultTally struct {
	mu    sync.Mutex
	acked map[string]int // "uid action" → 2xx answers
	maybe map[string]int // "uid action" → 503 answers (committed or not)
	fails []string       // answers that break the rules
	n503  int
}

func (f *faultTally) add(key string, status int, what string, raw []byte, h http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case status >= 200 && status < 300:
		f.acked[key]++
	case status == http.StatusServiceUnavailable:
		f.maybe[key]++
		f.n503++
		var p problem
		if err := json.Unmarshal(raw, &p); err != nil || p.Code != "database_unavailable" || h.Get("Retry-After") == "" ||
			!strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			f.fails = append(f.fails, fmt.Sprintf("%s: 503 without a problem document and Retry-After: %q %s", what, h, raw))
		}
	default:
		f.fails = append(f.fails, fmt.Sprintf("%s: %d %s", what, status, raw))
	}
}

// faultWorld is the server under test and its fixtures.
type faultWorld struct {
	t       *testing.T
	db      *bun.DB
	base    string
	client  *http.Client
	admin   string
	users   []uuid.UUID
	guests  map[uuid.UUID]uuid.UUID
	cats    [2]uuid.UUID
	tally   *faultTally
	credits map[uuid.UUID]int // acknowledged credit steps (each key retried to success)
	cmu     sync.Mutex
}

func newFaultWorld(t *testing.T, db *bun.DB, nUsers int) *faultWorld {
	t.Helper()
	ctx := context.Background()
	a := newTestApp(t, db)
	ts := httptest.NewServer(a.Handler())
	t.Cleanup(ts.Close)
	w := &faultWorld{t: t, db: db, base: ts.URL, client: &http.Client{Timeout: 30 * time.Second}, guests: map[uuid.UUID]uuid.UUID{},
		tally: &faultTally{acked: map[string]int{}, maybe: map[string]int{}}, credits: map[uuid.UUID]int{}}
	s := a.users
	op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Fault", Email: "fault@ops.test", Password: "operator password fault", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	for i, slug := range []string{"restaurant", "hotel"} {
		c, err := s.CreateCategory(ctx, db, op.ID, slug, slug)
		if err != nil {
			t.Fatal(err)
		}
		w.cats[i] = c.ID
	}
	st, _, raw := w.do("POST", "/admin/v1/login", "", `{"email": "fault@ops.test", "password": "operator password fault"}`)
	if st != 200 {
		t.Fatalf("login: %d %s", st, raw)
	}
	w.admin = jsonField(t, raw, "token")
	for i := range nUsers {
		email := fmt.Sprintf("fault%d@example.com", i)
		req, _ := http.NewRequest("POST", w.base+"/v1/register", strings.NewReader(fmt.Sprintf(`{"email": %q, "password": "user password 1234",
			"first_name": "F", "last_name": "Z", "type": "individual", "timezone": "Europe/Paris", "preferred_language": "fr", "roles": ["asker", "offeror"]}`, email)))
		req.Header.Set(testClientAddr, "register:"+email)
		resp, err := w.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("register: %d", resp.StatusCode)
		}
		u, err := s.FindUserByEmail(ctx, db, email)
		if err != nil {
			t.Fatal(err)
		}
		id := u.ID
		w.users = append(w.users, id)
		g, _, err := s.InviteGuest(ctx, db, id, usermgmt.GuestInvite{Email: fmt.Sprintf("guest%d@example.com", i), Roles: []usermgmt.GuestRole{usermgmt.GuestViewPayouts}})
		if err != nil {
			t.Fatal(err)
		}
		w.guests[id] = g.ID
	}
	return w
}

func (w *faultWorld) do(method, path, token, body string) (int, http.Header, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.t.Errorf("%s %s: no answer (hung or dropped): %v", method, path, err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

// userState is what a worker knows of its user.
type userState struct {
	version int64
	status  string
	cats    int // index of the category set last written
	// The user's one guest: its version and whether it may view payouts
	// (else it manages bookings).
	guestVersion int64
	guestPayouts bool
}

// refresh reads the user's state after a write whose fate is unknown,
// retrying while the database is down.
func (w *faultWorld) refresh(ctx context.Context, id uuid.UUID, st *userState) {
	for {
		code, h, raw := w.do("GET", "/admin/v1/users/"+id.String(), w.admin, "")
		if code == 200 {
			var u struct {
				Version    int64  `json:"version"`
				Status     string `json:"status"`
				Categories []struct {
					ID uuid.UUID `json:"id"`
				} `json:"categories"`
				Guests []struct {
					Version int64    `json:"version"`
					Roles   []string `json:"roles"`
				} `json:"guests"`
			}
			if err := json.Unmarshal(raw, &u); err != nil {
				w.t.Fatalf("user: %s", raw)
			}
			st.version, st.status = u.Version, u.Status
			if len(u.Guests) == 1 {
				st.guestVersion = u.Guests[0].Version
				st.guestPayouts = slices.Contains(u.Guests[0].Roles, string(usermgmt.GuestViewPayouts))
			}
			st.cats = -1
			if len(u.Categories) == 1 {
				for i, c := range w.cats {
					if c == u.Categories[0].ID {
						st.cats = i
					}
				}
			}
			return
		}
		w.tally.add(id.String()+" read", code, "refresh", raw, h)
		if code != http.StatusServiceUnavailable {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// work drives writes about ids until ctx ends: status, fees, categories,
// guest roles (versioned, audited), credit steps (idempotent, ledgered)
// and the library's counters.
func (w *faultWorld) work(ctx context.Context, users *usermgmt.Service, ids []uuid.UUID, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	state := map[uuid.UUID]*userState{}
	for _, id := range ids {
		state[id] = &userState{}
		w.refresh(ctx, id, state[id])
	}
	n := 0
	for ctx.Err() == nil {
		n++
		id := ids[rng.IntN(len(ids))]
		st := state[id]
		uid := id.String()
		var method, path, body, action string
		switch rng.IntN(6) {
		case 5:
			role := usermgmt.GuestViewPayouts
			if st.guestPayouts {
				role = usermgmt.GuestManageBookings
			}
			method, path, action = "PATCH", "/admin/v1/users/"+uid+"/guests/"+w.guests[id].String(), usermgmt.ActionGuestUpdate
			body = fmt.Sprintf(`{"version": %d, "roles": [%q]}`, st.guestVersion, role)
		case 0:
			next := map[string]string{"live": "in_review", "in_review": "live", "invalidated": "live"}[st.status]
			method, path, action = "PUT", "/admin/v1/users/"+uid+"/status", usermgmt.ActionStatusChange
			body = fmt.Sprintf(`{"version": %d, "status": %q, "reason": "fault %d"}`, st.version, next, n)
		case 1:
			method, path, action = "PUT", "/admin/v1/users/"+uid+"/fees", usermgmt.ActionFeesSet
			body = fmt.Sprintf(`{"version": %d, "asker_percent": "%d.%02d"}`, st.version, n%50, seed%100)
		case 2:
			next := (st.cats + 1) % 2
			if st.cats < 0 {
				next = 0
			}
			method, path, action = "PUT", "/admin/v1/users/"+uid+"/categories", usermgmt.ActionCategoriesSet
			body = fmt.Sprintf(`{"version": %d, "category_ids": [%q]}`, st.version, w.cats[next])
		case 3:
			key := fmt.Sprintf("fault-%d-%d", seed, n)
			for {
				code, h, raw := w.do("POST", "/admin/v1/users/"+uid+"/referral/credit-steps", w.admin, fmt.Sprintf(`{"delta": 1, "reason": "fault", "idempotency_key": %q}`, key))
				if code == http.StatusServiceUnavailable {
					w.tally.add(uid+" credits-retry", code, "credit step", raw, h)
					time.Sleep(20 * time.Millisecond)
					continue // the same key: applied once whatever happened
				}
				if code != 200 {
					w.tally.add(uid+" credits", code, "credit step", raw, h)
				} else {
					w.cmu.Lock()
					w.credits[id]++
					w.cmu.Unlock()
				}
				break
			}
			continue
		case 4:
			_, err := users.AdjustCounters(ctx, w.db, id, usermgmt.CounterDelta{Listings: 1})
			code := 200
			if err != nil {
				if ctx.Err() != nil {
					// The load ended during the call: its increment
					// may have committed all the same.
					w.tally.mu.Lock()
					w.tally.maybe[uid+" counters"]++
					w.tally.mu.Unlock()
					return
				}
				if !isDatabaseUnavailable(err) {
					w.tally.add(uid+" counters", 500, "AdjustCounters", []byte(err.Error()), nil)
					continue
				}
				code = 503
				w.tally.mu.Lock()
				w.tally.maybe[uid+" counters"]++
				w.tally.mu.Unlock()
				continue
			}
			w.tally.mu.Lock()
			w.tally.acked[uid+" counters"] += code / 200
			w.tally.mu.Unlock()
			continue
		}
		code, h, raw := w.do(method, path, w.admin, body)
		if code == 0 {
			return
		}
		if code == http.StatusConflict {
			// Only after a 503 whose write committed: re-read.
			w.refresh(ctx, id, st)
			continue
		}
		w.tally.add(uid+" "+action, code, method+" "+path, raw, h)
		if code == 200 {
			var out struct {
				Version int64 `json:"version"`
			}
			_ = json.Unmarshal(raw, &out)
			if action == usermgmt.ActionGuestUpdate {
				// The answer is the guest's; re-read the user's state.
				w.refresh(ctx, id, st)
				continue
			}
			st.version = out.Version
			switch action {
			case usermgmt.ActionStatusChange:
				st.status = map[string]string{"live": "in_review", "in_review": "live", "invalidated": "live"}[st.status]
			case usermgmt.ActionCategoriesSet:
				st.cats = map[int]int{-1: 0, 0: 1, 1: 0}[st.cats]
			}
			if out.Version == 0 {
				w.refresh(ctx, id, st)
			}
		} else {
			w.refresh(ctx, id, st)
		}
	}
}

// run drives the load with four workers while fault runs, then checks
// the database.
func (w *faultWorld) run(users *usermgmt.Service, fault func(ctx context.Context)) {
	t := w.t
	ctx, cancel := context.WithTimeout(context.Background(), faultLoad)
	defer cancel()
	var wg sync.WaitGroup
	const workers = 4
	for i := range workers {
		var mine []uuid.UUID
		for j := i; j < len(w.users); j += workers {
			mine = append(mine, w.users[j])
		}
		wg.Go(func() { w.work(ctx, users, mine, uint64(i+1)) })
	}
	faultDone := make(chan struct{})
	go func() { defer close(faultDone); fault(ctx) }()
	wg.Wait()
	<-faultDone

	tl := w.tally
	for _, f := range tl.fails {
		t.Error(f)
	}
	if tl.n503 == 0 {
		t.Error("no request met the fault: the test proved nothing")
	}
	var acked int
	for _, n := range tl.acked {
		acked += n
	}
	t.Logf("%d writes acknowledged, %d answers 503", acked, tl.n503)
	bg := context.Background()
	for _, id := range w.users {
		uid := id.String()
		for _, action := range []string{usermgmt.ActionStatusChange, usermgmt.ActionFeesSet, usermgmt.ActionCategoriesSet, usermgmt.ActionGuestUpdate} {
			n64, err := w.db.NewSelect().Table("userdesk_audit_log").Where("user_id = ? AND action = ?", id, action).Count(bg)
			if err != nil {
				t.Fatal(err)
			}
			key, n := uid+" "+action, int(n64)
			if n < tl.acked[key] || n > tl.acked[key]+tl.maybe[key] {
				t.Errorf("%s: %d audit records for %d acknowledged and %d unknown writes", key, n, tl.acked[key], tl.maybe[key])
			}
		}
		// The status is the one its last audit record says.
		var status, after string
		if err := w.db.NewSelect().Table("userdesk_users").Column("status").Where("id = ?", id).Scan(bg, &status); err != nil {
			t.Fatal(err)
		}
		err := w.db.NewSelect().Table("userdesk_audit_log").Column("after").Where("user_id = ? AND action = ?", id, usermgmt.ActionStatusChange).
			OrderExpr("at DESC, id DESC").Limit(1).Scan(bg, &after)
		if err == nil && !strings.Contains(after, `"`+status+`"`) {
			t.Errorf("%s: status %s but its last status audit says %s", uid, status, after)
		}
		var listings int
		if err := w.db.NewSelect().Table("userdesk_users").Column("listings_count").Where("id = ?", id).Scan(bg, &listings); err != nil {
			t.Fatal(err)
		}
		if key := uid + " counters"; listings < tl.acked[key] || listings > tl.acked[key]+tl.maybe[key] {
			t.Errorf("%s: listings %d for %d acknowledged and %d unknown increments", uid, listings, tl.acked[key], tl.maybe[key])
		}
		// Credits: every step was retried with its key until answered,
		// so the balance is exactly the acknowledged steps, and the
		// ledger sums to it.
		var balance, ledger, steps int64
		if err := w.db.NewSelect().Table("userdesk_referral_accounts").Column("balance").Where("user_id = ?", id).Scan(bg, &balance); err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if err := w.db.NewSelect().Table("userdesk_referral_credit_entries").ColumnExpr("COALESCE(SUM(amount), 0)").Where("user_id = ?", id).Scan(bg, &ledger); err != nil {
			t.Fatal(err)
		}
		if err := w.db.NewSelect().Table("userdesk_referral_credit_entries").ColumnExpr("count(*)").Where("user_id = ? AND kind = 'operator_step'", id).Scan(bg, &steps); err != nil {
			t.Fatal(err)
		}
		if balance != ledger || steps != int64(w.credits[id]) {
			t.Errorf("%s: balance %d, ledger sum %d, %d step entries for %d acknowledged steps", uid, balance, ledger, steps, w.credits[id])
		}
	}
}

// TestFaultInjectionPostgres terminates the test database's backends at
// random moments (its own database only) during the write load.
func TestFaultInjectionPostgres(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	w := newFaultWorld(t, db, 8)
	var dbname string
	if err := db.QueryRow("SELECT current_database()").Scan(&dbname); err != nil {
		t.Fatal(err)
	}
	killer, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	app := newTestApp(t, db)
	kills := 0
	w.run(app.users, func(ctx context.Context) {
		rng := rand.New(rand.NewPCG(1, 2))
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(150+rng.IntN(450)) * time.Millisecond):
			}
			var n int
			if err := killer.QueryRowContext(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = ? AND pid <> pg_backend_pid() AND backend_type = 'client backend'`, dbname).Scan(&n); err != nil {
				t.Errorf("terminate: %v", err)
				return
			}
			kills += n
		}
	})
	t.Logf("%d backends terminated", kills)
	if kills == 0 {
		t.Error("no backend was terminated")
	}
}

// envFaultLock names the SQLite file that the lock-holder process (this
// test binary, re-executed) locks.
const envFaultLock = "USERDESK_FAULT_LOCK_SQLITE"

func init() {
	if path := os.Getenv(envFaultLock); path != "" {
		holdSQLiteLock(path)
		os.Exit(0)
	}
}

// holdSQLiteLock takes the database's write lock for 1.5 s, lets go for
// 0.5 s, and again, until its standard input closes.
func holdSQLiteLock(path string) {
	db, err := sql.Open("sqlite", sqldb.SQLiteDSN(path))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	db.SetMaxOpenConns(1)
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	for {
		tx, err := db.Begin() // _txlock=immediate: the write lock
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		select {
		case <-stop:
			_ = tx.Rollback()
			return
		case <-time.After(1500 * time.Millisecond):
		}
		_ = tx.Rollback()
		select {
		case <-stop:
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// TestFaultInjectionSQLite runs the load while another process holds the
// database file's write lock for longer than the server's busy timeout.
func TestFaultInjectionSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fault.db")
	// The server's connections wait 300 ms for a lock (OpenSQLite waits
	// 10 s), so that the 1.5 s holds make them give up.
	dsn := strings.Replace(sqldb.SQLiteDSN(path), "busy_timeout%2810000%29", "busy_timeout%28300%29", 1)
	if !strings.Contains(dsn, "busy_timeout%28300%29") {
		t.Fatalf("DSN %s: busy timeout not found", dsn)
	}
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := bun.NewDB(raw, sqlitedialect.New())
	t.Cleanup(func() { _ = db.Close() })
	if err := migrations.Up(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	w := newFaultWorld(t, db, 8)
	app := newTestApp(t, db)
	w.run(app.users, func(ctx context.Context) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envFaultLock+"="+path)
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Error(err)
			return
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		<-ctx.Done()
		_ = in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("lock holder: %v", err)
		}
	})
}
