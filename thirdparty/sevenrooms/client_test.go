package sevenrooms_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
)

// clock is a manual clock; sleeping on it advances it and records the
// wait, so that no test really waits.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

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

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.mu.Lock()
		c.sleeps = append(c.sleeps, d)
		c.t = c.t.Add(d)
		c.mu.Unlock()
	}
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

type env struct {
	fake   *sevenroomstest.Server
	clock  *clock
	client *sevenrooms.Client
}

func newEnv(t *testing.T, fc sevenroomstest.Config, edit ...func(*sevenrooms.ClientConfig)) env {
	t.Helper()
	clk := newClock()
	fc.Now = clk.Now
	fake := sevenroomstest.New(t, fc)
	cfg := fake.ClientConfig()
	cfg.Now, cfg.Sleep = clk.Now, clk.Sleep
	cfg.Jitter = func() float64 { return 0.5 }
	for _, e := range edit {
		e(&cfg)
	}
	c, err := sevenrooms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{fake: fake, clock: clk, client: c}
}

var hex128 = regexp.MustCompile(`^[0-9a-f]{128}$`)

func TestClientAuthAndTokenCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{TokenLifetime: time.Hour})
	ctx := context.Background()
	id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada", Email: "ada@example.com"})
	for range 3 {
		p, err := e.client.GetProfile(ctx, id)
		if err != nil || p.FirstName != "Ada" {
			t.Fatalf("get: %+v, %v", p, err)
		}
	}
	if n := e.fake.Auths(); n != 1 {
		t.Fatalf("auths = %d; want 1 (token cached)", n)
	}
	reqs := e.fake.Requests()
	if reqs[0].Path != "auth" || reqs[0].Method != http.MethodPost {
		t.Fatalf("first request %+v", reqs[0])
	}
	if tok := reqs[1].Authorization; !hex128.MatchString(tok) {
		t.Fatalf("Authorization %q is not the token as is", tok)
	}
	// Within the margin (5 min) of the expiry, the token is renewed before
	// use: no request is refused.
	e.clock.Advance(56 * time.Minute)
	if _, err := e.client.GetProfile(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Auths(); n != 2 {
		t.Fatalf("auths = %d; want 2 (renewed before expiry)", n)
	}
	for _, r := range e.fake.Requests() {
		if r.Status == http.StatusUnauthorized {
			t.Fatalf("a request was refused: %+v", r)
		}
	}
}

func TestClientBadCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) { c.ClientSecret = "wrong" })
	_, err := e.client.GetProfile(context.Background(), "x")
	if !errors.Is(err, sevenrooms.ErrUnauthorized) {
		t.Fatalf("err = %v; want ErrUnauthorized", err)
	}
}

func TestClientOneReauthForConcurrent401s(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{})
	ctx := context.Background()
	id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
	if _, err := e.client.GetProfile(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireTokens() // every request in flight now gets a 401
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := e.client.GetProfile(ctx, id)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.fake.Auths(); got != 2 {
		t.Fatalf("auths = %d; want 2 (one re-authentication for %d concurrent 401s)", got, n)
	}
}

func TestClientReauthOnEnvelope401(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{})
	id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
	e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: http.StatusUnauthorized, Msg: "Permission denied"})
	if _, err := e.client.GetProfile(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Auths(); got != 2 {
		t.Fatalf("auths = %d; want 2", got)
	}
	// Refused again after the new token: unauthorized, no loop.
	e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: http.StatusUnauthorized, Times: 2})
	if _, err := e.client.GetProfile(context.Background(), id); !errors.Is(err, sevenrooms.ErrUnauthorized) {
		t.Fatalf("err = %v; want ErrUnauthorized", err)
	}
	if got := e.fake.Auths(); got != 3 {
		t.Fatalf("auths = %d; want 3", got)
	}
}

func TestClientRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("429 honours Retry-After", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{})
		id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 429, RetryAfter: "7"})
		if _, err := e.client.GetProfile(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s := e.clock.Sleeps(); len(s) != 1 || s[0] != 7*time.Second {
			t.Fatalf("sleeps = %v; want [7s]", s)
		}
	})
	t.Run("Retry-After is capped", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) { c.RetryMax = 20 * time.Second })
		id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 429, RetryAfter: "3600"})
		if _, err := e.client.GetProfile(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s := e.clock.Sleeps(); len(s) != 1 || s[0] != 20*time.Second {
			t.Fatalf("sleeps = %v; want [20s]", s)
		}
	})
	t.Run("5xx backoff with jitter then success", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{})
		id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 502, Times: 3})
		if _, err := e.client.GetProfile(ctx, id); err != nil {
			t.Fatal(err)
		}
		// Base 500 ms doubling, jitter 0.5: 250 ms, 500 ms, 1 s.
		want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
		if s := e.clock.Sleeps(); len(s) != 3 || s[0] != want[0] || s[1] != want[1] || s[2] != want[2] {
			t.Fatalf("sleeps = %v; want %v", s, want)
		}
	})
	t.Run("5xx exhausts the retries", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{})
		id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 503, Times: 10})
		_, err := e.client.GetProfile(ctx, id)
		var apiErr *sevenrooms.APIError
		if !errors.Is(err, sevenrooms.ErrUpstream) || !errors.As(err, &apiErr) || apiErr.Status != 503 {
			t.Fatalf("err = %v; want ErrUpstream 503", err)
		}
		if s := e.clock.Sleeps(); len(s) != 3 {
			t.Fatalf("sleeps = %v; want 3 retries", s)
		}
	})
	t.Run("POST is not retried on 5xx", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{})
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Method: http.MethodPost, Status: 500})
		_, err := e.client.CreateProfile(ctx, sevenrooms.ProfileInput{FirstName: ptr("Ada")})
		if !errors.Is(err, sevenrooms.ErrUpstream) || len(e.fake.Profiles()) != 0 {
			t.Fatalf("err = %v, profiles %d", err, len(e.fake.Profiles()))
		}
		if s := e.clock.Sleeps(); len(s) != 0 {
			t.Fatalf("sleeps = %v; want none", s)
		}
	})
	t.Run("429 exhausts the retries", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) { c.MaxRetries = 1 })
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: 429, Times: 5})
		if _, err := e.client.GetProfile(ctx, "x"); !errors.Is(err, sevenrooms.ErrRateLimited) {
			t.Fatalf("err = %v; want ErrRateLimited", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) {
		c.RequestTimeout = 50 * time.Millisecond
		c.MaxRetries = -1
	})
	id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
	e.fake.Inject(sevenroomstest.Fault{Path: "clients", Hang: true})
	if _, err := e.client.GetProfile(context.Background(), id); !errors.Is(err, sevenrooms.ErrTimeout) {
		t.Fatalf("err = %v; want ErrTimeout", err)
	}
}

func TestClientRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) {
		c.RateLimit, c.RatePeriod = 3, 30*time.Second
	})
	id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Ada"})
	// The burst (auth + 2 gets) passes; the next waits for one token
	// (10 s); the one after waits again.
	for range 4 {
		if _, err := e.client.GetProfile(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{10 * time.Second, 10 * time.Second}
	if s := e.clock.Sleeps(); len(s) != 2 || s[0] != want[0] || s[1] != want[1] {
		t.Fatalf("sleeps = %v; want %v", s, want)
	}
}

func TestClientTypedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		want   error
	}{
		{400, sevenrooms.ErrBadRequest}, {403, sevenrooms.ErrForbidden}, {404, sevenrooms.ErrNotFound},
		{408, sevenrooms.ErrTimeout}, {409, sevenrooms.ErrConflict}, {501, sevenrooms.ErrUpstream},
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sevenroomstest.Config{}, func(cfg *sevenrooms.ClientConfig) { cfg.MaxRetries = -1 })
			e.fake.Inject(sevenroomstest.Fault{Path: "clients", Status: c.status})
			_, err := e.client.GetProfile(context.Background(), "x")
			var apiErr *sevenrooms.APIError
			if !errors.Is(err, c.want) || !errors.As(err, &apiErr) || apiErr.Status != c.status {
				t.Fatalf("err = %v; want %v", err, c.want)
			}
		})
	}
}

func TestClientProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, sevenroomstest.Config{})
	t.Run("not found, deleted, demo id on production", func(t *testing.T) {
		id := e.fake.AddProfile(sevenrooms.Profile{FirstName: "Gone"})
		e.fake.DeleteProfile(id)
		p, err := e.client.GetProfile(ctx, id)
		if !errors.Is(err, sevenrooms.ErrDeleted) || p == nil || p.FirstName != "Gone" || len(p.Raw) == 0 {
			t.Fatalf("deleted: %+v, %v", p, err)
		}
		if _, err := e.client.GetProfile(ctx, e.fake.NewID()); !errors.Is(err, sevenrooms.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		demo := sevenroomstest.ClientID("s~sevenrooms-secure-demo", "group-1", 1)
		if _, err := e.client.GetProfile(ctx, demo); !errors.Is(err, sevenrooms.ErrNotFound) {
			t.Fatalf("demo id: %v", err)
		}
	})
	t.Run("create is idempotent on external_user_id, update", func(t *testing.T) {
		in := sevenrooms.ProfileInput{ExternalUserID: ptr("user-1"), FirstName: ptr("Ada"), Email: ptr("ada@example.com")}
		a, err := e.client.CreateProfile(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.client.CreateProfile(ctx, in)
		if err != nil || b.ID != a.ID {
			t.Fatalf("second create: %+v, %v", b, err)
		}
		u, err := e.client.UpdateProfile(ctx, a.ID, sevenrooms.ProfileInput{LastName: ptr("Lovelace")})
		if err != nil || u.LastName != "Lovelace" || u.FirstName != "Ada" {
			t.Fatalf("update: %+v, %v", u, err)
		}
	})
}

func TestClientPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, named := range []bool{false, true} {
		t.Run(map[bool]string{false: "results", true: "named lists"}[named], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sevenroomstest.Config{NamedLists: named}, func(c *sevenrooms.ClientConfig) { c.PageLimit = 2 })
			for range 5 {
				e.fake.AddProfile(sevenrooms.Profile{PhoneNumber: "+33612345678"})
			}
			e.fake.AddProfile(sevenrooms.Profile{PhoneNumber: "+33699999999"})
			got, err := e.client.SearchProfiles(ctx, sevenrooms.ProfileSearch{Phone: "+33 6 12 34 56 78"})
			if err != nil || len(got) != 5 {
				t.Fatalf("search: %d, %v", len(got), err)
			}
			for range 5 {
				e.fake.AddReservation(sevenrooms.Reservation{Date: "2026-12-01", Tags: nil})
			}
			rs, err := e.client.ExportReservations(ctx, sevenrooms.ReservationExport{})
			if err != nil || len(rs) != 5 {
				t.Fatalf("export: %d, %v", len(rs), err)
			}
		})
	}
	t.Run("token expires in the middle", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) { c.PageLimit = 2 })
		for range 5 {
			e.fake.AddProfile(sevenrooms.Profile{Email: "dup@example.com"})
		}
		e.fake.Inject(sevenroomstest.Fault{Path: "clients", After: 1, ExpireToken: true})
		got, err := e.client.SearchProfiles(ctx, sevenrooms.ProfileSearch{Email: "DUP@example.com"})
		if err != nil || len(got) != 5 {
			t.Fatalf("search: %d, %v", len(got), err)
		}
		if e.fake.Auths() != 2 {
			t.Fatalf("auths = %d; want 2", e.fake.Auths())
		}
	})
	t.Run("page cap is reported and resumable", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sevenroomstest.Config{}, func(c *sevenrooms.ClientConfig) { c.PageLimit, c.MaxPages = 2, 2 })
		for range 5 {
			e.fake.AddReservation(sevenrooms.Reservation{Date: "2026-12-01"})
		}
		rs, err := e.client.ExportReservations(ctx, sevenrooms.ReservationExport{})
		var capErr *sevenrooms.PageCapError
		if !errors.Is(err, sevenrooms.ErrPageCap) || !errors.As(err, &capErr) || len(rs) != 4 || capErr.Pages != 2 || capErr.Cursor == "" {
			t.Fatalf("export: %d, %v", len(rs), err)
		}
		rest, err := e.client.ExportReservations(ctx, sevenrooms.ReservationExport{Cursor: capErr.Cursor})
		if err != nil || len(rest) != 1 {
			t.Fatalf("resume: %d, %v", len(rest), err)
		}
	})
}

func TestFakeSeedDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sevenroomstest.Config{})
	ids := e.fake.SeedDemo()
	ctx := context.Background()
	got, err := e.client.SearchProfiles(ctx, sevenrooms.ProfileSearch{Phone: "+33612345678"})
	if err != nil || len(got) != 2 {
		t.Fatalf("shared phone: %d, %v", len(got), err)
	}
	if _, err := e.client.GetProfile(ctx, ids[2]); !errors.Is(err, sevenrooms.ErrDeleted) {
		t.Fatalf("deleted: %v", err)
	}
}
