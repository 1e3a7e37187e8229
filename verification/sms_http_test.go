package verification_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userdesk/userdesk/verification"
)

const (
	twilioSID   = "AC0123456789abcdef"
	twilioToken = "twilio-auth-token-secret"
)

// fakeTwilio answers with the scripted replies in turn (the last one
// repeats) and records the requests.
type fakeTwilio struct {
	mu      sync.Mutex
	replies []func(w http.ResponseWriter)
	forms   []map[string]string
	bad     []string
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" || !ok || user != twilioSID || pass != twilioToken {
		f.bad = append(f.bad, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil {
		f.bad = append(f.bad, err.Error())
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.forms = append(f.forms, form)
	reply := f.replies[min(len(f.forms)-1, len(f.replies)-1)]
	reply(w)
}

func created(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"sid":"SM1","status":"queued"}`))
}

func status(code int, retryAfter, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(body))
	}
}

// newSMS starts the fake and a sender whose waits are recorded, not slept.
func newSMS(t *testing.T, from string, replies ...func(w http.ResponseWriter)) (*verification.HTTPSMSSender, *fakeTwilio, *[]time.Duration) {
	t.Helper()
	f := &fakeTwilio{replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	s, err := verification.NewHTTPSMSSender(verification.HTTPSMSConfig{
		BaseURL: srv.URL, AccountSID: twilioSID, AuthToken: twilioToken, From: from,
		Wait: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
		Now:  func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, f, &waits
}

var testSMS = verification.SMS{To: "+33612345678", Text: "123456 is your code", ID: "m1"}

func TestHTTPSMSSender(t *testing.T) {
	t.Parallel()
	t.Run("sends the form", func(t *testing.T) {
		t.Parallel()
		s, f, waits := newSMS(t, "+15005550006", created)
		if err := s.Send(context.Background(), testSMS); err != nil {
			t.Fatal(err)
		}
		if len(f.bad) != 0 || len(f.forms) != 1 || len(*waits) != 0 {
			t.Fatalf("bad %v, forms %v, waits %v", f.bad, f.forms, *waits)
		}
		want := map[string]string{"To": "+33612345678", "Body": "123456 is your code", "From": "+15005550006"}
		for k, v := range want {
			if f.forms[0][k] != v {
				t.Fatalf("form = %v", f.forms[0])
			}
		}
	})
	t.Run("messaging service", func(t *testing.T) {
		t.Parallel()
		s, f, _ := newSMS(t, "MG0123", created)
		if err := s.Send(context.Background(), testSMS); err != nil {
			t.Fatal(err)
		}
		if f.forms[0]["MessagingServiceSid"] != "MG0123" || f.forms[0]["From"] != "" {
			t.Fatalf("form = %v", f.forms[0])
		}
	})
	t.Run("429 honours Retry-After in seconds", func(t *testing.T) {
		t.Parallel()
		s, f, waits := newSMS(t, "+15005550006", status(429, "7", `{"code":20429,"message":"Too Many Requests"}`), created)
		if err := s.Send(context.Background(), testSMS); err != nil {
			t.Fatal(err)
		}
		if len(f.forms) != 2 || len(*waits) != 1 || (*waits)[0] != 7*time.Second {
			t.Fatalf("requests %d, waits %v", len(f.forms), *waits)
		}
	})
	t.Run("503 honours Retry-After as a date", func(t *testing.T) {
		t.Parallel()
		s, _, waits := newSMS(t, "+15005550006", status(503, "Tue, 01 Dec 2026 09:00:12 GMT", ""), created)
		if err := s.Send(context.Background(), testSMS); err != nil {
			t.Fatal(err)
		}
		if len(*waits) != 1 || (*waits)[0] != 12*time.Second {
			t.Fatalf("waits %v", *waits)
		}
	})
	t.Run("5xx backs off, then gives up", func(t *testing.T) {
		t.Parallel()
		s, f, waits := newSMS(t, "+15005550006", status(500, "", `{"code":20500,"message":"Internal Server Error"}`))
		err := s.Send(context.Background(), testSMS)
		var se *verification.SMSError
		if !errors.As(err, &se) || se.StatusCode != 500 || se.Attempts != 4 || se.Code != 20500 || se.Permanent() {
			t.Fatalf("err = %#v", err)
		}
		if errors.Is(err, verification.ErrPermanent) {
			t.Fatal("a 500 is worth retrying later")
		}
		if len(f.forms) != 4 || len(*waits) != 3 || (*waits)[0] != 500*time.Millisecond || (*waits)[2] != 2*time.Second {
			t.Fatalf("requests %d, waits %v", len(f.forms), *waits)
		}
	})
	t.Run("a Retry-After beyond the cap ends the retries", func(t *testing.T) {
		t.Parallel()
		s, f, waits := newSMS(t, "+15005550006", status(429, "3600", ""))
		err := s.Send(context.Background(), testSMS)
		var se *verification.SMSError
		if !errors.As(err, &se) || se.RetryAfter != time.Hour || len(f.forms) != 1 || len(*waits) != 0 {
			t.Fatalf("err %v, requests %d, waits %v", err, len(f.forms), *waits)
		}
	})
	t.Run("4xx is permanent and not retried", func(t *testing.T) {
		t.Parallel()
		s, f, _ := newSMS(t, "+15005550006", status(400, "", `{"code":21211,"message":"Invalid 'To' Phone Number","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`))
		err := s.Send(context.Background(), testSMS)
		var se *verification.SMSError
		if !errors.As(err, &se) || !se.Permanent() || se.Code != 21211 || se.MoreInfo == "" || len(f.forms) != 1 {
			t.Fatalf("err = %v, requests %d", err, len(f.forms))
		}
		if strings.Contains(err.Error(), twilioToken) || strings.Contains(err.Error(), "123456") {
			t.Fatal("a secret is in the error")
		}
	})
}

func TestHTTPSMSSenderTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	s, err := verification.NewHTTPSMSSender(verification.HTTPSMSConfig{
		BaseURL: srv.URL, AccountSID: twilioSID, AuthToken: twilioToken, From: "+15005550006", Timeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testSMS)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
	var se *verification.SMSError
	if errors.As(err, &se) {
		t.Fatal("a timeout is not a provider refusal")
	}
}

func TestNewHTTPSMSSenderChecksConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]verification.HTTPSMSConfig{
		"no token": {AccountSID: twilioSID, From: "+1"},
		"no from":  {AccountSID: twilioSID, AuthToken: twilioToken},
		"bad url":  {AccountSID: twilioSID, AuthToken: twilioToken, From: "+1", BaseURL: "ftp://x"},
	} {
		if _, err := verification.NewHTTPSMSSender(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
