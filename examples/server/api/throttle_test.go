package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// login posts a login from addr and returns the status and Retry-After.
func loginFrom(t *testing.T, base, path, addr, email, password string) (int, int) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(string(body)))
	req.Header.Set(testClientAddr, addr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, wait
}

// TestThrottleAttackerAndOwner: an attacker guessing an operator's
// password from many addresses, concurrently, meets growing delays; the
// owner, on the address they logged in from before, logs in at once with
// the right password all along; every spelling of the email (case, NFD)
// shares one budget; the state is in the database, so a second replica
// on the same database sees it.
func TestThrottleAttackerAndOwner(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		clock := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		replica1 := httptest.NewServer(newTestApp(t, db, func(c *Config) { c.Now = clock.Now }).Handler())
		t.Cleanup(replica1.Close)
		a2 := newTestApp(t, db, func(c *Config) { c.Now = clock.Now })
		replica2 := httptest.NewServer(a2.Handler())
		t.Cleanup(replica2.Close)
		const email, password = "zoë@ops.test", "the owner's long passphrase"
		if _, err := a2.users.CreateOperator(context.Background(), db, usermgmt.NewOperator{Name: "Zoë", Email: email, Password: password, Roles: []usermgmt.OperatorRole{usermgmt.RoleSupport}}); err != nil {
			t.Fatal(err)
		}
		const owner = "198.51.100.7"
		if st, _ := loginFrom(t, replica1.URL, "/admin/v1/login", owner, email, password); st != 200 {
			t.Fatalf("owner's first login: %d", st)
		}
		// The attacker: 40 guesses in parallel from 4 addresses, with
		// spellings of the same email (upper case, NFD "zoe\u0308").
		spellings := []string{"ZOË@ops.test", "zoe\u0308@ops.test", " zoë@OPS.test "}
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				base := []string{replica1.URL, replica2.URL}[i%2]
				st, _ := loginFrom(t, base, "/admin/v1/login", fmt.Sprintf("203.0.113.%d", i%4), spellings[i%3], "guess "+strconv.Itoa(i))
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			}()
		}
		// The owner logs in meanwhile, from their known address.
		for range 3 {
			if st, _ := loginFrom(t, replica2.URL, "/admin/v1/login", owner, email, password); st != 200 {
				t.Fatalf("owner refused during the attack: %d", st)
			}
		}
		wg.Wait()
		if statuses[401]+statuses[429] != 40 || statuses[429] == 0 {
			t.Fatalf("attack answers: %v", statuses)
		}
		// Past the account-wide budget, a new address waits too…
		st, wait := loginFrom(t, replica1.URL, "/admin/v1/login", "203.0.113.200", email, "yet another guess")
		if st != 429 || wait <= 0 {
			t.Fatalf("new address after the attack: %d, Retry-After %d", st, wait)
		}
		// …while the owner's known address still gets in with the right
		// password, and a wrong guess from it answers 401, not 429.
		if st, _ := loginFrom(t, replica1.URL, "/admin/v1/login", owner, email, password); st != 200 {
			t.Fatalf("owner after the attack: %d", st)
		}
		// The delays grow: each further failure after the wait doubles it.
		clock.Advance(time.Duration(wait) * time.Second)
		if st, _ := loginFrom(t, replica1.URL, "/admin/v1/login", "203.0.113.200", email, "guess again"); st != 401 {
			t.Fatalf("after the delay: %d", st)
		}
		_, wait2 := loginFrom(t, replica1.URL, "/admin/v1/login", "203.0.113.200", email, "and again")
		if wait2 <= wait {
			t.Fatalf("delay did not grow: %d then %d", wait, wait2)
		}
		if wait2 > int(ThrottleMaxDelay/time.Second) {
			t.Fatalf("delay %d s beyond the maximum", wait2)
		}
	})
}

// TestThrottleOwnPassword: guesses of the current password at PUT
// /v1/me/password are throttled like logins.
func TestThrottleOwnPassword(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	clock := newClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	e := newE2EWith(t, db, func(c *Config) { c.Now = clock.Now })
	e.register("Ada", "Lovelace", "ada@example.com", "+447700900001", "asker")
	me := e.anon.as(e.anon.json("POST", "/v1/login", map[string]string{"email": "ada@example.com", "password": "user password 1234"}, 200)["token"].(string))
	wrong := map[string]string{"current_password": "not it", "new_password": "a brand new passphrase"}
	for i := range ThrottleFreeFailures {
		if st, _, _ := me.do("PUT", "/v1/me/password", wrong); st != 401 {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	if st, _, _ := me.do("PUT", "/v1/me/password", wrong); st != 401 {
		t.Fatalf("first guess past the free ones: %d", st)
	}
	st, h, _ := me.do("PUT", "/v1/me/password", map[string]string{"current_password": "user password 1234", "new_password": "a brand new passphrase"})
	if st != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("inside the delay: %d", st)
	}
	clock.Advance(ThrottleFirstDelay)
	if st, _, raw := me.do("PUT", "/v1/me/password", map[string]string{"current_password": "user password 1234", "new_password": "a brand new passphrase"}); st != 204 {
		t.Fatalf("after the delay, the right password: %d %s", st, raw)
	}
}

func TestThrottleDelays(t *testing.T) {
	for _, tc := range []struct {
		n, free int
		want    time.Duration
	}{
		{0, 5, 0}, {5, 5, 0}, {6, 5, time.Second}, {7, 5, 2 * time.Second}, {10, 5, 16 * time.Second},
		{15, 5, 512 * time.Second}, {16, 5, ThrottleMaxDelay}, {1000, 5, ThrottleMaxDelay},
	} {
		if got := delayAfter(tc.n, tc.free); got != tc.want {
			t.Errorf("delayAfter(%d, %d) = %v, want %v", tc.n, tc.free, got, tc.want)
		}
	}
}

// TestUnknownAccountLooksLikeWrongPassword: the same answer for an
// unknown account and a wrong password, in both offices.
func TestUnknownAccountLooksLikeWrongPassword(t *testing.T) {
	t.Parallel()
	e := newE2E(t, dbtest.SQLite(t))
	e.operator(usermgmt.RoleSupport)
	_, _, a := e.anon.do("POST", "/admin/v1/login", `{"email": "nobody@ops.test", "password": "wrong"}`)
	_, _, b := e.anon.do("POST", "/v1/login", `{"email": "nobody@ops.test", "password": "wrong"}`)
	_, _, c := e.anon.do("POST", "/admin/v1/login", `{"email": "support@ops.test", "password": "wrong"}`)
	for _, raw := range [][]byte{a, b, c} {
		var p problem
		_ = json.Unmarshal(raw, &p)
		if p.Code != "invalid_credentials" {
			t.Fatalf("answer: %s", raw)
		}
	}
}

// clock is a settable test clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
