package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/userdesk/userdesk/internal/dbtest"
)

// TestJSONContentLength checks that a JSON answer larger than net/http's
// own buffer (a page of 50 users) goes out with its Content-Length, not
// chunked, and that the length is the body's.
func TestJSONContentLength(t *testing.T) {
	a, _, tok := seededApp(t, dbtest.SQLite(t), 60)
	ts := httptest.NewServer(a.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/admin/v1/users?limit=50", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(body) < 8<<10 {
		t.Fatalf("status %d, %d bytes: want 200 and a page of more than 8 KB", resp.StatusCode, len(body))
	}
	if len(resp.TransferEncoding) != 0 || resp.ContentLength != int64(len(body)) {
		t.Errorf("Transfer-Encoding %v, Content-Length %d for a body of %d bytes; want no chunking and the body's length", resp.TransferEncoding, resp.ContentLength, len(body))
	}
	if body[len(body)-1] != '\n' {
		t.Errorf("body does not end with a newline, as the API's JSON always did")
	}
}
