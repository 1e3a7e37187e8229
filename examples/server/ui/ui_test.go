package ui_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/verification"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func do(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func wantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}

func wantLacks(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("page shows %q", p)
		}
	}
}

func TestLoginLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		c := f.client(t)
		res, _ := do(t, c, "GET", f.srv.URL+"/admin/users?q=x", nil)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=") {
			t.Fatalf("anonymous users list: %d %q, want a redirect to the login page", res.StatusCode, res.Header.Get("Location"))
		}
		res, body := do(t, c, "POST", f.srv.URL+"/admin/login", url.Values{"email": {f.admin.Email}, "password": {"wrong password"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong password: status %d", res.StatusCode)
		}
		wantContains(t, body, "The email or the password is wrong.")

		res, _ = do(t, c, "POST", f.srv.URL+"/admin/login", url.Values{"email": {f.admin.Email}, "password": {"operator password 1"}, "next": {"https://evil.example/"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users" {
			t.Fatalf("login: %d %q, want 303 to /admin/users (never to another site)", res.StatusCode, res.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "userdesk_admin" {
				cookie = ck
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/admin/" || cookie.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/admin/, not Secure over plain HTTP", cookie)
		}
		if _, err := f.users.ResolveSession(t.Context(), db, usermgmt.OperatorSession, cookie.Value); err != nil {
			t.Fatalf("the cookie is no live operator session: %v", err)
		}
		res, body = do(t, c, "GET", f.srv.URL+"/admin/users", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("users list: %d", res.StatusCode)
		}
		wantContains(t, body, "Ørsted", f.admin.Name)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q: want script-src 'self' without unsafe-inline", csp)
		}
		res, _ = do(t, c, "POST", f.srv.URL+"/admin/logout", url.Values{})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if _, err := f.users.ResolveSession(t.Context(), db, usermgmt.OperatorSession, cookie.Value); err == nil {
			t.Error("the session still lives after logout")
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	c := f.client(t)
	f.login(t, c, f.admin)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", f.srv.URL+"/admin/users/"+f.people[1].ID.String()+"/status",
		strings.NewReader(url.Values{"status": {"invalidated"}, "reason": {"csrf"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d, want 403", res.StatusCode)
	}
	wantContains(t, string(b), "sent from another site")
	u, err := f.users.GetUser(t.Context(), f.db, f.admin.ID, f.people[1].ID)
	if err != nil || u.Status != usermgmt.StatusLive {
		t.Fatalf("status after a refused cross-site post: %v %v", u.Status, err)
	}
}

func TestUsersListSearchFilterMask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		admin, support := f.client(t), f.client(t)
		f.login(t, admin, f.admin)
		f.login(t, support, f.support)
		cases := []struct {
			name, query string
			want, lack  []string
		}{
			{"keyword folds accents and Ø", "q=orsted", []string{"Zoé Ørsted"}, []string{"Adam Martin"}},
			{"spoken language", "lang=de", []string{"Adam Martin", "Chloé Bernard"}, []string{"Zoé Ørsted"}},
			{"has a listing", "listing=yes", []string{"Zoé Ørsted", "Chloé Bernard"}, []string{"Adam Martin"}},
			{"category", "category=" + f.category.ID.String(), []string{"Zoé Ørsted"}, []string{"Adam Martin"}},
			{"customers only", "role=askers_only", []string{"Adam Martin"}, []string{"Zoé Ørsted"}},
			{"status in review", "status=in_review", []string{"No user matches"}, []string{"Zoé Ørsted"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, body := do(t, admin, "GET", f.srv.URL+"/admin/users?"+tc.query, nil)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
				wantContains(t, body, tc.want...)
				wantLacks(t, body, tc.lack...)
			})
		}
		_, body := do(t, admin, "GET", f.srv.URL+"/admin/users?sort=name&dir=asc&count=1", nil)
		wantContains(t, body, "7 users match")
		if strings.Index(body, "Chloé Bernard") > strings.Index(body, "Béatrice Dupont") {
			t.Error("alphabetical order: Bernard should come before Dupont")
		}
		wantContains(t, body, f.people[0].Email)
		_, body = do(t, support, "GET", f.srv.URL+"/admin/users", nil)
		wantLacks(t, body, f.people[0].Email, "Exports")
		wantContains(t, body, usermgmt.MaskEmail(f.people[0].Email))

		res, body := do(t, admin, "GET", f.srv.URL+"/admin/users?from=yesterday", nil)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %d", res.StatusCode)
		}
		wantContains(t, body, "Created from: enter a date")
	})
}

func TestUsersPaging(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	c := f.client(t)
	f.login(t, c, f.admin)
	seen := map[string]bool{}
	next := "/admin/users?sort=name&dir=asc"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		_, body := do(t, c, "GET", f.srv.URL+strings.ReplaceAll(next, "&amp;", "&")+"&limit=3", nil)
		for _, n := range demoNames {
			if strings.Contains(body, n[0]+" "+n[1]) {
				if seen[n[1]] {
					t.Errorf("%s seen twice", n[1])
				}
				seen[n[1]] = true
			}
		}
		next = ""
		if i := strings.Index(body, `rel="next" id="next-page"`); i >= 0 {
			start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
			next = body[start : strings.Index(body[start:], `"`)+start]
		}
	}
	if len(seen) != len(demoNames) {
		t.Errorf("saw %d users across pages, want %d", len(seen), len(demoNames))
	}
}

func TestExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		admin, support := f.client(t), f.client(t)
		f.login(t, admin, f.admin)
		f.login(t, support, f.support)
		res, body := do(t, admin, "GET", f.srv.URL+"/admin/users/export?format=csv&lang=de", nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+3 {
			t.Errorf("export of the German speakers: %d lines, want a header and 3 rows", len(rows))
		}
		res, body = do(t, support, "GET", f.srv.URL+"/admin/users/export?format=csv", nil)
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("support export: %d, want the refusal page", res.StatusCode)
		}
		wantContains(t, body, "You are not allowed", "users.export")
	})
}

