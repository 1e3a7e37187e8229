package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt"
)

// tabCounts reads the tab bar: label → count.
func tabCounts(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	pairs := eval[[][]string](t, ctx, `Array.from(document.querySelectorAll("nav.tabs a")).map(a => [a.id.replace("tab-", ""), (a.querySelector(".count") || {}).textContent || ""])`)
	out := map[string]string{}
	for _, p := range pairs {
		out[p[0]] = p[1]
	}
	return out
}

// TestBrowserTabs drives the user page's tabs of the second product
// document: Information, Reservations, Referral, Events and Devices.
func TestBrowserTabs(t *testing.T) {
	bctx := newBrowser(t)
	f := newFixture(t, dbtest.SQLite(t))
	admin := tab(t, bctx)
	signIn(t, admin, f, f.admin, false)
	zoe := f.srv.URL + "/admin/users/" + f.people[0].ID.String()

	t.Run("the tab bar with counts", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(zoe), chromedp.WaitVisible(chromedp.CSS("nav.tabs")))
		c := tabCounts(t, admin)
		if c["reservations"] != "3" || c["referral"] != "1" || c["devices"] != "2" || c["events"] == "" {
			t.Errorf("tab counts %v", c)
		}
		if _, ok := c["information"]; !ok {
			t.Errorf("no Information tab: %v", c)
		}
		if cur := eval[string](t, admin, `document.querySelector("nav.tabs a[aria-current=page]").id`); cur != "tab-information" {
			t.Errorf("current tab %q", cur)
		}
	})
	t.Run("reservations: App and Bot, upcoming and past", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(zoe), chromedp.WaitVisible(chromedp.ID("tab-reservations")), chromedp.Click(chromedp.ID("tab-reservations")))
		waitFor(t, admin, `!!document.getElementById("reservations")`)
		up := eval[[]string](t, admin, `Array.from(document.querySelectorAll("#res-upcoming tbody tr")).map(r => r.cells[1].textContent)`)
		past := eval[[]string](t, admin, `Array.from(document.querySelectorAll("#res-past tbody tr")).map(r => r.cells[1].textContent + "|" + r.cells[3].textContent + "|" + r.cells[4].textContent)`)
		if strings.Join(up, ",") != "Septime" {
			t.Errorf("upcoming %v", up)
		}
		if len(past) != 2 || !strings.HasPrefix(past[0], "Le Bistrot Paul Bert|Bot (whatsapp)|no_show") || !strings.HasPrefix(past[1], "Chez Janou|App") {
			t.Errorf("past, latest first: %v", past)
		}
		if body := eval[string](t, admin, `document.body.textContent`); strings.Contains(body, "Web Only") {
			t.Error("a web reservation is on the App-or-Bot tab")
		}
		checkA11y(t, admin, "20-tab-reservations")
	})
	t.Run("referral: direct entry, the arrows, the ledger, referrer and referees", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(zoe+"/referral"), chromedp.WaitVisible(chromedp.ID("credits-to")))
		if b := eval[string](t, admin, `document.getElementById("balance").textContent`); b != "3" {
			t.Errorf("balance %q, want the 3 initial credits", b)
		}
		setField(t, admin, "#credits-to", "5")
		setField(t, admin, "#credits-reason", "ticket 12: promised two more")
		run(t, admin, chromedp.Click(chromedp.ID("credits-save")))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.getElementById("balance").textContent === "5"`)
		run(t, admin, chromedp.Click(chromedp.ID("credit-up")))
		waitFor(t, admin, `document.getElementById("balance").textContent === "6"`)
		run(t, admin, chromedp.Click(chromedp.ID("credit-down")))
		waitFor(t, admin, `document.getElementById("balance").textContent === "5"`)
		ledger := eval[[]string](t, admin, `Array.from(document.querySelectorAll("#ledger tbody tr")).map(r => r.cells[1].textContent + " " + r.cells[2].textContent)`)
		if len(ledger) != 4 || ledger[0] != "-1 5" || ledger[1] != "+1 6" || ledger[2] != "+2 5" || ledger[3] != "+3 3" {
			t.Errorf("ledger, newest first: %v", ledger)
		}
		if !strings.Contains(eval[string](t, admin, `document.getElementById("ledger").textContent`), "ticket 12") {
			t.Error("the ledger lacks the reason")
		}
		if r := eval[string](t, admin, `document.querySelector("#referees li a").textContent`); r != "Adam Martin" {
			t.Errorf("referee %q", r)
		}
		checkA11y(t, admin, "21-tab-referral")
		card, err := f.referral.Card(t.Context(), f.db, f.admin.ID, f.people[0].ID, referral.CardOptions{})
		if err != nil || card.Balance != 5 {
			t.Errorf("stored balance %v %v", card, err)
		}
		// Another change meanwhile: the Save of a stale page is refused
		// with the current balance, not overwritten.
		if _, err := f.referral.StepCredits(t.Context(), f.db, f.admin.ID, f.people[0].ID, referral.CreditStep{Delta: 1}); err != nil {
			t.Fatal(err)
		}
		setField(t, admin, "#credits-to", "9")
		run(t, admin, chromedp.Click(chromedp.ID("credits-save")))
		waitFor(t, admin, `!!document.querySelector(".error") && document.querySelector(".error").textContent.includes("now 6")`)
		// The referee's page links the referrer.
		run(t, admin, chromedp.Navigate(f.srv.URL+"/admin/users/"+f.people[1].ID.String()+"/referral"), chromedp.WaitVisible(chromedp.ID("referrer-link")),
			chromedp.Click(chromedp.ID("referrer-link")))
		waitFor(t, admin, `!!document.getElementById("presentation") && document.querySelector("h1").textContent.includes("Zoé Ørsted")`)
	})
	t.Run("events: the last ones, filtered", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(zoe+"/events"), chromedp.WaitVisible(chromedp.ID("events-table")))
		types := eval[[]string](t, admin, `Array.from(document.querySelectorAll("#events-table tbody tr")).map(r => r.cells[1].textContent)`)
		if len(types) < 4 || !strings.Contains(strings.Join(types, ","), "bot.message") || !strings.Contains(strings.Join(types, ","), "Bank account set") {
			t.Errorf("events and operator actions: %v", types)
		}
		checkA11y(t, admin, "22-tab-events")
		rowTypes := func() string {
			t.Helper()
			return strings.Join(eval[[]string](t, admin, `Array.from(document.querySelectorAll("#events-table tbody tr")).map(r => r.cells[1].textContent)`), ",")
		}
		tick := func(name, value string) {
			t.Helper()
			run(t, admin, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form.filters input[name=%s][value=%q]`, name, value))))
		}
		// One channel.
		tick("channel", "bot")
		run(t, admin, chromedp.Click(chromedp.ID("ev-apply")))
		waitFor(t, admin, `location.search.includes("channel=bot")`)
		if got := rowTypes(); got != "bot.message" {
			t.Errorf("bot events %v", got)
		}
		// Two channels at once: the Bot's and the App's events, still no
		// operator action (they are the back office's channel).
		tick("channel", "app")
		run(t, admin, chromedp.Click(chromedp.ID("ev-apply")))
		waitFor(t, admin, `location.search.includes("channel=bot") && location.search.includes("channel=app")`)
		if got := rowTypes(); got != "bot.message,search.performed,auth.login" {
			t.Errorf("App and Bot events %v", got)
		}
		if !eval[bool](t, admin, `document.querySelector("form.filters input[name=channel][value=bot]").checked && document.querySelector("form.filters input[name=channel][value=app]").checked`) {
			t.Error("the ticked channels are not kept")
		}
		// Two types at once, any channel, with a date range that holds them.
		tick("channel", "bot")
		tick("channel", "app")
		tick("type", "auth.login")
		tick("type", "bot.message")
		now := f.clock.Now().UTC()
		setField(t, admin, "#ev-from", now.AddDate(0, 0, -2).Format("2006-01-02"))
		setField(t, admin, "#ev-to", now.Format("2006-01-02"))
		run(t, admin, chromedp.Click(chromedp.ID("ev-apply")))
		waitFor(t, admin, `location.search.includes("type=auth.login") && location.search.includes("type=bot.message") && !location.search.includes("channel=")`)
		if got := rowTypes(); got != "bot.message,auth.login" {
			t.Errorf("login and bot events %v", got)
		}
		checkA11y(t, admin, "22-tab-events-filtered")
		// The same types from tomorrow on: nothing.
		setField(t, admin, "#ev-from", now.AddDate(0, 0, 1).Format("2006-01-02"))
		setField(t, admin, "#ev-to", "")
		run(t, admin, chromedp.Click(chromedp.ID("ev-apply")))
		waitFor(t, admin, `location.search.includes("from=`+now.AddDate(0, 0, 1).Format("2006-01-02")+`")`)
		if got := rowTypes(); got != "" || !strings.Contains(eval[string](t, admin, `document.getElementById("events").textContent`), "Nothing matches") {
			t.Errorf("events from tomorrow %q", got)
		}
		run(t, admin, chromedp.Navigate(zoe+"/events?type=auth.login&operator_actions=no"), chromedp.WaitVisible(chromedp.ID("events-table")))
		if d := eval[string](t, admin, `document.querySelector("#events-table tbody tr").cells[3].textContent`); !strings.Contains(d, "method: password") || !strings.Contains(d, "app 3.2.0") {
			t.Errorf("login details %q", d)
		}
		run(t, admin, chromedp.Navigate(zoe+"/events?from=nonsense"), chromedp.WaitVisible(chromedp.CSS(".error")))
	})
	t.Run("devices: previous greyed, versions, revoke", func(t *testing.T) {
		run(t, admin, chromedp.Navigate(zoe+"/devices"), chromedp.WaitVisible(chromedp.ID("devices-table")))
		rows := eval[[]string](t, admin, `Array.from(document.querySelectorAll("#devices-table tbody tr")).map(r => r.className + "|" + r.dataset.device + "|" + r.cells[1].textContent + "|" + r.cells[2].textContent)`)
		if len(rows) != 2 || !strings.HasPrefix(rows[0], "current|iphone-new|iOS 18.1|3.2.0") || !strings.HasPrefix(rows[1], "previous|android-old|Android 12|2.9.1") || !strings.Contains(rows[1], "outdated") {
			t.Errorf("devices %v", rows)
		}
		if c := eval[string](t, admin, `getComputedStyle(document.querySelector("tr.previous td")).color`); c == eval[string](t, admin, `getComputedStyle(document.querySelector("tr.current td")).color`) {
			t.Error("the previous device is not greyed")
		}
		checkA11y(t, admin, "23-tab-devices")
		run(t, admin, chromedp.Click(chromedp.CSS(`tr[data-device="iphone-new"] details.revoke summary`)),
			chromedp.SendKeys(chromedp.CSS(`tr[data-device="iphone-new"] input[name=reason]`), "ticket 40: phone stolen"),
			chromedp.Click(chromedp.CSS(`tr[data-device="iphone-new"] button[type=submit]`)))
		waitFor(t, admin, `!!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("revoked")`)
		if st := eval[string](t, admin, `document.querySelector('tr[data-device="iphone-new"]').cells[6].textContent`); !strings.HasPrefix(st, "Revoked") {
			t.Errorf("state after revoke %q", st)
		}
		ds, err := f.activity.UserDevices(t.Context(), f.db, f.admin.ID, f.people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.DeviceID == "iphone-new" && d.RevokedAt == nil {
				t.Error("the device was not revoked")
			}
		}
	})
	t.Run("referral: support changes the referrer, finance may not", func(t *testing.T) {
		support := tab(t, bctx)
		signIn(t, support, f, f.support, false)
		adam := f.srv.URL + "/admin/users/" + f.people[1].ID.String() + "/referral"
		run(t, support, chromedp.Navigate(adam), chromedp.WaitVisible(chromedp.ID("referrer-link")))
		run(t, support, chromedp.Click(chromedp.ID("referrer-change")), chromedp.WaitVisible(chromedp.ID("referrer-id")))
		// Oneself: refused in words, the values kept.
		setField(t, support, "#referrer-id", f.people[1].ID.String())
		setField(t, support, "#referrer-reason", "ticket 51: wrong code typed")
		run(t, support, chromedp.Click(chromedp.ID("referrer-save")))
		waitFor(t, support, `!!document.querySelector(".error") && document.querySelector(".error").textContent.includes("New referrer")`)
		if got := eval[string](t, support, `document.querySelector(".error").textContent`); !strings.Contains(got, "own referrer") {
			t.Errorf("self-referral refusal %q", got)
		}
		if got := eval[string](t, support, `document.getElementById("referrer-reason").value`); got != "ticket 51: wrong code typed" {
			t.Errorf("reason not kept: %q", got)
		}
		// Not a UID: refused in words.
		setField(t, support, "#referrer-id", "not-a-uid")
		run(t, support, chromedp.Click(chromedp.ID("referrer-save")))
		waitFor(t, support, `!!document.querySelector(".error") && document.querySelector(".error").textContent.includes("must be the UID of a user")`)
		// Béatrice: changed, and linked.
		setField(t, support, "#referrer-id", f.people[2].ID.String())
		run(t, support, chromedp.Click(chromedp.ID("referrer-save")))
		waitFor(t, support, `location.search.includes("done=referrer") && !!document.querySelector(".flash")`)
		if got := eval[string](t, support, `document.getElementById("referrer-link").textContent`); got != "Béatrice Dupont" {
			t.Errorf("new referrer %q", got)
		}
		if got := eval[string](t, support, `document.getElementById("referrer-link").getAttribute("href")`); got != "/admin/users/"+f.people[2].ID.String() {
			t.Errorf("new referrer's link %q", got)
		}
		checkA11y(t, support, "24-tab-referral-referrer")
		card, err := f.referral.Card(t.Context(), f.db, f.admin.ID, f.people[1].ID, referral.CardOptions{})
		if err != nil || card.Referrer == nil || card.Referrer.ID != f.people[2].ID {
			t.Fatalf("stored referrer %+v %v", card, err)
		}
		trail, _, err := f.users.AuditTrail(t.Context(), f.db, f.admin.ID, f.people[1].ID, usermgmt.AuditPage{Limit: 5})
		if err != nil || len(trail) == 0 || trail[0].Action != referral.ActionReferrerChange || trail[0].Reason != "ticket 51: wrong code typed" {
			t.Errorf("audit trail %+v %v", trail, err)
		}

		finance := tab(t, bctx)
		signIn(t, finance, f, f.finance, false)
		run(t, finance, chromedp.Navigate(adam), chromedp.WaitVisible(chromedp.ID("referrer-link")))
		if eval[bool](t, finance, `!!document.getElementById("referrer-form")`) {
			t.Error("finance is offered the change-referrer form")
		}
		refusal := eval[string](t, finance, fmt.Sprintf(`fetch(%q, {method: "POST", body: new URLSearchParams({referrer: %q, reason: "forged"})}).then(async r => r.status + " " + await r.text())`,
			adam+"/referrer", f.people[3].ID.String()))
		if !strings.HasPrefix(refusal, "403") || !strings.Contains(refusal, "referral.change_referrer") {
			t.Errorf("finance's forged change: %.200q", refusal)
		}
		if card, err := f.referral.Card(t.Context(), f.db, f.admin.ID, f.people[1].ID, referral.CardOptions{}); err != nil || card.Referrer.ID != f.people[2].ID {
			t.Errorf("the forged post changed the referrer: %+v %v", card, err)
		}
	})
	t.Run("support: tabs without the credit controls", func(t *testing.T) {
		support := tab(t, bctx)
		signIn(t, support, f, f.support, false)
		run(t, support, chromedp.Navigate(zoe+"/referral"), chromedp.WaitVisible(chromedp.ID("credits-readonly")))
		if eval[bool](t, support, `!!document.getElementById("credits-save")`) {
			t.Error("support is offered the credits form")
		}
		refusal := eval[string](t, support, fmt.Sprintf(`fetch(%q, {method: "POST", body: new URLSearchParams({delta: "1"})}).then(async r => r.status + " " + await r.text())`, zoe+"/referral/step"))
		if !strings.HasPrefix(refusal, "403") || !strings.Contains(refusal, "referral.change_credits") {
			t.Errorf("support's +1: %.200q", refusal)
		}
	})
}
