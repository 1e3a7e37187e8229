package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hiddenFields reads the hidden inputs of the page's reconnect form.
func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// TestThirdPartyCard: the Third parties tab on both databases: its place
// and count in the tab bar, the red link and its
// reason, search, preview, reconnect with a choice, a stale reconnect
// refused in words, undo, and an operator who may only read.
func TestThirdPartyCard(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newTPFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.support)
		page := f.srv.URL + "/admin/users/"

		// The Information tab links the tab with its count; the card is
		// no longer there.
		_, body := do(t, c, "GET", page+f.bob.ID.String(), nil)
		wantContains(t, body, `id="tab-thirdparty" href="/admin/users/`+f.bob.ID.String()+`/thirdparty">Third parties <span class="count">1</span>`)
		wantLacks(t, body, `id="h-thirdparty"`)
		// A user with no link counts 0.
		dan := usermgmttest.User(t, f.users, db, func(r *usermgmt.Registration) { r.FirstName, r.LastName, r.Email = "Dan", "Nolink", "dan@example.com" })
		_, body = do(t, c, "GET", page+dan.ID.String()+"/thirdparty", nil)
		wantContains(t, body, `Third parties <span class="count">0</span>`, "Not linked")
		_, body = do(t, c, "GET", page+f.bob.ID.String()+"/thirdparty", nil)
		wantContains(t, body, `id="tab-thirdparty" href="/admin/users/`+f.bob.ID.String()+`/thirdparty" aria-current="page"`, `id="h-thirdparty"`, `class="tp-link broken"`, "The profile was deleted at SevenRooms.", `target="_blank"`)

		_, body = do(t, c, "GET", f.srv.URL+"/admin/thirdparty/ambiguous", nil)
		wantContains(t, body, "Cleo Martin", "Clément Martin, 8 reservations", `href="/admin/users/`+f.cleo.ID.String()+`/thirdparty"`)
		_, body = do(t, c, "GET", page+f.cleo.ID.String()+"/thirdparty", nil)
		wantContains(t, body, "Ambiguous: an operator must choose", `aria-label="Compare with Clément Martin"`)

		_, body = do(t, c, "GET", page+f.ada.ID.String()+"/thirdparty?tp=search", nil)
		wantContains(t, body, "Profiles found", "Adah Lovelace, 12 reservations")

		res, body := do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/preview", url.Values{"link": {"https://evil.example/manager/x/clients/profile/" + f.otherProfile}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad link: %d %s", res.StatusCode, body)
		}
		wantContains(t, body, "role=\"alert\"")
		_, body = do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/preview", url.Values{"link": {managerURL(f.otherProfile)}})
		wantContains(t, body, `id="tp-dialog"`, "Reconnect to Adah Lovelace", `name="pick_first_name" value="provider"`)
		form := hiddenFields(body)
		form.Set("pick_first_name", "provider")
		form.Set("reason", "the guest called")
		res, _ = do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/reconnect", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users/"+f.ada.ID.String()+"/thirdparty?done=tp_reconnect" {
			t.Fatalf("reconnect: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		u, err := f.users.GetOwnUser(context.Background(), db, f.ada.ID)
		if err != nil || u.FirstName != "Adah" {
			t.Fatalf("after the reconnect: %+v %v", u, err)
		}
		// The same form again: the user changed since its preview.
		res, body = do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/reconnect", form)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("stale reconnect: %d", res.StatusCode)
		}
		wantContains(t, body, "changed meanwhile")

		_, body = do(t, c, "GET", page+f.ada.ID.String()+"/thirdparty", nil)
		m := regexp.MustCompile(`/thirdparty/merges/([0-9a-f-]{36})/undo`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no Undo button")
		}
		res, body = do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/merges/"+m[1]+"/undo", url.Values{"reason": {""}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("undo without a reason: %d %s", res.StatusCode, body)
		}
		res, _ = do(t, c, "POST", page+f.ada.ID.String()+"/thirdparty/merges/"+m[1]+"/undo", url.Values{"reason": {"wrong person"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("undo: %d", res.StatusCode)
		}
		if u, _ := f.users.GetOwnUser(context.Background(), db, f.ada.ID); u.FirstName != "Ada" {
			t.Fatalf("after the undo %q", u.FirstName)
		}

		// Finance reads the card, without the controls; a forged post is
		// refused by the library.
		finance := usermgmttest.Operator(t, f.users, db, usermgmt.RoleFinance)
		fc := f.client(t)
		f.login(t, fc, finance)
		_, body = do(t, fc, "GET", page+f.ada.ID.String()+"/thirdparty", nil)
		wantContains(t, body, `id="h-thirdparty"`, `id="tp-link"`)
		wantLacks(t, body, `id="tp-reconnect"`, `id="tp-check"`)
		res, _ = do(t, fc, "POST", page+f.ada.ID.String()+"/thirdparty/check", url.Values{})
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("finance checks: %d", res.StatusCode)
		}
	})
}
