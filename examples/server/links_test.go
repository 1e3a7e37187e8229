package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/verification"
)

// TestEmailLinksLandOnPages registers through the JSON API the way a
// user does and follows the emailed link: it names the front office's
// page, which shows a form (a second GET too: nothing spent), and its
// POST verifies the address; the JSON API's confirm route keeps working
// for the same kind of link.
func TestEmailLinksLandOnPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		mux := http.NewServeMux()
		srv := httptest.NewUnstartedServer(mux)
		origin := "http://" + srv.Listener.Addr().String()
		key := func() []byte { b := make([]byte, 32); _, _ = rand.Read(b); return b }
		cfg := config{sessionTTL: time.Hour, impersonationTTL: 15 * time.Minute, audience: origin, bankKey: key(), signingKey: key()}
		a, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/", a.routes())
		srv.Start()
		t.Cleanup(srv.Close)

		tokenRE := regexp.MustCompile(`(https?://\S+?)\?token=([A-Za-z0-9_-]+)`)
		register := func(email string) (page, token string) {
			t.Helper()
			resp, err := http.Post(srv.URL+"/v1/register", "application/json", strings.NewReader(fmt.Sprintf(
				`{"email": %q, "password": "user password 1234", "first_name": "R", "last_name": "M", "type": "individual", "roles": ["asker"]}`, email)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("register %s: %d", email, resp.StatusCode)
			}
			msgs, err := a.verification.Outbox(t.Context(), db, verification.OutboxFilter{To: email})
			if err != nil || len(msgs) != 1 || msgs[0].Kind != verification.KindEmailVerification {
				t.Fatalf("outbox of %s: %v %+v", email, err, msgs)
			}
			m := tokenRE.FindStringSubmatch(msgs[0].Text)
			if m == nil {
				t.Fatalf("no link in %q", msgs[0].Text)
			}
			return m[1], m[2]
		}
		verified := func(email string) bool {
			t.Helper()
			var ok bool
			if err := db.NewSelect().Table("userdesk_users").Column("email_verified").Where("email = ?", email).Scan(t.Context(), &ok); err != nil {
				t.Fatal(err)
			}
			return ok
		}

		page, token := register("pages@example.com")
		if want := origin + "/app/verify-email"; page != want {
			t.Fatalf("the link names %q, want %q", page, want)
		}
		for i := range 2 {
			resp, err := http.Get(page + "?token=" + token)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `value="`+token+`"`) {
				t.Fatalf("GET %d of the link: %d %.300q", i+1, resp.StatusCode, body)
			}
		}
		if verified("pages@example.com") {
			t.Fatal("verified by a GET")
		}
		resp, err := http.PostForm(page, url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Your email address is confirmed") || !verified("pages@example.com") {
			t.Fatalf("POST the link: %d %.300q", resp.StatusCode, body)
		}

		_, token = register("api@example.com")
		resp, err = http.Post(srv.URL+"/v1/email-verification/confirm", "application/json", strings.NewReader(`{"token": "`+token+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || !verified("api@example.com") {
			t.Fatalf("the API's confirm: %d", resp.StatusCode)
		}
	})
}
