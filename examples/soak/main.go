// Command soak drives a bounded mixed load (reads, writes, exports) at the
// reference server's JSON API on loopback for a fixed time, and reports
// every -interval the server's memory (RSS and the live Go heap after a
// GC), its goroutines and its open database connections. After -warmup,
// the median of each figure over the second half of the samples must be
// at most -tolerance (10 %) above its median over the first half (live
// heap: or 0.5 MiB, a few requests in flight; goroutines and connections:
// or 2); soak exits 1 when one is not, or when a
// request failed, so a leak fails it.
//
//	go run ./examples/soak                       # 10 minutes on a fresh SQLite file
//	go run ./examples/soak -db 'postgres://postgres@127.0.0.1:5432/soak?sslmode=disable' -duration 10m
//
// The server is the api package wired as examples/server wires it, in this
// process, on a loopback listener; the load generator shares the process,
// with a fixed number of workers, so its own goroutines are constant. The
// load is bounded by -rate requests per second: users list pages with and
// without keywords, counts, detail views, status, fee and category writes,
// credit steps, logins, and a CSV export of every user every -export-every.
// Password hashing uses cheap Argon2 parameters: the soak looks for leaks,
// not for the cost of a hash. It is not part of `go test ./...`; its
// figures are in BENCHMARKS.md.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/api"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/activity"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
)

func main() {
	dsn := flag.String("db", "", "SQLite file or postgres:// DSN (default: a new SQLite file in a temporary folder)")
	duration := flag.Duration("duration", 10*time.Minute, "how long the load runs")
	interval := flag.Duration("interval", 30*time.Second, "how often the figures are sampled")
	warmup := flag.Duration("warmup", 2*time.Minute, "samples before this are not judged")
	rate := flag.Int("rate", 200, "requests per second, at most")
	workers := flag.Int("workers", 8, "concurrent clients")
	nUsers := flag.Int("users", 2000, "users to seed")
	exportEvery := flag.Duration("export-every", 20*time.Second, "how often a CSV export of every user runs")
	tolerance := flag.Float64("tolerance", 0.10, "allowed drift from the first post-warm-up sample")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()

	if *dsn == "" {
		dir, err := os.MkdirTemp("", "userdesk-soak")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*dsn = filepath.Join(dir, "soak.db")
	}
	db, err := sqldb.Open(ctx, *dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		log.Fatal(err)
	}
	a, users, err := wire(db)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	l := &load{base: base, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}}
	if err := l.seed(ctx, db, users, *nUsers); err != nil {
		log.Fatal(err)
	}
	log.Printf("soak: %s, %d users, %d workers, at most %d requests/s, %s, GOMAXPROCS %d", dialect(db), *nUsers, *workers, *rate, *duration, runtime.GOMAXPROCS(0))

	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	tokens := make(chan struct{}, *rate)
	go func() { // the rate bound: a token every 1/rate seconds
		t := time.NewTicker(time.Second / time.Duration(*rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range *workers {
		wg.Go(func() { l.work(ctx, tokens, uint64(i+1)) })
	}
	wg.Go(func() { // exports
		t := time.NewTicker(*exportEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.get(ctx, "/admin/v1/users/export?format=csv", l.admin)
			}
		}
	})

	start := time.Now()
	var samples []sample
	fmt.Println("| t | requests | errors | RSS MiB | live heap MiB | goroutines | DB conns open (in use) |")
	fmt.Println("|---|---|---|---|---|---|---|")
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		s := measure(db, time.Since(start), l)
		samples = append(samples, s)
		fmt.Printf("| %s | %d | %d | %.1f | %.1f | %d | %d (%d) |\n", s.at.Round(time.Second), s.requests, s.errors, mib(s.rss), mib(s.heap), s.goroutines, s.conns, s.inUse)
	}
	cancel()
	wg.Wait()
	if ok := judge(samples, *warmup, *tolerance); !ok {
		os.Exit(1)
	}
}

