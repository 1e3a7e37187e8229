//go:build failover

package failover

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/api"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/verification"
)

// Bounds of the scenario: the whole test stays within a few minutes.
const (
	settle      = 2 * time.Second  // load before the primary is stopped
	afterSwitch = 4 * time.Second  // load kept on the new primary
	maxSwitch   = 60 * time.Second // the new primary must take writes by then
	workers     = 4
	hangLimit   = 10 * time.Second // an answer slower than this is a hang
)

// monitorSettings make the monitor notice a dead primary in seconds
// rather than the defaults' ~20 s (health checks) + 30 s (demote timeout).
var monitorSettings = map[string]string{
	"pgautofailover.health_check_period":               "1s",
	"pgautofailover.health_check_timeout":              "1s",
	"pgautofailover.health_check_max_retries":          "1",
	"pgautofailover.health_check_retry_delay":          "500ms",
	"pgautofailover.node_considered_unhealthy_timeout": "3s",
	"pgautofailover.primary_demote_timeout":            "5s",
}

// cluster is a pg_auto_failover formation in one temporary folder.
type cluster struct {
	t    *testing.T
	dir  string
	bin  string // PostgreSQL's binaries (pg_ctl)
	cred *syscall.Credential
	env  []string
}

// proc is one long-running pg_autoctl process.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	if _, err := exec.LookPath("pg_autoctl"); err != nil {
		t.Fatal("pg_autoctl not found: install pg-auto-failover-cli and postgresql-15-auto-failover (.ci/install-failover.sh)")
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	var bin string
	for _, b := range bins {
		lib := filepath.Join(filepath.Dir(filepath.Dir(b)), "lib", "pgautofailover.so")
		if _, err := os.Stat(lib); err == nil {
			bin = filepath.Dir(b)
		}
	}
	if bin == "" {
		t.Fatal("no PostgreSQL with the pgautofailover extension in /usr/lib/postgresql/*/ (install postgresql-15-auto-failover)")
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and no postgres user: %v", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("/tmp", "udaf-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, bin: bin, cred: cred}
	for _, sub := range []string{"config", "data", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if cred != nil {
		_ = filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, int(cred.Uid), int(cred.Gid)) })
	}
	// pg_autoctl keeps its configuration, state and pid files under the
	// XDG folders: all of them inside the temporary folder.
	c.env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"), "PATH=" + bin + ":/usr/bin:/bin", "LANG=C.UTF-8"}
	t.Cleanup(func() {
		if !t.Failed() || os.Getenv("USERDESK_FAILOVER_KEEP") == "" {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("kept %s", dir)
		}
	})
	return c
}

func (c *cluster) command(args ...string) *exec.Cmd {
	cmd := exec.Command("pg_autoctl", args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
	return cmd
}

// start runs a long-running pg_autoctl (create … --run), logging to name.log.
// It stops (fast) when the test ends, and with the test binary through the
// parent-death signal.
func (c *cluster) start(name string, args ...string) *proc {
	c.t.Helper()
	log, err := os.Create(filepath.Join(c.dir, name+".log"))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := c.command(args...)
	cmd.Stdout, cmd.Stderr = log, log
	started := make(chan error, 1)
	go func() {
		// Pdeathsig belongs to the thread that forks: keep it for good.
		runtime.LockOSThread()
		started <- cmd.Start()
		select {}
	}()
	if err := <-started; err != nil {
		c.t.Fatalf("start pg_autoctl %s: %v", name, err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = log.Close(); close(p.exited) }()
	c.t.Cleanup(func() { p.stop(syscall.SIGINT) })
	return p
}

// stop signals the pg_autoctl supervisor (SIGINT: fast shutdown of its
// PostgreSQL; SIGQUIT: immediate, a crash) and waits for it to exit.
func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

func (c *cluster) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, name+".log"))
	return string(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func dsn(port int, db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=2", port, db)
}

// until polls f every 200 ms until it answers true, failing after limit.
func until(t *testing.T, limit time.Duration, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := f()
		if ok {
			return
		}
		last = state
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: not reached in %s (last: %s)", what, limit, last)
}

// states reads the monitor's view: node name → reported/assigned state.
func states(ctx context.Context, monitor string) (map[string]string, error) {
	conn, err := pgx.Connect(ctx, monitor)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT nodename, reportedstate::text, goalstate::text FROM pgautofailover.node")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for rows.Next() {
		var n, rep, goal string
		if err := rows.Scan(&n, &rep, &goal); err != nil {
			return nil, err
		}
		out[n] = rep + "/" + goal
	}
	return out, rows.Err()
}

