package sevenrooms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClientConfig configures an API client. Every field's zero value is the
// documented default, except the credentials and VenueGroupID.
type ClientConfig struct {
	// BaseURL is the API root including the version, such as
	// "https://demo.sevenrooms.com/api-ext/2_4". Empty means
	// "https://www.sevenrooms.com/api-ext/2_4".
	BaseURL string
	// ClientID and ClientSecret are the API credentials.
	ClientID, ClientSecret string
	// VenueGroupID scopes client searches, lists and exports.
	VenueGroupID string
	// HTTPClient sends the requests. Nil means a client of its own with no
	// overall timeout (each attempt is bounded by RequestTimeout).
	HTTPClient *http.Client
	// RequestTimeout bounds one attempt. Zero means 15 s.
	RequestTimeout time.Duration
	// TokenMargin: a cached token is renewed this long before its stated
	// expiration. Zero means 5 min.
	TokenMargin time.Duration
	// DefaultTokenLifetime is assumed when the auth answer has no
	// token_expiration_datetime. Zero means 12 h (the shorter of the two
	// lifetimes integrations report).
	DefaultTokenLifetime time.Duration
	// MaxRetries is how many times a request refused with 429, 5xx or a
	// timeout is retried (POST only on 429, since a 5xx may hide a write).
	// Zero means 3; negative means none.
	MaxRetries int
	// RetryBase is the first backoff; each retry doubles it, with full
	// jitter. Zero means 500 ms.
	RetryBase time.Duration
	// RetryMax caps a backoff and a server's Retry-After. Zero means 60 s.
	RetryMax time.Duration
	// RateLimit requests per RatePeriod are sent at most (a token bucket
	// that lets a burst of RateLimit through). Zero means 600 per 60 s; a
	// negative RateLimit disables the limit.
	RateLimit  int
	RatePeriod time.Duration
	// PageLimit is the page size of lists and exports (at most 400). Zero
	// means 400.
	PageLimit int
	// MaxPages caps how many pages one list or export call reads; reaching
	// it returns a *PageCapError. Zero means 100.
	MaxPages int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends. Nil means a real timer; tests
	// inject one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1) for backoff jitter. Nil means
	// math/rand/v2.
	Jitter func() float64
	// Logger receives retries and re-authentications (never credentials,
	// tokens or personal data). Nil discards.
	Logger *slog.Logger
}

// Client calls the SevenRooms API. It is safe for concurrent use; one
// Client should serve the whole process so that the token cache and the
// rate limit are shared.
type Client struct {
	cfg    ClientConfig
	base   *url.URL
	http   *http.Client
	log    *slog.Logger
	bucket *bucket

	mu       sync.Mutex
	token    string
	expires  time.Time
	inflight *authCall
}

// authCall is one authentication in progress; concurrent callers wait on
// done and share its result.
type authCall struct {
	done  chan struct{}
	token string
	err   error
}

// NewClient returns a client for cfg. It returns an error when BaseURL is
// not an absolute http(s) URL, or the credentials or the venue group are
// missing.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://www.sevenrooms.com/api-ext/2_4"
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errorf("config: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.VenueGroupID == "" {
		return nil, errorf("config: client id, client secret and venue group id are required")
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if cfg.TokenMargin == 0 {
		cfg.TokenMargin = 5 * time.Minute
	}
	if cfg.DefaultTokenLifetime == 0 {
		cfg.DefaultTokenLifetime = 12 * time.Hour
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 60 * time.Second
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 600
	}
	if cfg.RatePeriod == 0 {
		cfg.RatePeriod = 60 * time.Second
	}
	if cfg.PageLimit <= 0 || cfg.PageLimit > 400 {
		cfg.PageLimit = 400
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	c := &Client{cfg: cfg, base: u, http: cfg.HTTPClient, log: cfg.Logger}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit > 0 {
		c.bucket = &bucket{size: float64(cfg.RateLimit), per: cfg.RatePeriod, tokens: float64(cfg.RateLimit), now: cfg.Now}
	}
	return c, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bucket is a token bucket on the injected clock. take reserves one
// token and says how long to wait for it.
type bucket struct {
	mu     sync.Mutex
	size   float64
	per    time.Duration
	tokens float64
	last   time.Time
	now    func() time.Time
}

func (b *bucket) take() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.size / b.per.Seconds()
		if b.tokens > b.size {
			b.tokens = b.size
		}
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.size * float64(b.per))
}