// wire builds the services and the API the way examples/server does.
func wire(db *bun.DB) (*api.API, *usermgmt.Service, error) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	bankKey := make([]byte, 32)
	seed := make([]byte, 32)
	_, _ = rand.Read(bankKey)
	_, _ = rand.Read(seed)
	keyring, err := usermgmt.NewBankKeyring("k1", map[string][]byte{"k1": bankKey})
	if err != nil {
		return nil, nil, err
	}
	perms := append(append(usermgmt.OperatorPermissions(), referral.Permissions()...), activity.Permissions()...)
	users, err := usermgmt.New(usermgmt.Config{BankKeys: keyring, Permissions: perms, Logger: logger,
		Argon2: usermgmt.Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1}})
	if err != nil {
		return nil, nil, err
	}
	ref, err := referral.New(referral.Config{Users: users, InitialCredits: 3, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	act, err := activity.New(activity.Config{Users: users, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	private := ed25519.NewKeyFromSeed(seed)
	imp, err := impersonation.New(impersonation.Config{Users: users, Audience: "http://front.soak", DefaultTTL: 15 * time.Minute,
		Keys: impersonation.KeyRing{Current: "k1", Keys: []impersonation.Key{{ID: "k1", Private: private}}}})
	if err != nil {
		return nil, nil, err
	}
	a, err := api.New(api.Config{DB: db, Users: users, Impersonation: imp, SessionTTL: time.Hour, FrontOffice: "http://front.soak",
		Logger: logger, Referral: ref, Activity: act,
		ImpersonationKeys: []api.PublicKey{{ID: "k1", Key: private.Public().(ed25519.PublicKey)}}})
	return a, users, err
}

// load is the load generator's state.
type load struct {
	base     string
	client   *http.Client
	admin    string
	ids      []uuid.UUID
	cats     []uuid.UUID
	requests atomic.Int64
	errors   atomic.Int64
}

var firstNames = []string{"Ada", "Bob", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "João", "Kemal", "Lena"}
var lastNames = []string{"Lovelace", "Builder", "Dupont", "Ivanov", "Müller", "Haddad", "Hopper", "Tanaka", "Martín", "Silva", "Yılmaz", "Berg"}

// seed registers the users, two categories and an operator, and logs the
// operator in.
func (l *load) seed(ctx context.Context, db *bun.DB, s *usermgmt.Service, n int) error {
	op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Soak", Email: "soak@ops.test", Password: "soak operator password", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin}})
	if err != nil {
		return err
	}
	for _, slug := range []string{"restaurant", "hotel"} {
		c, err := s.CreateCategory(ctx, db, op.ID, slug, slug)
		if err != nil {
			return err
		}
		l.cats = append(l.cats, c.ID)
	}
	for i := range n {
		u, err := s.Register(ctx, db, usermgmt.Registration{
			Email: fmt.Sprintf("soak%d@example.com", i), Password: "user password 1234",
			FirstName: firstNames[i%len(firstNames)], LastName: lastNames[(i/len(firstNames))%len(lastNames)],
			Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker}, PreferredLanguage: "fr", Timezone: "Europe/Paris",
		})
		if err != nil {
			return err
		}
		l.ids = append(l.ids, u.ID)
	}
	var out struct {
		Token string `json:"token"`
	}
	code, raw := l.do(ctx, "POST", "/admin/v1/login", "", `{"email": "soak@ops.test", "password": "soak operator password"}`)
	if code != 200 || json.Unmarshal(raw, &out) != nil {
		return fmt.Errorf("operator login: %d %s", code, raw)
	}
	l.admin = out.Token
	return nil
}

func (l *load) do(ctx context.Context, method, path, token, body string) (int, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		return 0, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.errors.Add(1)
		}
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	l.requests.Add(1)
	if resp.StatusCode >= 500 {
		l.errors.Add(1)
	}
	return resp.StatusCode, raw
}

func (l *load) get(ctx context.Context, path, token string) (int, []byte) {
	return l.do(ctx, "GET", path, token, "")
}

// work sends requests, one per rate token, until ctx ends.
func (l *load) work(ctx context.Context, tokens <-chan struct{}, seed uint64) {
	rng := mrand.New(mrand.NewPCG(seed, 42))
	for {
		select {
		case <-ctx.Done():
			return
		case <-tokens:
		}
		id := l.ids[rng.IntN(len(l.ids))].String()
		switch p := rng.IntN(100); {
		case p < 30:
			l.get(ctx, "/admin/v1/users/"+id, l.admin)
		case p < 50:
			l.get(ctx, "/admin/v1/users?sort=name&dir=asc&limit=50", l.admin)
		case p < 60:
			l.get(ctx, "/admin/v1/users?q="+firstNames[rng.IntN(len(firstNames))][:3], l.admin)
		case p < 65:
			l.get(ctx, "/admin/v1/users/count?status=live", l.admin)
		case p < 75:
			l.versioned(ctx, id, "/status", func(v int64) string {
				st := []string{"live", "in_review"}[rng.IntN(2)]
				return fmt.Sprintf(`{"version": %d, "status": %q, "reason": "soak"}`, v, st)
			})
		case p < 82:
			l.versioned(ctx, id, "/fees", func(v int64) string {
				return fmt.Sprintf(`{"version": %d, "asker_percent": "%d"}`, v, rng.IntN(20))
			})
		case p < 88:
			l.versioned(ctx, id, "/categories", func(v int64) string {
				return fmt.Sprintf(`{"version": %d, "category_ids": [%q]}`, v, l.cats[rng.IntN(len(l.cats))])
			})
		case p < 94:
			l.do(ctx, "POST", "/admin/v1/users/"+id+"/referral/credit-steps", l.admin, `{"delta": 1, "reason": "soak"}`)
		case p < 97:
			l.get(ctx, "/admin/v1/users/"+id+"/audit", l.admin)
		default:
			n := rng.IntN(len(l.ids))
			if code, raw := l.do(ctx, "POST", "/v1/login", "", fmt.Sprintf(`{"email": "soak%d@example.com", "password": "user password 1234"}`, n)); code == 200 {
				var out struct {
					Token string `json:"token"`
				}
				if json.Unmarshal(raw, &out) == nil {
					l.get(ctx, "/v1/me", out.Token)
					l.do(ctx, "POST", "/v1/logout", out.Token, "")
				}
			}
		}
	}
}

// versioned reads the user's version and writes body(version) to the
// user's path suffix.
func (l *load) versioned(ctx context.Context, id, suffix string, body func(int64) string) {
	code, raw := l.get(ctx, "/admin/v1/users/"+id, l.admin)
	if code != 200 {
		return
	}
	var u struct {
		Version int64 `json:"version"`
	}
	if json.Unmarshal(raw, &u) != nil {
		return
	}
	l.do(ctx, "PUT", "/admin/v1/users/"+id+suffix, l.admin, body(u.Version))
}

// sample is one line of figures.
type sample struct {
	at               time.Duration
	requests, errors int64
	rss, heap        uint64
	goroutines       int
	conns, inUse     int
}

func measure(db *bun.DB, at time.Duration, l *load) sample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	st := db.Stats()
	return sample{at: at, requests: l.requests.Load(), errors: l.errors.Load(), rss: rss(), heap: m.HeapAlloc,
		goroutines: runtime.NumGoroutine(), conns: st.OpenConnections, inUse: st.InUse}
}

