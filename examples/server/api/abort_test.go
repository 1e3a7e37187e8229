package api

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
)

// TestFailureAfterTheAnswerStartedAborts: a handler that fails after it
// began streaming its answer (an export whose database read fails) gets
// its connection aborted, so the client sees a failed transfer, not a
// truncated file with a problem document glued to it; a handler that
// fails before writing still answers a problem document.
func TestFailureAfterTheAnswerStartedAborts(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, dbtest.SQLite(t))
	mux := http.NewServeMux()
	mux.Handle("GET /stream", a.serve(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = io.WriteString(w, strings.Repeat("a,b,c\n", 20000))
		return errors.New("the database went away mid-export")
	}))
	mux.Handle("GET /early", a.serve(func(w http.ResponseWriter, r *http.Request) error {
		return &badRequest{code: "invalid_query", detail: "early"}
	}))
	ts := httptest.NewServer(a.middleware(mux))
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("the failed stream read as complete: %d bytes, ends %q", len(body), body[max(0, len(body)-80):])
	}
	if strings.Contains(string(body), "problem") || strings.Contains(string(body), `"code"`) {
		t.Fatal("a problem document was appended to the streamed answer")
	}

	resp, err = http.Get(ts.URL + "/early")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), `"code":"invalid_query"`) {
		t.Fatalf("early failure: %d %s", resp.StatusCode, raw)
	}
}