func TestStatusFromList(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	c := f.client(t)
	f.login(t, c, f.support)
	u := f.people[2]
	res, _ := do(t, c, "POST", f.srv.URL+"/admin/users/"+u.ID.String()+"/status",
		url.Values{"status": {"in_review"}, "reason": {"ticket 42"}, "back": {"/admin/users?q=dupont"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/users?") {
		t.Fatalf("status change: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got, _ := f.users.GetUser(t.Context(), f.db, f.admin.ID, u.ID)
	if got.Status != usermgmt.StatusInReview {
		t.Fatalf("status %s, want in_review", got.Status)
	}
	res, body := do(t, c, "POST", f.srv.URL+"/admin/users/"+u.ID.String()+"/status", url.Values{"status": {"live"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no reason: %d", res.StatusCode)
	}
	wantContains(t, body, "Reason:")
}

func TestDetailCardsAndForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		admin, support, finance := f.client(t), f.client(t), f.client(t)
		f.login(t, admin, f.admin)
		f.login(t, support, f.support)
		f.login(t, finance, f.finance)
		u := f.people[0]
		detail := f.srv.URL + "/admin/users/" + u.ID.String()
		_, body := do(t, admin, "GET", detail, nil)
		wantContains(t, body, "Presentation", "Identity", "Bank account", "FR ••• 0189", "PSP details", "Guest users",
			"Summary", "Status:", "Password", "Fees", "Categories", "Verifications", "Delete this user", "Audit trail", "Photographers")

		t.Run("fees keep empty and zero apart", func(t *testing.T) {
			res, _ := do(t, admin, "POST", detail+"/fees", url.Values{"asker_percent": {""}, "asker_fixed": {"0"}, "offeror_percent": {"5"}, "offeror_fixed": {""}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save fees: %d", res.StatusCode)
			}
			uf, err := f.users.GetUserFees(t.Context(), db, f.admin.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if uf.Override.AskerPercent.Valid || !uf.Override.AskerFixed.Valid || !uf.Override.AskerFixed.Decimal.IsZero() {
				t.Errorf("override %+v: want asker percent unset and asker fixed 0", uf.Override)
			}
			_, body := do(t, admin, "GET", detail, nil)
			wantContains(t, body, `id="asker_percent" name="asker_percent" inputmode="decimal" value=""`, `id="asker_fixed" name="asker_fixed" inputmode="decimal" value="0"`)
			res, body = do(t, admin, "POST", detail+"/fees", url.Values{"asker_percent": {"150"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("150%%: %d", res.StatusCode)
			}
			wantContains(t, body, "Fee as asker (%)", `value="150"`)
			res, _ = do(t, support, "POST", detail+"/fees", url.Values{"asker_percent": {"1"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("support edits fees: %d", res.StatusCode)
			}
		})
		t.Run("quote", func(t *testing.T) {
			_, body := do(t, admin, "GET", detail+"/fees/quote?asker_percent=20&asker_fixed=50&offeror_percent=5&offeror_fixed=10&price=100", nil)
			wantContains(t, body, `"CustomerTotal":"170.00"`, `"VendorPayout":"85.00"`, `"PlatformTotal":"85.00"`)
			_, body = do(t, admin, "GET", detail+"/fees/quote?asker_percent=abc&price=100", nil)
			wantContains(t, body, "No quote: Fee as asker (%)")
		})
		t.Run("password", func(t *testing.T) {
			res, body := do(t, admin, "POST", detail+"/password", url.Values{"password": {"correct horse battery"}, "confirmation": {"correct horse staple"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("mismatch: %d", res.StatusCode)
			}
			wantContains(t, body, "Confirmation:")
			res, body = do(t, finance, "POST", detail+"/password", url.Values{"password": {"correct horse battery"}, "confirmation": {"correct horse battery"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("finance sets a password: %d", res.StatusCode)
			}
			wantContains(t, body, "You are not allowed", "users.set_password")
			res, _ = do(t, admin, "POST", detail+"/password", url.Values{"password": {"correct horse battery"}, "confirmation": {"correct horse battery"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("set password: %d", res.StatusCode)
			}
			if _, err := f.users.Authenticate(t.Context(), db, u.Email, "correct horse battery"); err != nil {
				t.Errorf("the new password does not work: %v", err)
			}
		})
		t.Run("bank reveal", func(t *testing.T) {
			_, body := do(t, finance, "POST", detail+"/bank/reveal", url.Values{})
			wantContains(t, body, "FR7630006000011234567890189", "this reveal was recorded")
			_, body = do(t, support, "GET", detail, nil)
			wantContains(t, body, "FR ••• 0189", "needs the personal-data permission")
			res, body := do(t, support, "POST", detail+"/bank/reveal", url.Values{})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("support reveal: %d", res.StatusCode)
			}
			wantContains(t, body, "You are not allowed")
			wantLacks(t, body, "FR7630006000011234567890189")
		})
		t.Run("verifications and categories", func(t *testing.T) {
			do(t, admin, "POST", detail+"/verifications", url.Values{"id_verified": {"on"}})
			do(t, admin, "POST", detail+"/categories", url.Values{})
			got, _ := f.users.GetUser(t.Context(), db, f.admin.ID, u.ID)
			if !got.Verifications.ID.Verified || got.Verifications.Email.Verified {
				t.Errorf("verifications %+v", got.Verifications)
			}
			cats, _ := f.users.UserCategories(t.Context(), db, u.ID)
			if len(cats) != 0 {
				t.Errorf("categories %v, want none", cats)
			}
		})
		t.Run("impersonate", func(t *testing.T) {
			res, body := do(t, finance, "POST", detail+"/impersonate", url.Values{"scope": {"read_only"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("impersonate without a reason: %d", res.StatusCode)
			}
			wantContains(t, body, "Reason:")
			res, body = do(t, finance, "POST", detail+"/impersonate", url.Values{"reason": {"ticket 7: sees no payouts"}, "scope": {"read_only"}, "landing": {"bank_account"}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("impersonate: %d", res.StatusCode)
			}
			wantContains(t, body, `action="`+f.front.URL+`/impersonate"`, `name="token" value="v4.public.`, `name="landing" value="bank_account"`)
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+f.front.URL) {
				t.Errorf("CSP %q does not let the hand-off post to the front office", csp)
			}
		})
		t.Run("delete", func(t *testing.T) {
			victim := detail[:len(detail)-len(u.ID.String())] + f.people[6].ID.String()
			res, body := do(t, admin, "POST", victim+"/delete", url.Values{"reason": {"asked by the user"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("unconfirmed delete: %d", res.StatusCode)
			}
			wantContains(t, body, "tick the box")
			res, _ = do(t, admin, "POST", victim+"/delete", url.Values{"reason": {"asked by the user"}, "confirm": {"yes"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("delete: %d", res.StatusCode)
			}
			res, body = do(t, admin, "GET", victim, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("erased user's page: %d", res.StatusCode)
			}
			wantContains(t, body, "does not exist, or was deleted")
		})
		_, body = do(t, admin, "GET", detail, nil)
		wantContains(t, body, "Fees changed", "Bank account revealed", "Impersonation started", "ticket 7: sees no payouts")
	})
}

func TestSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		admin, support := f.client(t), f.client(t)
		f.login(t, admin, f.admin)
		f.login(t, support, f.support)
		_, body := do(t, admin, "GET", f.srv.URL+"/admin/settings", nil)
		wantContains(t, body, "Platform mode", "Default status", "Standard fees")
		st, _ := usermgmt.GetSettings(t.Context(), db)
		form := url.Values{"version": {itoa(st.Version)}, "currency": {st.Currency}, "asker_percent": {"12.5"}, "asker_fixed": {"1"},
			"offeror_percent": {"3"}, "offeror_fixed": {"0"}, "default_user_status": {"in_review"}, "platform_mode": {"non_switch"}}
		res, body := do(t, support, "POST", f.srv.URL+"/admin/settings", form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("support saves settings: %d", res.StatusCode)
		}
		wantContains(t, body, "You are not allowed")
		res, _ = do(t, admin, "POST", f.srv.URL+"/admin/settings", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", res.StatusCode)
		}
		st, _ = usermgmt.GetSettings(t.Context(), db)
		if st.DefaultUserStatus != usermgmt.StatusInReview || st.PlatformMode != usermgmt.NonSwitchMode || st.AskerPercent.String() != "12.5" {
			t.Errorf("settings %+v", st)
		}
		res, body = do(t, admin, "POST", f.srv.URL+"/admin/settings", form)
		if res.StatusCode != http.StatusConflict {
			t.Errorf("stale save: %d", res.StatusCode)
		}
		wantContains(t, body, "Someone else changed this")
	})
}

func TestErrorsInWords(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	c := f.client(t)
	f.login(t, c, f.admin)
	for _, path := range []string{"/admin/users/not-a-uid", "/admin/users/0190f0c0-0000-7000-8000-000000000000", "/admin/nowhere", "/admin/users?cursor=garbage"} {
		res, body := do(t, c, "GET", f.srv.URL+path, nil)
		if res.StatusCode < 400 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		wantContains(t, body, `role="alert"`)
		wantLacks(t, body, "usermgmt:", "goroutine", ".go:")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestOperators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		admin, support := f.client(t), f.client(t)
		f.login(t, admin, f.admin)
		f.login(t, support, f.support)
		res, body := do(t, support, "GET", f.srv.URL+"/admin/operators", nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("support lists operators: %d", res.StatusCode)
		}
		wantContains(t, body, "You are not allowed")
		_, body = do(t, admin, "GET", f.srv.URL+"/admin/operators", nil)
		wantContains(t, body, f.support.Email, f.finance.Email, "New operator")

		res, body = do(t, admin, "POST", f.srv.URL+"/admin/operators", url.Values{"name": {"Nina"}, "email": {"nina@example.com"}, "password": {"short"}, "role": {"support"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("short password: %d", res.StatusCode)
		}
		wantContains(t, body, "password", `value="nina@example.com"`)
		res, _ = do(t, admin, "POST", f.srv.URL+"/admin/operators", url.Values{"name": {"Nina"}, "email": {"nina@example.com"}, "password": {"a good long password"}, "role": {"support"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", res.StatusCode)
		}
		op, err := f.users.GetOperator(t.Context(), db, f.support.ID)
		if err != nil {
			t.Fatal(err)
		}
		path := f.srv.URL + "/admin/operators/" + op.ID.String()
		res, _ = do(t, admin, "POST", path+"/roles", url.Values{"version": {itoa(op.Version)}, "role": {"support", "finance"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("roles: %d", res.StatusCode)
		}
		op, _ = f.users.GetOperator(t.Context(), db, f.support.ID)
		if len(op.Roles) != 2 {
			t.Errorf("roles %v", op.Roles)
		}
		res, body = do(t, admin, "POST", path+"/roles", url.Values{"version": {itoa(op.Version - 1)}, "role": {"support"}})
		if res.StatusCode != http.StatusConflict {
			t.Errorf("stale roles: %d", res.StatusCode)
		}
		wantContains(t, body, "Someone else changed this")
		res, _ = do(t, admin, "POST", path+"/active", url.Values{"version": {itoa(op.Version)}, "active": {"false"}, "reason": {"left the team"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", res.StatusCode)
		}
		res, _ = do(t, support, "GET", f.srv.URL+"/admin/users", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("a deactivated operator still reaches the users list: %d", res.StatusCode)
		}
	})
}

func TestGuestEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.admin)
		path := f.srv.URL + "/admin/users/" + f.people[0].ID.String()
		_, body := do(t, c, "GET", path, nil)
		wantContains(t, body, "helper@example.com", "manage_listings", "Save invitation")
		form := url.Values{"version": {itoa(f.guest.Version)}, "email": {"helper2@example.com"}, "role": {"manage_bookings", "view_payouts"}}
		res, _ := do(t, c, "POST", path+"/guests/"+f.guest.ID.String(), form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit guest: %d", res.StatusCode)
		}
		gs, err := f.users.ListGuests(t.Context(), db, f.admin.ID, f.people[0].ID)
		if err != nil || len(gs) != 1 || gs[0].Email != "helper2@example.com" || len(gs[0].Roles) != 2 {
			t.Fatalf("guests %+v %v", gs, err)
		}
		res, body = do(t, c, "POST", path+"/guests/"+f.guest.ID.String(), form)
		if res.StatusCode != http.StatusConflict {
			t.Errorf("stale edit: %d", res.StatusCode)
		}
		wantContains(t, body, "Someone else changed this")
	})
}

// TestResetLinkAndIDEvidenceForms posts the password card's reset-link
// button and the ID evidence form on both databases: support may, finance
// may not; a decision without a reason is refused in the card, keeping
// what was typed.
func TestResetLinkAndIDEvidenceForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		support, finance := f.client(t), f.client(t)
		f.login(t, support, f.support)
		f.login(t, finance, f.finance)
		u := f.srv.URL + "/admin/users/" + f.people[1].ID.String()

		res, _ := do(t, support, "POST", u+"/password-reset", url.Values{})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users/"+f.people[1].ID.String()+"?done=reset_link#password" {
			t.Fatalf("reset link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		ms, err := f.verify.Outbox(t.Context(), db, verification.OutboxFilter{To: f.people[1].Email})
		if err != nil || len(ms) != 1 || ms[0].Kind != verification.KindPasswordReset {
			t.Fatalf("outbox: %v %v", ms, err)
		}
		if res, body := do(t, finance, "POST", u+"/password-reset", url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("finance sent a reset link: %d %.200s", res.StatusCode, body)
		}

		res, body := do(t, support, "POST", u+"/id-verification", url.Values{"id_decision": {"verified"}, "id_reason": {""}, "id_reference": {"KYC-9"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("no reason: %d", res.StatusCode)
		}
		wantContains(t, body, "Reason: ", `value="KYC-9"`)
		res, _ = do(t, support, "POST", u+"/id-verification", url.Values{"id_decision": {"verified"}, "id_reason": {"passport seen"}, "id_reference": {"KYC-9"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decision: %d", res.StatusCode)
		}
		_, body = do(t, support, "GET", u, nil)
		wantContains(t, body, "passport seen", "KYC-9", "ID verification recorded")
		if res, _ := do(t, finance, "POST", u+"/id-verification", url.Values{"id_decision": {"not_verified"}, "id_reason": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("finance recorded a decision: %d", res.StatusCode)
		}
		got, err := f.users.GetUser(t.Context(), db, f.admin.ID, f.people[1].ID)
		if err != nil || !got.Verifications.ID.Verified || got.Verifications.ID.By == nil || *got.Verifications.ID.By != f.support.ID {
			t.Fatalf("ID flag: %+v %v", got.Verifications.ID, err)
		}
	})
}
