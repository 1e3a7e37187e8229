// Command replicabench measures the reference server with 1, 2 and 3
// replicas on one PostgreSQL database behind a round-robin load balancer
// (net/http/httputil.ReverseProxy in this process): for each replica
// count it starts that many server processes, logs an operator in
// through the balancer, and loads the user detail view
// (GET /admin/v1/users/{uid}) from -conns concurrent keep-alive
// connections for -duration, after -warmup. It prints a Markdown table:
// replicas, requests per second, p50, p95 and p99, errors.
//
//	go run ./examples/usergen -db 'postgres://postgres@127.0.0.1:5432/userdesk_replicas?sslmode=disable' -n 20000
//	go run ./examples/replicabench -db 'postgres://postgres@127.0.0.1:5432/userdesk_replicas?sslmode=disable'
//
// The server is built from ./examples/server unless -server names a
// binary. The replicas share one keys file (in a temporary folder) and
// the bootstrap admin, created by the first replica. Each run is bounded:
// (warm-up + duration) per replica count, plus the start of the servers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	adminEmail    = "replicabench@example.com"
	adminPassword = "replicabench password 1"
)

func main() {
	dsn := flag.String("db", "", "postgres:// DSN of a database seeded by examples/usergen (required)")
	server := flag.String("server", "", "server binary (default: go build ./examples/server)")
	counts := flag.String("replicas", "1,2,3", "comma-separated replica counts to measure")
	conns := flag.Int("conns", 16, "concurrent connections")
	duration := flag.Duration("duration", 15*time.Second, "measured load per replica count")
	warmup := flag.Duration("warmup", 3*time.Second, "unmeasured load before each measure")
	flag.Parse()
	if *dsn == "" || !strings.HasPrefix(*dsn, "postgres") {
		flag.Usage()
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "replicabench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := *server
	if bin == "" {
		bin = filepath.Join(dir, "server")
		build := exec.Command("go", "build", "-o", bin, "./examples/server")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			log.Fatalf("go build ./examples/server (run from the module root): %v", err)
		}
	}
	fmt.Printf("| replicas | requests/s | p50 | p95 | p99 | errors |\n|---|---|---|---|---|---|\n")
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("-replicas: %q", s)
		}
		r, err := measure(bin, *dsn, filepath.Join(dir, "keys.json"), n, *conns, *warmup, *duration)
		if err != nil {
			log.Fatalf("%d replicas: %v", n, err)
		}
		fmt.Printf("| %d | %.0f | %s | %s | %s | %d |\n", n, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), r.errors)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

type result struct {
	rps           float64
	p50, p95, p99 time.Duration
	errors        int64
}

// measure starts n replicas, loads the detail view through the balancer
// and stops them.
func measure(bin, dsn, keys string, n, conns int, warmup, duration time.Duration) (result, error) {
	var backends []*url.URL
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
			_ = p.Wait()
		}
	}()
	for i := range n {
		addr, err := freeAddr()
		if err != nil {
			return result{}, err
		}
		cmd := exec.Command(bin, "-db", dsn, "-addr", addr, "-keys", keys, "-demo", "false")
		cmd.Env = append(os.Environ(), "USERDESK_ADMIN_EMAIL="+adminEmail, "USERDESK_ADMIN_PASSWORD="+adminPassword)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		if err := cmd.Start(); err != nil {
			return result{}, err
		}
		procs = append(procs, cmd)
		u := &url.URL{Scheme: "http", Host: addr}
		// The first replica creates the keys file and the admin before
		// the others start.
		if err := waitHealthy(u.String() + "/healthz"); err != nil {
			return result{}, fmt.Errorf("replica %d: %w", i+1, err)
		}
		backends = append(backends, u)
	}
	var next atomic.Uint64
	transport := &http.Transport{MaxIdleConnsPerHost: conns + 4}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backends[next.Add(1)%uint64(len(backends))])
			r.Out.Host = r.In.Host
		},
		Transport: transport,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	lb := &http.Server{Handler: proxy}
	go func() { _ = lb.Serve(ln) }()
	defer func() { _ = lb.Shutdown(context.Background()); transport.CloseIdleConnections() }()
	base := "http://" + ln.Addr().String()

	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns + 4}}
	var login struct {
		Token string `json:"token"`
	}
	if err := call(c, "POST", base+"/admin/v1/login", "", fmt.Sprintf(`{"email": %q, "password": %q}`, adminEmail, adminPassword), &login); err != nil {
		return result{}, fmt.Errorf("login: %w", err)
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := call(c, "GET", base+"/admin/v1/users?limit=100", login.Token, "", &page); err != nil {
		return result{}, fmt.Errorf("users list: %w", err)
	}
	if len(page.Items) == 0 {
		return result{}, errors.New("no users: seed the database with examples/usergen")
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		measuring atomic.Bool
		wg        sync.WaitGroup
	)
	stop := time.Now().Add(warmup + duration)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := w; time.Now().Before(stop); i++ {
				t0 := time.Now()
				on := measuring.Load()
				err := call(c, "GET", base+"/admin/v1/users/"+ids[i%len(ids)], login.Token, "", nil)
				if on && measuring.Load() {
					if err != nil {
						errs.Add(1)
					} else {
						mine = append(mine, time.Since(t0))
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	time.Sleep(warmup)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(time.Until(stop))
	measuring.Store(false)
	elapsed := time.Since(t0)
	wg.Wait()
	if len(latencies) == 0 {
		return result{}, fmt.Errorf("no successful request (%d errors)", errs.Load())
	}
	slices.Sort(latencies)
	q := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	return result{rps: float64(len(latencies)) / elapsed.Seconds(), p50: q(0.50), p95: q(0.95), p99: q(0.99), errors: errs.Load()}, nil
}

// call sends a request and decodes a 2xx JSON answer into out (nil
// discards it).
func call(c *http.Client, method, u, token, body string, out any) error {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("not healthy after 60 s")
}
