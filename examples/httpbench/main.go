// Command httpbench measures the reference server's back-office API over
// HTTP, against a server that is already running on a seeded database
// (examples/usergen): the users-list scenarios of BENCHMARKS.md (first
// page, page 1,000 by cursor, the last page, rare, absent and common
// keywords, filtered and sorted, the review queue, counts) and the detail
// view, each timed sequentially on one keep-alive connection after a
// warm-up, then a load phase with -conns concurrent keep-alive
// connections on the detail view and on the first list page. The same
// operator session opens the back office's HTML pages (the users list
// first page, filtered and keyword pages, the user detail page) in the
// cookie the browser would send.
//
//	go run ./examples/usergen -db /tmp/bench.db -n 1000000
//	USERDESK_ADMIN_EMAIL=bench@example.com USERDESK_ADMIN_PASSWORD='bench password 1' \
//	    go run ./examples/server -db /tmp/bench.db -addr 127.0.0.1:8089 &
//	go run ./examples/httpbench -url http://127.0.0.1:8089 -email bench@example.com -password 'bench password 1'
//
// -run selects scenarios by a regular expression over their names (load
// phases are named "load: …"), e.g. -run 'detail' for the detail view
// alone, sequential and under load.
//
// It prints a Markdown table per phase: median, p95 and max per scenario
// (sequential), then requests per second, p50, p95 and p99 (load).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	email := flag.String("email", os.Getenv("USERDESK_ADMIN_EMAIL"), "operator email (env USERDESK_ADMIN_EMAIL)")
	password := flag.String("password", os.Getenv("USERDESK_ADMIN_PASSWORD"), "operator password (env USERDESK_ADMIN_PASSWORD)")
	runs := flag.Int("runs", 200, "timed requests per scenario")
	countRuns := flag.Int("count-runs", 30, "timed requests per count scenario")
	warmup := flag.Int("warmup", 10, "untimed requests before each scenario")
	conns := flag.Int("conns", 16, "concurrent connections in the load phase")
	duration := flag.Duration("duration", 10*time.Second, "length of each load phase")
	deep := flag.Int("deep", 1000, "page reached by cursor in the deep-page scenario")
	common := flag.String("common", "mar", "a frequent keyword")
	absent := flag.String("absent", "qzxjvw", "a keyword no user matches")
	only := flag.String("run", "", "run only the scenarios whose name matches this regular `expression` (e.g. 'detail|healthz')")
	flag.Parse()
	sel, err := regexp.Compile(*only)
	if err != nil {
		log.Fatalf("-run: %v", err)
	}

	c := &client{base: strings.TrimRight(*base, "/"), http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns + 4}}}
	var login struct {
		Token string `json:"token"`
	}
	if err := c.postJSON("/admin/v1/login", map[string]string{"email": *email, "password": *password}, &login); err != nil {
		log.Fatalf("login: %v", err)
	}
	c.token = login.Token

	// Samples: user IDs for the detail view and rare keywords, from
	// pages spread over the list.
	var ids, rare []string
	path := "/admin/v1/users?limit=200"
	for p := 0; p < 20; p++ {
		var page listPage
		if err := c.getJSON(path, &page); err != nil {
			log.Fatal(err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
			local, _, _ := strings.Cut(it.Email, "@")
			if len(local) > 6 && !strings.Contains(it.Email, "•") {
				rare = append(rare, local[1:len(local)-1])
			}
		}
		if page.NextCursor == "" {
			break
		}
		path = "/admin/v1/users?limit=200&cursor=" + url.QueryEscape(page.NextCursor)
		for range 25 { // skip ahead, so the samples are not all recent users
			var skip listPage
			if err := c.getJSON(path, &skip); err != nil || skip.NextCursor == "" {
				break
			}
			path = "/admin/v1/users?limit=200&cursor=" + url.QueryEscape(skip.NextCursor)
		}
	}
	if len(ids) == 0 || len(rare) == 0 {
		log.Fatal("no users to sample: seed the database first")
	}
	fmt.Printf("samples: %d user IDs, %d rare keywords (e.g. %q), common %q, absent %q\n\n", len(ids), len(rare), rare[0], *common, *absent)

	deepName := fmt.Sprintf("page %d by cursor", *deep)
	cursor := ""
	for i := 0; i < *deep-1 && sel.MatchString(deepName); i++ {
		var page listPage
		p := "/admin/v1/users?limit=50"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.getJSON(p, &page); err != nil {
			log.Fatal(err)
		}
		if page.NextCursor == "" {
			log.Fatalf("the list ended before page %d", *deep)
		}
		cursor = page.NextCursor
	}
	filtered := "/admin/v1/users?status=live&role=both&language=fr&has_listing=true&sort=name&dir=asc"

	fmt.Printf("| scenario (sequential, one keep-alive connection) | median | p95 | max | runs |\n| --- | ---: | ---: | ---: | ---: |\n")
	r := rand.New(rand.NewPCG(7, 7))
	seq := func(name string, n int, path func() string) {
		if !sel.MatchString(name) {
			return
		}
		for range *warmup {
			c.mustGet(path())
		}
		ds := make([]time.Duration, 0, n)
		for range n {
			p := path()
			start := time.Now()
			c.mustGet(p)
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		fmt.Printf("| %s | %s | %s | %s | %d |\n", name, ms(pct(ds, 50)), ms(pct(ds, 95)), ms(ds[len(ds)-1]), n)
	}
	fixed := func(p string) func() string { return func() string { return p } }
	seq("first page, no filter (50 rows)", *runs, fixed("/admin/v1/users"))
	seq(deepName, *runs, fixed("/admin/v1/users?cursor="+url.QueryEscape(cursor)))
	seq("last page (oldest users: the order reversed)", *runs, fixed("/admin/v1/users?dir=asc"))
	seq("keyword: rare (email fragment of one user)", *runs, func() string { return "/admin/v1/users?q=" + url.QueryEscape(rare[r.IntN(len(rare))]) })
	seq("keyword: absent", *runs, fixed("/admin/v1/users?q="+url.QueryEscape(*absent)))
	seq("keyword: common", *runs, fixed("/admin/v1/users?q="+url.QueryEscape(*common)))
	seq("filtered (live, both roles, speaks fr, has listing), sorted by name", *runs, fixed(filtered))
	seq("review queue (in review, newest first)", *runs, fixed("/admin/v1/users?status=in_review"))
	seq("count, no filter", *countRuns, fixed("/admin/v1/users/count"))
	seq("count, in review", *countRuns, fixed("/admin/v1/users/count?status=in_review"))
	seq("count, rare keyword", *countRuns, func() string { return "/admin/v1/users/count?q=" + url.QueryEscape(rare[r.IntN(len(rare))]) })
	seq("count, absent keyword", *countRuns, fixed("/admin/v1/users/count?q="+url.QueryEscape(*absent)))
	seq("count, common keyword", *countRuns, fixed("/admin/v1/users/count?q="+url.QueryEscape(*common)))
	seq("detail view (random user)", *runs, func() string { return "/admin/v1/users/" + ids[r.IntN(len(ids))] })
	seq("back-office page: users list (HTML, first page)", *runs, fixed("/admin/users"))
	seq("back-office page: users list (HTML, filtered, sorted by name)", *runs, fixed("/admin/users?status=live&role=both&language=fr&has_listing=true&sort=name&dir=asc"))
	seq("back-office page: users list (HTML, common keyword)", *runs, fixed("/admin/users?q="+url.QueryEscape(*common)))
	seq("back-office page: user detail (HTML, random user)", *runs, func() string { return "/admin/users/" + ids[r.IntN(len(ids))] })

	fmt.Printf("\n| load (%d connections, %v) | requests/s | p50 | p95 | p99 | errors |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", *conns, *duration)
	load := func(name string, path func(r *rand.Rand) string) {
		if !sel.MatchString("load: " + name) {
			return
		}
		var mu sync.Mutex
		var all []time.Duration
		var errs atomic.Int64
		deadline := time.Now().Add(*duration)
		var wg sync.WaitGroup
		for w := range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 11))
				var ds []time.Duration
				for time.Now().Before(deadline) {
					p := path(r)
					start := time.Now()
					if err := c.get(p); err != nil {
						errs.Add(1)
						continue
					}
					ds = append(ds, time.Since(start))
				}
				mu.Lock()
				all = append(all, ds...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(all)
		if len(all) == 0 {
			fmt.Printf("| %s | 0 | – | – | – | %d |\n", name, errs.Load())
			return
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %d |\n", name, float64(len(all))/duration.Seconds(),
			ms(pct(all, 50)), ms(pct(all, 95)), ms(pct(all, 99)), errs.Load())
	}
	for range *warmup {
		c.mustGet("/admin/v1/users/" + ids[0])
	}
	load("detail view (random user)", func(r *rand.Rand) string { return "/admin/v1/users/" + ids[r.IntN(len(ids))] })
	load("first list page", func(*rand.Rand) string { return "/admin/v1/users" })
	load("filtered list page, sorted by name", func(*rand.Rand) string { return filtered })
	load("back-office page: users list (HTML)", func(*rand.Rand) string { return "/admin/users" })
	load("GET /healthz (the floor)", func(*rand.Rand) string { return "/healthz" })
}

type listPage struct {
	Items []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		if strings.HasPrefix(path, "/admin/v1/") {
			req.Header.Set("Authorization", "Bearer "+c.token)
		} else {
			// The back office in the browser: the same operator session,
			// in the cookie its login sets.
			req.AddCookie(&http.Cookie{Name: "userdesk_admin", Value: c.token})
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.http.Do(req)
}

// get sends a GET and reads the whole answer (so the connection is kept).
func (c *client) get(path string) error {
	resp, err := c.do(http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}

func (c *client) mustGet(path string) {
	if err := c.get(path); err != nil {
		log.Fatal(err)
	}
}

func (c *client) getJSON(path string, out any) error {
	resp, err := c.do(http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, raw)
	}
	return json.Unmarshal(raw, out)
}

func (c *client) postJSON(path string, in, out any) error {
	b, _ := json.Marshal(in)
	resp, err := c.do(http.MethodPost, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, raw)
	}
	return json.Unmarshal(raw, out)
}

// pct returns the p-th percentile of sorted ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p + 99) / 100
	return ds[max(0, min(i-1, len(ds)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
