package verification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HTTPSMSConfig configures an HTTPSMSSender for an API of the shape of
// Twilio's Messages resource: POST
// {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json with a form
// (To, Body, and From or MessagingServiceSid), HTTP basic authentication
// with the account SID and auth token, 201 with a JSON message on success
// and a JSON error {code, message, more_info, status} otherwise. Several
// providers and gateways accept the same shape.
type HTTPSMSConfig struct {
	// BaseURL is the API root. Zero means "https://api.twilio.com".
	BaseURL string
	// AccountSID and AuthToken are the credentials; both required. The
	// token is never logged or put in an error.
	AccountSID string
	AuthToken  string
	// From is the sender: a phone number in E.164 form, or a messaging
	// service id (starting with "MG"), sent as MessagingServiceSid.
	// Required.
	From string
	// Client makes the requests. Nil means a client of its own.
	Client *http.Client
	// Timeout bounds each attempt. Zero means 10 seconds.
	Timeout time.Duration
	// MaxRetries is how many times a 429 or 5xx answer is retried. Zero
	// means 3; negative means none.
	MaxRetries int
	// Backoff is the first wait between attempts when the answer has no
	// Retry-After; it doubles at each retry. Zero means 500 ms.
	Backoff time.Duration
	// MaxRetryWait caps the wait of one retry: a Retry-After beyond it
	// ends the retries at once, and the *SMSError's RetryAfter tells the
	// caller (Deliver tries the message again later). Zero means 30 s.
	MaxRetryWait time.Duration
	// Wait waits between attempts; nil waits on a timer, returning early
	// with the context's error. Tests inject it.
	Wait func(ctx context.Context, d time.Duration) error
	// Now reads the clock for a Retry-After given as a date; nil means
	// time.Now.
	Now func() time.Time
}

// SMSError is a refusal from the SMS provider, after any retries.
type SMSError struct {
	// StatusCode is the HTTP status of the last answer.
	StatusCode int
	// Code and Message are the provider's error code and text, when the
	// answer carried them; MoreInfo its documentation link.
	Code     int
	Message  string
	MoreInfo string
	// Attempts is how many requests were made.
	Attempts int
	// RetryAfter is the provider's requested wait, when it gave one.
	RetryAfter time.Duration
}

// Error describes the refusal (never the message text or credentials).
func (e *SMSError) Error() string {
	msg := fmt.Sprintf("verification: sms provider answered %d after %d attempts", e.StatusCode, e.Attempts)
	if e.Code != 0 || e.Message != "" {
		msg += fmt.Sprintf(": %d %s", e.Code, e.Message)
	}
	return msg
}

// Permanent reports whether retrying cannot help: a 4xx other than 408
// (timeout) and 429 (too many requests).
func (e *SMSError) Permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// HTTPSMSSender sends SMS through an HTTP API of Twilio's shape, with a
// timeout per attempt and retries on 429 and 5xx that honour Retry-After.
// A transport error (no answer) is not retried here, since the provider
// may have accepted the message: it is returned, and Deliver tries the
// message again later. Safe for concurrent use.
type HTTPSMSSender struct {
	cfg      HTTPSMSConfig
	endpoint string
}

var _ SMSSender = (*HTTPSMSSender)(nil)

// NewHTTPSMSSender checks cfg and returns a sender. Returns an error when
// a credential or From is missing or BaseURL is not an http(s) URL.
func NewHTTPSMSSender(cfg HTTPSMSConfig) (*HTTPSMSSender, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" || cfg.From == "" {
		return nil, errors.New("verification: sms: AccountSID, AuthToken and From are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.twilio.com"
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("verification: sms: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxRetryWait == 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	if cfg.Wait == nil {
		cfg.Wait = waitTimer
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	endpoint := strings.TrimRight(cfg.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json"
	return &HTTPSMSSender{cfg: cfg, endpoint: endpoint}, nil
}

func waitTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Send sends one SMS. Returns a *SMSError for a refusal (Permanent for a
// 4xx such as an invalid number), the context's error, or a transport
// error.
func (s *HTTPSMSSender) Send(ctx context.Context, m SMS) error {
	form := url.Values{"To": {m.To}, "Body": {m.Text}}
	if strings.HasPrefix(s.cfg.From, "MG") {
		form.Set("MessagingServiceSid", s.cfg.From)
	} else {
		form.Set("From", s.cfg.From)
	}
	body := form.Encode()
	backoff := s.cfg.Backoff
	for attempt := 1; ; attempt++ {
		smsErr, err := s.attempt(ctx, body)
		if err != nil {
			return err
		}
		if smsErr == nil {
			return nil
		}
		smsErr.Attempts = attempt
		retryable := smsErr.StatusCode == http.StatusTooManyRequests || smsErr.StatusCode >= 500
		if !retryable || attempt > s.cfg.MaxRetries {
			return smsErr
		}
		wait := backoff
		if smsErr.RetryAfter > 0 {
			wait = smsErr.RetryAfter
		}
		if wait > s.cfg.MaxRetryWait {
			return smsErr
		}
		if err := s.cfg.Wait(ctx, wait); err != nil {
			return fmt.Errorf("verification: sms: %w", err)
		}
		backoff *= 2
	}
}

// attempt makes one request: (nil, nil) on success, an *SMSError for an
// error answer, or a transport error.
func (s *HTTPSMSSender) attempt(ctx context.Context, body string) (*SMSError, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("verification: sms: %w", err)
	}
	req.SetBasicAuth(s.cfg.AccountSID, s.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		// url.Error quotes the URL, which holds no secret (credentials go
		// in the header).
		return nil, fmt.Errorf("verification: sms: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil, nil
	}
	e := &SMSError{StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), s.cfg.Now())}
	var payload struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	if json.Unmarshal(raw, &payload) == nil {
		e.Code, e.Message, e.MoreInfo = payload.Code, truncate(payload.Message, 300), payload.MoreInfo
	}
	return e, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; zero
// when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