// rss is the process's resident set size, from /proc/self/status.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func dialect(db *bun.DB) string {
	d, _ := sqldb.DialectOf(db)
	return string(d)
}

// judge compares, for each figure, the median of the first half of the
// samples taken after warm-up with the median of the second half: a leak
// grows from one half to the next (a fall is reported, not failed),
// while the in-flight requests at the
// moment of a sample only add noise, which the medians absorb. The final
// sample, taken once the load stopped, is shown but not judged.
func judge(samples []sample, warmup time.Duration, tol float64) bool {
	var judged []sample
	for _, s := range samples[:len(samples)-1] {
		if s.at >= warmup {
			judged = append(judged, s)
		}
	}
	if len(judged) < 4 {
		fmt.Println("\nsoak: too short to judge: run for -warmup plus at least four -interval")
		return false
	}
	half := len(judged) / 2
	ok := true
	check := func(name string, slack float64, f func(sample) float64) {
		med := func(ss []sample) float64 {
			v := make([]float64, len(ss))
			for i, s := range ss {
				v[i] = f(s)
			}
			slices.Sort(v)
			return v[len(v)/2]
		}
		first, last := med(judged[:half]), med(judged[half:])
		verdict := "flat"
		if last > first*(1+tol)+slack { // growth is a leak; a fall is not
			verdict, ok = "DRIFTED", false
		}
		fmt.Printf("| %s | %.1f | %.1f | %+.1f %% | %s |\n", name, first, last, 100*(last-first)/max(first, 1e-9), verdict)
	}
	fmt.Printf("\n| after the %s warm-up | median, first half | median, second half | change | |\n|---|---|---|---|---|\n", warmup)
	check("RSS MiB", 0, func(s sample) float64 { return mib(s.rss) })
	check("live heap MiB", 0.5, func(s sample) float64 { return mib(s.heap) })
	check("goroutines", 2, func(s sample) float64 { return float64(s.goroutines) })
	check("open DB connections", 2, func(s sample) float64 { return float64(s.conns) })
	if errs := samples[len(samples)-1].errors; errs > 0 {
		fmt.Printf("\nsoak: %d requests failed (5xx or no answer)\n", errs)
		ok = false
	}
	if ok {
		fmt.Printf("\nsoak: flat: every figure within %.0f %% (goroutines and connections: or 2) from the first half to the second, no failed request\n", tol*100)
	}
	return ok
}
