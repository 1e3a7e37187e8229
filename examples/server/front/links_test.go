package front_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
	"github.com/userdesk/userdesk/verification"
)

// linkEnv is a front office with verification, whose links point at it.
type linkEnv struct {
	db    *bun.DB
	users *usermgmt.Service
	v     *verification.Service
	srv   *httptest.Server
	user  *usermgmt.User
}

func newLinkEnv(t *testing.T, db *bun.DB) *linkEnv {
	t.Helper()
	users := usermgmttest.NewService(t, usermgmt.Config{Permissions: verification.Permissions()})
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	origin := "http://" + srv.Listener.Addr().String()
	v, err := verification.New(verification.Config{Users: users, BaseURL: origin + front.BasePath, AnswerFloor: -1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := front.New(front.Config{DB: db, Users: users, Verification: v})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/app/", h)
	srv.Start()
	t.Cleanup(srv.Close)
	return &linkEnv{db: db, users: users, v: v, srv: srv, user: usermgmttest.User(t, users, db)}
}

var linkRE = regexp.MustCompile(`https?://\S+?\?token=[A-Za-z0-9_-]+`)

// link reads the newest message of kind to to from the outbox and returns
// its link, which must start with the page's address.
func (e *linkEnv) link(t *testing.T, to string, kind verification.MessageKind, path string) string {
	t.Helper()
	msgs, err := e.v.Outbox(t.Context(), e.db, verification.OutboxFilter{To: to})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind != kind {
			continue
		}
		l := linkRE.FindString(m.Text)
		if want := e.srv.URL + front.BasePath + path + "?token="; !strings.HasPrefix(l, want) {
			t.Fatalf("link %q, want it to start with %q (text %q)", l, want, m.Text)
		}
		return l
	}
	t.Fatalf("no %s message to %s in %d messages", kind, to, len(msgs))
	return ""
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// showsForm GETs the link twice (a mail scanner, then the person) and
// checks that each shows the form with the token and the button.
func showsForm(t *testing.T, link, button string) {
	t.Helper()
	for i := range 2 {
		res, body := get(t, client(), link)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="token" value="`+tokenOf(t, link)+`"`) ||
			!strings.Contains(html.UnescapeString(body), button) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
			strings.Contains(body, "<script") {
			t.Fatalf("GET %d: status %d body %.400q", i+1, res.StatusCode, body)
		}
	}
}

func (e *linkEnv) own(t *testing.T) *usermgmt.User {
	t.Helper()
	u, err := e.users.GetOwnUser(t.Context(), e.db, e.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func refusedAgain(t *testing.T, page, token, again string, extra url.Values) {
	t.Helper()
	form := url.Values{"token": {token}}
	for k, v := range extra {
		form[k] = v
	}
	res, body := post(t, client(), page, form)
	body = html.UnescapeString(body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "This link is not valid any more") || !strings.Contains(body, again) ||
		strings.Contains(body, `id="link-form"`) {
		t.Errorf("reused link: status %d body %.600q", res.StatusCode, body)
	}
}

func TestVerificationLinkPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newLinkEnv(t, db)
		ctx := t.Context()
		t.Run("verify email: GET spends nothing, POST verifies, a reuse is refused in words", func(t *testing.T) {
			if err := e.v.SendEmailVerification(ctx, db, e.user.ID, verification.Client{}); err != nil {
				t.Fatal(err)
			}
			link := e.link(t, e.user.Email, verification.KindEmailVerification, front.VerifyEmailPath)
			showsForm(t, link, "Confirm my email address")
			if e.own(t).Verifications.Email.Verified {
				t.Fatal("verified by a GET")
			}
			page := e.srv.URL + front.BasePath + front.VerifyEmailPath
			res, body := post(t, client(), page, url.Values{"token": {tokenOf(t, link)}})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "Your email address is confirmed") {
				t.Fatalf("confirm: status %d body %.400q", res.StatusCode, body)
			}
			if !e.own(t).Verifications.Email.Verified {
				t.Error("not verified after the POST")
			}
			refusedAgain(t, page, tokenOf(t, link), "ask to verify your email again", nil)
			res, body = get(t, client(), page)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not valid any more") {
				t.Errorf("no token: status %d", res.StatusCode)
			}
		})
		t.Run("email change: the new address takes effect on the POST only", func(t *testing.T) {
			old := e.own(t).Email
			newAddr := "moved-" + e.user.ID.String()[:8] + "@example.org"
			if err := e.v.RequestEmailChange(ctx, db, e.user.ID, newAddr, verification.Client{}); err != nil {
				t.Fatal(err)
			}
			link := e.link(t, newAddr, verification.KindEmailChange, front.ConfirmEmailChangePath)
			showsForm(t, link, "Confirm my new address")
			if got := e.own(t).Email; got != old {
				t.Fatalf("email became %q on a GET", got)
			}
			page := e.srv.URL + front.BasePath + front.ConfirmEmailChangePath
			res, body := post(t, client(), page, url.Values{"token": {tokenOf(t, link)}})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "Your new email address is now") {
				t.Fatalf("confirm: status %d body %.400q", res.StatusCode, body)
			}
			if u := e.own(t); u.Email != newAddr || !u.Verifications.Email.Verified {
				t.Errorf("after the POST: %q verified=%v", u.Email, u.Verifications.Email.Verified)
			}
			refusedAgain(t, page, tokenOf(t, link), "change your email address again", nil)
		})
		t.Run("reset: a refused password keeps the link, then the new one works and the old is refused", func(t *testing.T) {
			email := e.own(t).Email
			if err := e.v.RequestPasswordReset(ctx, db, email, verification.Client{}); err != nil {
				t.Fatal(err)
			}
			link := e.link(t, email, verification.KindPasswordReset, front.ResetPasswordPath)
			showsForm(t, link, "Set my new password")
			page := e.srv.URL + front.BasePath + front.ResetPasswordPath
			tok := tokenOf(t, link)
			res, body := post(t, client(), page, url.Values{"token": {tok}, "password": {"short"}, "password_confirmation": {"short"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "password: must be at least 8 characters long") ||
				!strings.Contains(body, `name="token" value="`+tok+`"`) {
				t.Fatalf("short password: status %d body %.600q", res.StatusCode, body)
			}
			res, body = post(t, client(), page, url.Values{"token": {tok}, "password": {"a new long passphrase"}, "password_confirmation": {"another one"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "password confirmation: is not the same") {
				t.Fatalf("mismatch: status %d body %.600q", res.StatusCode, body)
			}
			const pw = "a new long passphrase"
			res, body = post(t, client(), page, url.Values{"token": {tok}, "password": {pw}, "password_confirmation": {pw}})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "Your password is changed") || !strings.Contains(body, `href="/app/login"`) {
				t.Fatalf("reset: status %d body %.400q", res.StatusCode, body)
			}
			if _, err := e.users.Authenticate(ctx, db, email, usermgmttest.Registration().Password); err == nil {
				t.Error("the old password still works")
			}
			if _, err := e.users.Authenticate(ctx, db, email, pw); err != nil {
				t.Errorf("the new password: %v", err)
			}
			refusedAgain(t, page, tok, "forgot my password", url.Values{"password": {"yet another passphrase"}, "password_confirmation": {"yet another passphrase"}})
		})
		t.Run("a cross-site POST is refused", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+front.BasePath+front.VerifyEmailPath, strings.NewReader("token=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if res, _ := do(t, client(), req); res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site post: %d, want 403", res.StatusCode)
			}
		})
	})
}

func TestVerificationLinkPagesOff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db) // no Config.Verification
		for _, p := range []string{front.VerifyEmailPath, front.ConfirmEmailChangePath, front.ResetPasswordPath} {
			if res, _ := get(t, client(), e.srv.URL+front.BasePath+p+"?token=x"); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s without verification: %d, want 404", p, res.StatusCode)
			}
		}
	})
}
