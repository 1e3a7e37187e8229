package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/usermgmt/activity"
)

// TestReferrerChange: the Referral tab's change-referrer form on both
// databases: refusals in words with nothing written, a change linked on
// the tab, removal, and a forged post of an operator without the
// permission refused by the library.
func TestReferrerChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.support)
		adam := f.srv.URL + "/admin/users/" + f.people[1].ID.String() + "/referral"
		referrer := func() string {
			t.Helper()
			card, err := f.referral.Card(t.Context(), db, f.admin.ID, f.people[1].ID, referral.CardOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if card.Referrer == nil {
				return ""
			}
			return card.Referrer.ID.String()
		}
		zoe := f.people[0].ID.String()

		_, body := do(t, c, "GET", adam, nil)
		wantContains(t, body, `id="referrer-form"`, `id="referrer-remove"`)
		for _, tc := range []struct {
			name, referrer, reason string
			status                 int
			words                  string
		}{
			{"no reason", f.people[2].ID.String(), " ", http.StatusUnprocessableEntity, "Reason:"},
			{"not a UID", "WF781QVHS3", "ticket 51", http.StatusUnprocessableEntity, "New referrer: must be the UID of a user"},
			{"empty", "", "ticket 51", http.StatusUnprocessableEntity, "New referrer: type the UID of the new referrer"},
			{"unknown user", "01a234c0-0000-7000-8000-000000000000", "ticket 51", http.StatusUnprocessableEntity, "New referrer: no user has this UID"},
			{"oneself", f.people[1].ID.String(), "ticket 51", http.StatusUnprocessableEntity, "New referrer:"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := do(t, c, "POST", adam+"/referrer", url.Values{"referrer": {tc.referrer}, "reason": {tc.reason}})
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
				}
				wantContains(t, body, `role="alert"`, tc.words, `value="`+tc.referrer+`"`)
				if got := referrer(); got != zoe {
					t.Errorf("referrer after a refusal %s, want %s", got, zoe)
				}
			})
		}
		// A cycle: Zoé referred Adam, so Adam cannot refer Zoé.
		res, body := do(t, c, "POST", f.srv.URL+"/admin/users/"+zoe+"/referral/referrer", url.Values{"referrer": {f.people[1].ID.String()}, "reason": {"ticket 52"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "New referrer:") {
			t.Errorf("cycle: %d", res.StatusCode)
		}

		res, _ = do(t, c, "POST", adam+"/referrer", url.Values{"referrer": {" " + f.people[2].ID.String() + " "}, "reason": {"ticket 51: wrong code"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users/"+f.people[1].ID.String()+"/referral?done=referrer" {
			t.Fatalf("change: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got := referrer(); got != f.people[2].ID.String() {
			t.Fatalf("referrer %s, want %s", got, f.people[2].ID)
		}
		_, body = do(t, c, "GET", adam+"?done=referrer", nil)
		wantContains(t, body, "The referrer was changed.", `id="referrer-link" href="/admin/users/`+f.people[2].ID.String()+`">Béatrice Dupont</a>`)

		// Finance may read the tab, not change the referrer.
		fc := f.client(t)
		f.login(t, fc, f.finance)
		_, body = do(t, fc, "GET", adam, nil)
		wantContains(t, body, `id="referrer-link"`)
		wantLacks(t, body, `id="referrer-form"`)
		res, body = do(t, fc, "POST", adam+"/referrer", url.Values{"remove": {"1"}, "reason": {"forged"}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "referral.change_referrer") {
			t.Errorf("finance's forged removal: %d", res.StatusCode)
		}
		if got := referrer(); got != f.people[2].ID.String() {
			t.Errorf("the forged post changed the referrer to %q", got)
		}

		res, _ = do(t, c, "POST", adam+"/referrer", url.Values{"remove": {"1"}, "reason": {"ticket 53: no referrer after all"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "done=referrer_removed") {
			t.Fatalf("removal: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got := referrer(); got != "" {
			t.Errorf("referrer after the removal %s", got)
		}
	})
}

// TestEventsFilters: the Events tab's types and channels, several at
// once, on both databases.
func TestEventsFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.admin)
		events := f.srv.URL + "/admin/users/" + f.people[0].ID.String() + "/events"
		for _, tc := range []struct {
			name, query string
			want, lack  []string
		}{
			{"two channels", "?channel=app&channel=bot", []string{"<td>bot.message</td>", "<td>search.performed</td>", "<td>auth.login</td>", `value="app" checked`, `value="bot" checked`}, []string{"operator-action"}},
			{"two types", "?type=auth.login&type=bot.message", []string{"<td>bot.message</td>", "<td>auth.login</td>", `value="auth.login" checked`}, []string{"<td>search.performed</td>", "operator-action"}},
			{"a type and a channel", "?type=auth.login&type=bot.message&channel=bot", []string{"<td>bot.message</td>"}, []string{"<td>auth.login</td>"}},
			{"the back office's channel", "?channel=back_office", []string{"operator-action"}, []string{"<td>auth.login</td>"}},
			{"one type, as links of before", "?type=search.performed", []string{"<td>search.performed</td>"}, []string{"<td>auth.login</td>"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := do(t, c, "GET", events+tc.query, nil)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
				wantContains(t, body, tc.want...)
				wantLacks(t, body, tc.lack...)
			})
		}
	})
}

// TestTabCounts: the tab bar's counts are the lengths of the tabs'
// cards (the library's defaults), on the user page and on a tab, for a
// user with reservations (one on the web, which the card leaves out),
// events, devices and a referee, and for a user with none.
func TestTabCounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.admin)
		ctx := t.Context()
		for _, who := range []int{0, 2} {
			id := f.people[who].ID
			rc, err := f.activity.UserReservations(ctx, db, f.admin.ID, id, activity.ReservationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			tl, err := f.activity.UserTimeline(ctx, db, f.admin.ID, id, activity.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			devs, err := f.activity.UserDevices(ctx, db, f.admin.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			card, err := f.referral.Card(ctx, db, f.admin.ID, id, referral.CardOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if who == 0 && (len(rc.Upcoming)+len(rc.Past) == 0 || len(tl.Entries) == 0 || len(devs) == 0 || card.RefereeCount == 0) {
				t.Fatalf("the fixture's people[0] should have every kind of activity: %d %d %d %d", len(rc.Upcoming)+len(rc.Past), len(tl.Entries), len(devs), card.RefereeCount)
			}
			base := "/admin/users/" + id.String()
			// The label and count follow the link's attributes (the open
			// tab's has aria-current too).
			want := []string{
				fmt.Sprintf(`>Reservations <span class="count">%d</span>`, len(rc.Upcoming)+len(rc.Past)),
				fmt.Sprintf(`>Referral <span class="count">%d</span>`, card.RefereeCount),
				fmt.Sprintf(`>Events <span class="count">%d</span>`, len(tl.Entries)),
				fmt.Sprintf(`>Devices <span class="count">%d</span>`, len(devs)),
			}
			for _, page := range []string{base, base + "/devices"} {
				_, body := do(t, c, "GET", f.srv.URL+page, nil)
				wantContains(t, body, want...)
			}
		}
	})
}
