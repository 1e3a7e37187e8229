package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/server/ui"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms"
	"github.com/userdesk/userdesk/thirdparty/sevenrooms/sevenroomstest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// tpFixture is a back office with SevenRooms (the fake): ada is linked to
// a profile with her details and another profile could be hers; bob's
// profile was deleted at SevenRooms (a red link).
type tpFixture struct {
	*fixture
	fake           *sevenroomstest.Server
	ada, bob, cleo *usermgmt.User
	adaProfile     string
	otherProfile   string
	deletedProfle  string
}

func newTPFixture(t *testing.T, db *bun.DB) *tpFixture {
	t.Helper()
	ctx := context.Background()
	users := usermgmttest.NewService(t, usermgmt.Config{Permissions: append(usermgmt.OperatorPermissions(), thirdparty.Permissions()...)})
	links, err := thirdparty.New(thirdparty.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	fake := sevenroomstest.New(t, sevenroomstest.Config{})
	client, err := sevenrooms.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := sevenrooms.NewService(sevenrooms.Config{Links: links, API: client, ManagerVenue: "lebistro"})
	if err != nil {
		t.Fatal(err)
	}
	f := &tpFixture{fixture: &fixture{db: db, users: users}, fake: fake}
	f.admin = usermgmttest.Operator(t, users, db, usermgmt.RoleAdmin)
	f.support = usermgmttest.Operator(t, users, db, usermgmt.RoleSupport)
	f.ada = usermgmttest.User(t, users, db, func(r *usermgmt.Registration) {
		r.FirstName, r.LastName, r.Email = "Ada", "Lovelace", "ada@example.com"
	})
	f.bob = usermgmttest.User(t, users, db, func(r *usermgmt.Registration) {
		r.FirstName, r.LastName, r.Email, r.Phone = "Bob", "Builder", "bob@example.com", "+33700000009"
	})
	link := func(u *usermgmt.User, id string) {
		if _, err := links.SaveLink(ctx, db, thirdparty.LinkChange{UserID: u.ID, Provider: sevenrooms.Provider, ExternalID: id, Environment: "production", Status: thirdparty.StatusLinked}); err != nil {
			t.Fatal(err)
		}
	}
	f.adaProfile = fake.AddProfile(sevenrooms.Profile{FirstName: "Ada", LastName: "Lovelace", Email: f.ada.Email, PhoneNumber: f.ada.Phone, ExternalUserID: f.ada.ID.String()})
	link(f.ada, f.adaProfile)
	f.otherProfile = fake.AddProfile(sevenrooms.Profile{FirstName: "Adah", LastName: "Lovelace", PhoneNumber: f.ada.Phone, Email: "adah@restaurant.example", TotalVisits: 12})
	f.deletedProfle = fake.AddProfile(sevenrooms.Profile{FirstName: "Bob", LastName: "Builder", Email: f.bob.Email})
	link(f.bob, f.deletedProfle)
	fake.DeleteProfile(f.deletedProfle)
	if _, err := svc.CheckLink(ctx, db, f.support.ID, f.bob.ID); err != nil {
		t.Fatal(err)
	}
	// Cleo's login found two profiles: ambiguous.
	f.cleo = usermgmttest.User(t, users, db, func(r *usermgmt.Registration) {
		r.FirstName, r.LastName, r.Email, r.Phone = "Cleo", "Martin", "cleo@example.com", "+33700000077"
	})
	c1 := fake.AddProfile(sevenrooms.Profile{FirstName: "Cleo", LastName: "Martin", PhoneNumber: f.cleo.Phone, TotalVisits: 3})
	c2 := fake.AddProfile(sevenrooms.Profile{FirstName: "Clément", LastName: "Martin", PhoneNumber: f.cleo.Phone, TotalVisits: 8})
	if _, err := links.SaveLink(ctx, db, thirdparty.LinkChange{UserID: f.cleo.ID, Provider: sevenrooms.Provider, Status: thirdparty.StatusAmbiguous,
		Candidates: []thirdparty.Candidate{{ExternalID: c1, Name: "Cleo Martin", Reservations: 3}, {ExternalID: c2, Name: "Clément Martin", Reservations: 8}}}); err != nil {
		t.Fatal(err)
	}
	h, err := ui.New(ui.Config{DB: db, Users: users, Links: links, SevenRooms: svc})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", h)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func managerURL(id string) string {
	return "https://www.sevenrooms.com/manager/lebistro/clients/profile/" + id + "?tab=profile"
}

// TestBrowserThirdParties: the red link with its reason, the reconnect
// pop-up (paste, compare side by side, click the value to keep, Update and
// close) and undo, against the fake SevenRooms, with the accessibility
// check of every screen.
func TestBrowserThirdParties(t *testing.T) {
	bctx := newBrowser(t)
	db := dbtest.SQLite(t)
	f := newTPFixture(t, db)
	ctx := tab(t, bctx)
	signIn(t, ctx, f.fixture, f.support, false)
	firstName := func() string {
		t.Helper()
		u, err := f.users.GetOwnUser(context.Background(), db, f.ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u.FirstName
	}

	t.Run("red link with its reason", func(t *testing.T) {
		// From the Information tab, the Third parties tab with its count.
		run(t, ctx, chromedp.Navigate(f.srv.URL+"/admin/users/"+f.bob.ID.String()), chromedp.WaitVisible(chromedp.ID("tab-thirdparty")))
		if eval[bool](t, ctx, `!!document.getElementById("h-thirdparty")`) {
			t.Error("the Information tab still holds the Third parties card")
		}
		if got := eval[string](t, ctx, `document.querySelector("#tab-thirdparty .count").textContent`); got != "1" {
			t.Errorf("Third parties count %q, want 1", got)
		}
		run(t, ctx, chromedp.Click(chromedp.ID("tab-thirdparty")), chromedp.WaitVisible(chromedp.ID("h-thirdparty")))
		if got := eval[string](t, ctx, `document.querySelector("nav.tabs a[aria-current=page]").id`); got != "tab-thirdparty" {
			t.Errorf("current tab %q", got)
		}
		if !eval[bool](t, ctx, `document.getElementById("tp-link").classList.contains("broken") && document.getElementById("tp-link").target === "_blank"`) {
			t.Error("the broken link is not red, or does not open in a new tab")
		}
		if got := eval[string](t, ctx, `document.getElementById("tp-reason").textContent`); !strings.Contains(got, "deleted at SevenRooms") {
			t.Errorf("reason %q", got)
		}
		if eval[string](t, ctx, `getComputedStyle(document.getElementById("tp-link")).color`) == eval[string](t, ctx, `getComputedStyle(document.querySelector("a.logo")).color`) {
			t.Error("the broken link has the ordinary colour")
		}
		checkA11y(t, ctx, "tp-01-broken-link")
	})

	t.Run("the ambiguous-link queue", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(f.srv.URL+"/admin/thirdparty/ambiguous"), chromedp.WaitVisible(chromedp.ID("tp-queue")))
		if got := eval[string](t, ctx, `document.querySelector("#tp-queue td.name").textContent.trim()`); got != "Cleo Martin" {
			t.Errorf("queue row %q", got)
		}
		checkA11y(t, ctx, "tp-00-ambiguous-queue")
	})

	t.Run("reconnect with a choice per field", func(t *testing.T) {
		run(t, ctx, chromedp.Navigate(f.srv.URL+"/admin/users/"+f.ada.ID.String()+"/thirdparty"), chromedp.WaitVisible(chromedp.ID("tp-link")))
		if !eval[bool](t, ctx, `!document.querySelector("button.tp-copy").hidden`) {
			t.Error("no Copy button")
		}
		run(t, ctx, chromedp.Click(chromedp.ID("tp-reconnect")), chromedp.WaitVisible(chromedp.ID("tp-paste")))
		setField(t, ctx, "#tp-paste", managerURL(f.otherProfile))
		run(t, ctx, chromedp.Click(chromedp.ID("tp-preview")))
		waitFor(t, ctx, `!!document.getElementById("tp-dialog") && document.getElementById("tp-dialog").open`)
		if !eval[bool](t, ctx, `document.getElementById("tp-dialog").matches(":modal")`) {
			t.Error("the pop-up is not modal")
		}
		// Both sides: the app's first name is kept by default, the other greyed.
		sel := `tr[data-field="first_name"] input[value="%s"]`
		app, provider := strings.Replace(sel, "%s", "app", 1), strings.Replace(sel, "%s", "provider", 1)
		greyed := func(input string) bool {
			return eval[bool](t, ctx, `getComputedStyle(document.querySelector('`+input+`').closest("label")).textDecorationLine.includes("line-through")`)
		}
		if !eval[bool](t, ctx, `document.querySelector('`+app+`').checked`) || !greyed(provider) || greyed(app) {
			t.Fatal("the default is not the app's value with SevenRooms' greyed")
		}
		checkA11y(t, ctx, "tp-02-reconnect")
		// Click SevenRooms' value: it is kept, the app's greyed.
		run(t, ctx, chromedp.Click(`tr[data-field="first_name"] td:nth-child(3) label span`))
		if !greyed(app) || greyed(provider) {
			t.Fatal("clicking the value did not grey the other")
		}
		setField(t, ctx, "#tp-reason-input", "the guest called")
		run(t, ctx, chromedp.Click(chromedp.ID("tp-update")))
		waitFor(t, ctx, `location.search.includes("done=tp_reconnect")`)
		if got := firstName(); got != "Adah" {
			t.Fatalf("first name after the reconnect %q", got)
		}
		if got := eval[string](t, ctx, `document.getElementById("tp-link").href`); !strings.Contains(got, f.otherProfile) {
			t.Fatalf("link after the reconnect %q", got)
		}
		if p := f.fake.Profile(f.otherProfile); p.ExternalUserID != f.ada.ID.String() {
			t.Fatalf("SevenRooms profile after the reconnect %+v", p)
		}
	})

	t.Run("undo", func(t *testing.T) {
		setField(t, ctx, "form.tp-undo input[name=reason]", "wrong person")
		run(t, ctx, chromedp.Click(`form.tp-undo button`))
		waitFor(t, ctx, `location.search.includes("done=tp_undo")`)
		if got := firstName(); got != "Ada" {
			t.Fatalf("first name after the undo %q", got)
		}
		if got := eval[string](t, ctx, `document.getElementById("tp-link").href`); !strings.Contains(got, f.adaProfile) {
			t.Fatalf("link after the undo %q", got)
		}
		if got := eval[string](t, ctx, `document.querySelector(".tp-merge-status").textContent`); got != "undone" {
			t.Fatalf("merge status %q", got)
		}
		checkA11y(t, ctx, "tp-03-undone")
	})
}
