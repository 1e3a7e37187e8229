package ui_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
)

// pageStatements pins how many SQL statements (transaction control left
// out) the back office's pages run per request, the session included,
// opened by an admin on the fixture (people[0] has a bank account, a
// category, a guest, a referral account, reservations, events and
// devices). A page whose count grows fails TestPageStatementCounts: lower
// the number when a change saves a statement, raise it only with a
// reason in the commit. The forms (POST) are the API's library calls
// behind a redirect; their statements are pinned there
// (examples/server/api TestRouteStatementCounts).
//
// The keyword list runs one statement more on SQLite (5) than on
// PostgreSQL (4): its count reads the search table apart. The tab bar of
// the user page and its tabs counts in two statements
// (activity.UserCounts, referral.RefereeCount); it read every tab's
// content before, 17 to 21 statements a page.
var pageStatements = map[string]int64{
	"users list":            4,
	"users list, keyword":   5,
	"users list, filtered":  4,
	"users export":          3,
	"user page":             8,
	"user public profile":   2,
	"user fee quote":        2,
	"user reservations tab": 6,
	"user referral tab":     10,
	"user events tab":       7,
	"user devices tab":      6,
	"operators":             5,
	"settings":              2,
}

// TestPageStatementCounts opens every back-office page (GET) through a
// database handle whose query hook counts the statements, and compares
// with pageStatements, so that a change that adds a query per row, per
// card or per tab fails here.
func TestPageStatementCounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		db, counter := dbtest.CountQueries(db)
		f := newFixture(t, db)
		c := f.client(t)
		f.login(t, c, f.admin)
		u := "/admin/users/" + f.people[0].ID.String()
		pages := map[string]string{
			"users list":            "/admin/users",
			"users list, keyword":   "/admin/users?q=ørsted",
			"users list, filtered":  "/admin/users?status=live&role=asker&role=offeror&sort=name",
			"users export":          "/admin/users/export?format=csv",
			"user page":             u,
			"user public profile":   u + "/public",
			"user fee quote":        u + "/fees/quote?asker_percent=3&price=100",
			"user reservations tab": u + "/reservations",
			"user referral tab":     u + "/referral",
			"user events tab":       u + "/events",
			"user devices tab":      u + "/devices",
			"operators":             "/admin/operators",
			"settings":              "/admin/settings",
		}
		names := make([]string, 0, len(pages))
		for name := range pages {
			names = append(names, name)
		}
		sort.Strings(names)
		var missing []string
		for _, name := range names {
			before := counter.Count()
			res, err := c.Get(f.srv.URL + pages[name])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			n := counter.Since(before)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s (%s): status %d: %.300s", name, pages[name], res.StatusCode, body)
				continue
			}
			want, ok := pageStatements[name]
			switch {
			case !ok:
				missing = append(missing, fmt.Sprintf("%q: %d,", name, n))
			case n > want:
				t.Errorf("%s ran %d statements, pinned at %d", name, n, want)
			default:
				t.Logf("%s: %d statements (pinned %d)", name, n, want)
			}
		}
		if len(missing) > 0 {
			t.Errorf("pages without a pinned statement count (measured here):\n%s", strings.Join(missing, "\n"))
		}
	})
}