// envelope is the API's answer: {"status":200,"data":{…}} on success,
// {"status":<code>,"msg":"…"} on error.
type envelope struct {
	Status int             `json:"status"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
}

// authToken authenticates if no cached token is valid, sharing one
// authentication among concurrent callers.
func (c *Client) authToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.cfg.Now().Before(c.expires.Add(-c.cfg.TokenMargin)) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	call := c.inflight
	if call == nil {
		call = &authCall{done: make(chan struct{})}
		c.inflight = call
		go c.authenticate(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", timeoutOr(ctx.Err())
	}
}

// authenticate runs one POST /auth (it outlives a caller that gives up,
// so that the callers still waiting get its result; it is bounded by
// RequestTimeout per attempt).
func (c *Client) authenticate(ctx context.Context, call *authCall) {
	form := url.Values{"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
	var data struct {
		Token      string `json:"token"`
		Expiration Time   `json:"token_expiration_datetime"`
	}
	err := c.send(ctx, http.MethodPost, "auth", nil, "application/x-www-form-urlencoded", []byte(form.Encode()), &data, "")
	if err == nil && data.Token == "" {
		err = &APIError{Op: "POST auth", Status: http.StatusBadGateway, Msg: "no token in the answer", Err: ErrUpstream}
	}
	c.mu.Lock()
	if err == nil {
		exp := data.Expiration.Time
		if exp.IsZero() {
			exp = c.cfg.Now().Add(c.cfg.DefaultTokenLifetime)
		}
		c.token, c.expires = data.Token, exp
		c.log.Info("sevenrooms: authenticated", "expires", exp)
	}
	call.token, call.err = data.Token, err
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
}

// invalidate forgets token if it is still the cached one, so that many
// requests refused with the same token cause one authentication.
func (c *Client) invalidate(token string) {
	c.mu.Lock()
	if c.token == token {
		c.token = ""
	}
	c.mu.Unlock()
}

// do sends an authenticated request and decodes the envelope's data into
// out (if not nil). On a 401 it authenticates again, once, and retries.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	var payload []byte
	ctype := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return errorf("encode %s %s: %w", method, path, err)
		}
		payload, ctype = b, "application/json"
	}
	for attempt := 0; ; attempt++ {
		token, err := c.authToken(ctx)
		if err != nil {
			return err
		}
		err = c.send(ctx, method, path, query, ctype, payload, out, token)
		if attempt == 0 && errors.Is(err, ErrUnauthorized) {
			c.log.Info("sevenrooms: token refused, authenticating again", "op", method+" "+path)
			c.invalidate(token)
			continue
		}
		return err
	}
}

// send performs one request with retries on 429, 5xx and timeouts.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, ctype string, payload []byte, out any, token string) error {
	op := method + " " + path
	u := *c.base
	u.Path = c.base.Path + "/" + path
	u.RawQuery = query.Encode()
	idempotent := method != http.MethodPost || path == "auth"
	for attempt := 0; ; attempt++ {
		if c.bucket != nil {
			if err := c.cfg.Sleep(ctx, c.bucket.take()); err != nil {
				return timeoutOr(err)
			}
		}
		err := c.once(ctx, op, method, u.String(), ctype, payload, out, token)
		var apiErr *APIError
		if err == nil || !errors.As(err, &apiErr) || attempt >= c.cfg.MaxRetries || ctx.Err() != nil {
			return err
		}
		retry := apiErr.Status == http.StatusTooManyRequests ||
			(idempotent && (apiErr.Status >= 500 || errors.Is(err, ErrTimeout)))
		if !retry {
			return err
		}
		wait := c.backoff(attempt, apiErr.RetryAfter)
		c.log.Warn("sevenrooms: retrying", "op", op, "status", apiErr.Status, "attempt", attempt+1, "wait", wait)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return timeoutOr(err)
		}
	}
}

// backoff is full jitter on an exponential backoff, or the server's
// Retry-After if longer, both capped by RetryMax.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.cfg.RetryBase << min(attempt, 20)
	if d > c.cfg.RetryMax || d <= 0 {
		d = c.cfg.RetryMax
	}
	d = time.Duration(c.cfg.Jitter() * float64(d))
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, c.cfg.RetryMax)
}

func (c *Client) once(ctx context.Context, op, method, target, ctype string, payload []byte, out any, token string) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return errorf("%s: %w", op, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token) // as is: no "Bearer" prefix (A)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return &APIError{Op: op, Status: 0, Msg: "no answer in time", Err: ErrTimeout}
		}
		return &APIError{Op: op, Status: 0, Msg: "unreachable: " + err.Error(), Err: ErrUpstream}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		if ctx.Err() != nil {
			return &APIError{Op: op, Msg: "answer cut short by the timeout", Err: ErrTimeout}
		}
		return &APIError{Op: op, Status: resp.StatusCode, Msg: "reading the answer: " + err.Error(), Err: ErrUpstream}
	}
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	status := resp.StatusCode
	if jsonErr == nil && env.Status != 0 && status < 300 {
		status = env.Status // the envelope's status can refuse with HTTP 200
	}
	if jsonErr == nil && status < 300 && tokenRefused(env.Msg) {
		status = http.StatusUnauthorized
	}
	if status >= 300 {
		e := &APIError{Op: op, Status: status, Msg: env.Msg, Err: sentinelFor(status)}
		if e.Msg == "" {
			e.Msg = http.StatusText(status)
		}
		if tokenRefused(env.Msg) {
			e.Status, e.Err = http.StatusUnauthorized, ErrUnauthorized
		}
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())
		return e
	}
	if jsonErr != nil {
		return &APIError{Op: op, Status: resp.StatusCode, Msg: "answer is not the JSON envelope", Err: ErrUpstream}
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return &APIError{Op: op, Status: resp.StatusCode, Msg: "unexpected data: " + err.Error(), Err: ErrUpstream}
		}
	}
	return nil
}

func tokenRefused(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "permission denied") || strings.Contains(m, "token is not valid")
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
}

// timeoutOr turns a context's deadline into ErrTimeout; a cancellation
// stays context.Canceled.
func timeoutOr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &APIError{Op: "wait", Msg: "deadline reached", Err: ErrTimeout}
	}
	return err
}

// parseRetryAfter reads delay-seconds or an HTTP date; zero when absent.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Time is a SevenRooms date-time. The API's format is not published: it
// reads RFC 3339 and "2006-01-02 15:04:05[.000000]" (taken as UTC), the
// forms integrations show (B); empty and null are the zero Time.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999", "2006-01-02 15:04:05", "2006-01-02"}

// UnmarshalJSON reads the forms listed on Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("sevenrooms: date-time: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("sevenrooms: unknown date-time %q", s)
}

// MarshalJSON writes RFC 3339, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}
