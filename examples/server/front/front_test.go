package front_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/front"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/impersonation"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type env struct {
	db    *bun.DB
	users *usermgmt.Service
	imp   *impersonation.Service
	srv   *httptest.Server
	op    *usermgmt.Operator
	user  *usermgmt.User
}

func newEnv(t *testing.T, db *bun.DB) *env {
	t.Helper()
	users := usermgmttest.NewService(t, usermgmt.Config{})
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	origin := "http://" + srv.Listener.Addr().String()
	key, err := impersonation.GenerateKey("k1", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := impersonation.New(impersonation.Config{Users: users, Audience: origin, Keys: impersonation.KeyRing{Keys: []impersonation.Key{key}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := front.New(front.Config{DB: db, Users: users, Impersonation: imp})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/app/", h)
	mux.Handle("POST "+front.HandoffPath, h)
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{db: db, users: users, imp: imp, srv: srv,
		op:   usermgmttest.Operator(t, users, db, usermgmt.RoleSupport),
		user: usermgmttest.User(t, users, db)}
}

func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func (e *env) issue(t *testing.T, scope impersonation.Scope, landing impersonation.Landing) *impersonation.Issued {
	t.Helper()
	iss, err := e.imp.Issue(t.Context(), e.db, impersonation.IssueRequest{OperatorID: e.op.ID, UserID: e.user.ID,
		Reason: "ticket 7: the listing is missing", Scope: scope, Landing: landing})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestImpersonationHandoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		t.Run("a bad token is refused in words and sets no cookie", func(t *testing.T) {
			res, body := post(t, client(), e.srv.URL+"/impersonate", url.Values{"token": {"v4.public.garbage"}})
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "cannot be opened") || len(res.Cookies()) != 0 {
				t.Errorf("status %d cookies %v body %.200q", res.StatusCode, res.Cookies(), body)
			}
		})
		t.Run("read only: the banner, the landing, changes refused, the end revokes", func(t *testing.T) {
			c := client()
			iss := e.issue(t, impersonation.ScopeReadOnly, impersonation.LandingIdentity)
			res, _ := post(t, c, e.srv.URL+"/impersonate", url.Values{"token": {iss.Token}, "landing": {"bank_account"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/identity" {
				t.Fatalf("hand-off: status %d to %q (the token's landing decides)", res.StatusCode, res.Header.Get("Location"))
			}
			ck := res.Cookies()
			if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/app/" || ck[0].Value != iss.Token {
				t.Errorf("cookie %+v", ck)
			}
			res, body := get(t, c, e.srv.URL+"/app/identity")
			for _, want := range []string{`id="impersonation-banner"`, e.user.FirstName, "read only", "ticket 7: the listing is missing", `id="imp-end"`} {
				if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
					t.Errorf("identity page (status %d) lacks %q", res.StatusCode, want)
				}
			}
			if strings.Contains(body, e.user.Email) {
				t.Error("support sees the email in clear under the impersonation")
			}
			res, body = post(t, c, e.srv.URL+"/app/identity", url.Values{"first_name": {"Mallory"}})
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "read only") || !strings.Contains(body, `id="imp-end"`) {
				t.Errorf("a change under read only: status %d %.300q", res.StatusCode, body)
			}
			got, _ := e.users.GetUser(t.Context(), db, e.op.ID, e.user.ID)
			if got.FirstName != e.user.FirstName {
				t.Errorf("first name became %q", got.FirstName)
			}
			res, body = post(t, c, e.srv.URL+"/app/impersonation/end", nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "/admin/users/"+e.user.ID.String()) {
				t.Errorf("end: status %d %.300q", res.StatusCode, body)
			}
			if _, err := e.imp.Verify(t.Context(), db, iss.Token); !errorsIs(err, impersonation.ErrRevoked) {
				t.Errorf("after the end, Verify: %v, want revoked", err)
			}
			res, _ = get(t, c, e.srv.URL+"/app/identity")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/login" {
				t.Errorf("after the end: status %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
		})
		t.Run("full: an edit goes through, the bank account is refused", func(t *testing.T) {
			c := client()
			iss := e.issue(t, impersonation.ScopeFull, impersonation.LandingPresentation)
			if res, _ := post(t, c, e.srv.URL+"/impersonate", url.Values{"token": {iss.Token}}); res.Header.Get("Location") != "/app/presentation" {
				t.Fatalf("landing %q", res.Header.Get("Location"))
			}
			u, _ := e.users.GetUser(t.Context(), db, e.op.ID, e.user.ID)
			before := u.Email // as support sees it: masked
			res, body := post(t, c, e.srv.URL+"/app/presentation", url.Values{"version": {itoa(u.Version)}, "mother_tongue": {"it"}, "spoken_languages": {"it, en"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("presentation save: %d %.300q", res.StatusCode, body)
			}
			got, _ := e.users.GetUser(t.Context(), db, e.op.ID, e.user.ID)
			if got.MotherTongue != "it" || len(got.SpokenLanguages) != 2 || got.Email != before {
				t.Errorf("stored %q %v %q", got.MotherTongue, got.SpokenLanguages, got.Email)
			}
			res, body = post(t, c, e.srv.URL+"/app/bank-account", url.Values{"holder": {"X"}, "iban": {"DE89370400440532013000"}})
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only the user may do this") {
				t.Errorf("bank account under impersonation: %d %.300q", res.StatusCode, body)
			}
		})
		t.Run("the user's own login", func(t *testing.T) {
			c := client()
			res, body := post(t, c, e.srv.URL+"/app/login", url.Values{"email": {e.user.Email}, "password": {"wrong"}})
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "is wrong") {
				t.Errorf("wrong password: %d", res.StatusCode)
			}
			res, _ = post(t, c, e.srv.URL+"/app/login", url.Values{"email": {e.user.Email}, "password": {usermgmttest.Registration().Password}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", res.StatusCode)
			}
			res, body = get(t, c, e.srv.URL+"/app/identity")
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="first_name" name="first_name" value="`+e.user.FirstName) ||
				strings.Contains(body, "impersonation-banner") || strings.Contains(body, "addresses-masked") {
				t.Errorf("own identity page: %d", res.StatusCode)
			}
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/app/identity", strings.NewReader("first_name=X"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if res, _ := do(t, c, req); res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site post: %d, want 403", res.StatusCode)
			}
		})
	})
}