// answer is what one client request got.
type answer struct {
	at      time.Duration // since the load started
	took    time.Duration
	status  int
	problem bool // a problem document with code database_unavailable and Retry-After
	retry   string
	id      uuid.UUID // the acknowledged category's id
	err     string
}

func TestFailover(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)
	mport, p1, p2 := freePort(t), freePort(t), freePort(t)
	pgctl := filepath.Join(c.bin, "pg_ctl")

	// The monitor.
	c.start("monitor", "create", "monitor", "--pgctl", pgctl, "--pgdata", filepath.Join(c.dir, "monitor"), "--pgport", strconv.Itoa(mport),
		"--listen", "127.0.0.1", "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run")
	until(t, 60*time.Second, "monitor up", func() (bool, string) {
		conn, err := pgx.Connect(ctx, dsn(mport, "pg_auto_failover"))
		if err != nil {
			return false, err.Error()
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_extension WHERE extname = 'pgautofailover'").Scan(&n); err != nil || n != 1 {
			return false, fmt.Sprint("extension: ", n, err)
		}
		return true, ""
	})
	{
		conn, err := pgx.Connect(ctx, dsn(mport, "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range monitorSettings {
			if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", k, v)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close(ctx)
	}
	monitorURL := fmt.Sprintf("postgres://autoctl_node@127.0.0.1:%d/pg_auto_failover?sslmode=disable", mport)

	// The two nodes: node1 first (it becomes the primary), then node2
	// (cloned from it, the synchronous standby).
	nodes := map[string]*proc{}
	for i, port := range []int{p1, p2} {
		name := fmt.Sprintf("node%d", i+1)
		nodes[name] = c.start(name, "create", "postgres", "--pgctl", pgctl, "--pgdata", filepath.Join(c.dir, name), "--pgport", strconv.Itoa(port),
			"--listen", "127.0.0.1", "--hostname", "127.0.0.1", "--name", name, "--auth", "trust", "--no-ssl",
			"--monitor", monitorURL, "--run")
		want := map[string]string{"node1": "single/single"}
		if i == 1 {
			want = map[string]string{"node1": "primary/primary", "node2": "secondary/secondary"}
		}
		until(t, 120*time.Second, name+" joined", func() (bool, string) {
			s, err := states(ctx, monitorURL)
			if err != nil {
				return false, err.Error()
			}
			for n, w := range want {
				if s[n] != w {
					return false, fmt.Sprint(s)
				}
			}
			return true, ""
		})
	}
	var syncNames, syncCommit string
	{
		conn, err := pgx.Connect(ctx, dsn(p1, "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit')").Scan(&syncNames, &syncCommit); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close(ctx)
		if syncNames == "" || syncCommit == "off" || syncCommit == "local" {
			t.Fatalf("the primary does not replicate synchronously: synchronous_standby_names %q, synchronous_commit %q", syncNames, syncCommit)
		}
		t.Logf("primary node1: synchronous_standby_names = %q, synchronous_commit = %s", syncNames, syncCommit)
	}

	// The server: the reference API in-process on a pool opened with the
	// multi-host DSN.
	multi := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/postgres?target_session_attrs=read-write&sslmode=disable&connect_timeout=2", p1, p2)
	t.Logf("DSN: %s", multi)
	db, err := sqldb.OpenPostgres(ctx, multi)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := migrations.Up(ctx, db); err != nil {
		t.Fatal(err)
	}
	users, a := buildAPI(t, db)
	ts := httptest.NewServer(a.Handler())
	t.Cleanup(ts.Close)
	if _, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Failover", Email: "failover@ops.test", Password: "operator password failover", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 2 * hangLimit}
	do := func(method, path, token, body string) answer {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		resp, err := client.Do(req)
		an := answer{took: time.Since(start)}
		if err != nil {
			an.err = err.Error()
			return an
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		an.took, an.status = time.Since(start), resp.StatusCode
		switch {
		case resp.StatusCode == http.StatusCreated:
			var v struct {
				ID uuid.UUID `json:"id"`
			}
			if err := json.Unmarshal(raw, &v); err != nil || v.ID == uuid.Nil {
				an.err = "no id in " + string(raw)
			}
			an.id = v.ID
		case resp.StatusCode == http.StatusServiceUnavailable:
			var p struct {
				Code string `json:"code"`
			}
			an.retry = resp.Header.Get("Retry-After")
			an.problem = json.Unmarshal(raw, &p) == nil && p.Code == "database_unavailable" && an.retry != "" &&
				strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json")
			if !an.problem {
				an.err = fmt.Sprintf("503 without a problem document and Retry-After: %q %s", resp.Header, raw)
			}
		default:
			an.err = fmt.Sprintf("%d %s", resp.StatusCode, raw)
		}
		return an
	}
	var token string
	{
		req, _ := http.NewRequest("POST", ts.URL+"/admin/v1/login", strings.NewReader(`{"email": "failover@ops.test", "password": "operator password failover"}`))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Token string `json:"token"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&v)
		_ = resp.Body.Close()
		if resp.StatusCode != 200 || v.Token == "" {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		token = v.Token
	}

	// The bounded write load: each worker creates categories one after
	// the other; a 201 is an acknowledged write whose id must survive.
	var (
		mu      sync.Mutex
		answers []answer
		stopAt  time.Duration // when the primary was stopped
		endLoad = make(chan struct{})
		wg      sync.WaitGroup
	)
	loadStart := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-endLoad:
					return
				default:
				}
				at := time.Since(loadStart)
				an := do("POST", "/admin/v1/categories", token, fmt.Sprintf(`{"slug": "fo-%d-%d", "name": "Failover %d %d"}`, w, n, w, n))
				an.at = at
				mu.Lock()
				answers = append(answers, an)
				mu.Unlock()
				if an.status != http.StatusCreated {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(settle)
	// Stop the primary the hard way: its pg_autoctl and PostgreSQL quit
	// immediately (no shutdown checkpoint, like a crash).
	mu.Lock()
	stopAt = time.Since(loadStart)
	mu.Unlock()
	nodes["node1"].stop(syscall.SIGQUIT)
	// Requests started after this can only be answered by node2.
	mu.Lock()
	goneAt := time.Since(loadStart)
	mu.Unlock()
	t.Logf("primary node1 stopped (immediate) at %s, gone at %s", stopAt.Round(time.Millisecond), goneAt.Round(time.Millisecond))
	// Wait until a write is acknowledged after the stop, then keep the
	// load for afterSwitch.
	var firstOK time.Duration
	until(t, maxSwitch, "a write acknowledged by the new primary", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, an := range answers {
			if an.status == http.StatusCreated && an.at > goneAt {
				firstOK = an.at
				return true, ""
			}
		}
		s, _ := states(ctx, monitorURL)
		return false, fmt.Sprint(s)
	})
	time.Sleep(afterSwitch)
	close(endLoad)
	wg.Wait()
	loadTime := time.Since(loadStart)

	s, err := states(ctx, monitorURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("monitor after the switch: %v", s)

	// What the clients saw.
	var acked []uuid.UUID
	var n503, nOther int
	var first503, last503, maxTook, max503Took time.Duration
	retryHints := map[string]int{}
	for _, an := range answers {
		if an.took > maxTook {
			maxTook = an.took
		}
		if an.took > hangLimit {
			t.Errorf("an answer took %s (hang): %+v", an.took, an)
		}
		switch {
		case an.err != "":
			nOther++
			t.Errorf("answer breaks the rules: %+v", an)
		case an.status == http.StatusCreated:
			acked = append(acked, an.id)
		case an.status == http.StatusServiceUnavailable:
			n503++
			retryHints[an.retry]++
			if first503 == 0 || an.at < first503 {
				first503 = an.at
			}
			if an.at > last503 {
				last503 = an.at
			}
			if an.took > max503Took {
				max503Took = an.took
			}
		}
	}
	// A per-second timeline of the answers: 201s/503s.
	var timeline []string
	for sec := time.Duration(0); sec < loadTime; sec += time.Second {
		var ok, un int
		for _, an := range answers {
			if an.at >= sec && an.at < sec+time.Second {
				switch an.status {
				case http.StatusCreated:
					ok++
				case http.StatusServiceUnavailable:
					un++
				}
			}
		}
		timeline = append(timeline, fmt.Sprintf("%d:%d/%d", sec/time.Second, ok, un))
	}
	t.Logf("timeline (second: 201s/503s): %s", strings.Join(timeline, " "))
	took := make([]time.Duration, 0, len(answers))
	for _, an := range answers {
		took = append(took, an.took)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("load %s, %d workers: %d requests, %d acknowledged (201), %d answered 503 database_unavailable (Retry-After %v), %d other",
		loadTime.Round(time.Millisecond), workers, len(answers), len(acked), n503, retryHints, nOther)
	if n503 > 0 {
		t.Logf("503s from %s to %s after the load started (the stop at %s); slowest 503 %s", first503.Round(time.Millisecond), last503.Round(time.Millisecond), stopAt.Round(time.Millisecond), max503Took.Round(time.Millisecond))
	}
	t.Logf("writes unavailable for %s (stop → first write acknowledged by node2); slowest answer %s, median %s",
		(firstOK - stopAt).Round(time.Millisecond), maxTook.Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond))

	// Every acknowledged write is on the new primary: read it there
	// directly, and check it is the primary.
	conn, err := pgx.Connect(ctx, dsn(p2, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var inRecovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || inRecovery {
		t.Fatalf("node2 is not the primary: in recovery %v, %v", inRecovery, err)
	}
	have := map[uuid.UUID]bool{}
	rows, err := conn.Query(ctx, "SELECT id FROM userdesk_categories WHERE slug LIKE 'fo-%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var lost []uuid.UUID
	for _, id := range acked {
		if !have[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes are not on the new primary: %v", len(lost), len(acked), lost)
	}
	t.Logf("replay: %d acknowledged ids, %d of them on node2; %d rows there (%d more: writes answered 503 that had committed)",
		len(acked), len(acked)-len(lost), len(have), len(have)-(len(acked)-len(lost)))
	var afterStop int
	for _, an := range answers {
		if an.status == http.StatusCreated && an.at > goneAt {
			afterStop++
		}
	}
	if afterStop == 0 || n503 == 0 {
		t.Errorf("the scenario did not switch under load: %d writes acknowledged by node2, %d 503s", afterStop, n503)
	}
	if t.Failed() {
		t.Logf("node2 log:\n%s", tail(c.log("node2"), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// buildAPI wires the reference API on db the way its tests do, with fresh
// keys and no demo data.
func buildAPI(t *testing.T, db *bun.DB) (*usermgmt.Service, *api.API) {
	t.Helper()
	key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
	keyring, err := usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": key()})
	if err != nil {
		t.Fatal(err)
	}
	perms := append(append(usermgmt.OperatorPermissions(), referral.Permissions()...), activity.Permissions()...)
	perms = append(append(perms, thirdparty.Permissions()...), verification.Permissions()...)
	users, err := usermgmt.New(usermgmt.Config{BankKeys: keyring, Permissions: perms, Argon2: usermgmt.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1}})
	if err != nil {
		t.Fatal(err)
	}
	private := ed25519.NewKeyFromSeed(key())
	imp, err := impersonation.New(impersonation.Config{
		Users: users, Audience: "http://front.test", DefaultTTL: 15 * time.Minute,
		Keys: impersonation.KeyRing{Current: "k1", Keys: []impersonation.Key{{ID: "k1", Private: private}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := referral.New(referral.Config{Users: users, InitialCredits: 3})
	if err != nil {
		t.Fatal(err)
	}
	act, err := activity.New(activity.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := verification.New(verification.Config{Users: users, BaseURL: "http://front.test", SendAtRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	a, err := api.New(api.Config{
		Referral: ref, Activity: act, Verification: ver,
		DB: db, Users: users, Impersonation: imp, SessionTTL: time.Hour, FrontOffice: "http://front.test",
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		ImpersonationKeys: []api.PublicKey{{ID: "k1", Key: private.Public().(ed25519.PublicKey)}},
		ClientAddr:        func(*http.Request) string { return "192.0.2.1" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return users, a
}
