package usermgmt_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// TestKeywordSearchSameOnBothDatabases checks that keyword searches and
// keyword counts give the same users on both databases: on SQLite through
// the FTS5 trigram index (rare fragments, words of 3 characters and more)
// or the LIKE walk (shorter words, wildcards), on PostgreSQL through
// pg_trgm; and that the index follows renames and erasures.
func TestKeywordSearchSameOnBothDatabases(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		support := newOperator(t, s, db, usermgmt.RoleSupport)
		people := []struct{ first, last, email, company string }{
			{"Zoé", "Brontë", "zoe.bronte@example.com", ""},
			{"Łukasz", "Wiśniewski", "lukasz.w@example.org", ""},
			{"Marie", "Martin", "marie.martin@example.com", ""},
			{"Martine", "Marchand", "m.marchand@example.fr", ""},
			{"Jean", "Dupont", "jdupont@example.com", "Dupont & Fils"},
			{"Ana", "Lima", "ana@example.net", "100%_Bio"},
			{"Hippolyte", "Quibble", "u7@example.net", ""},
		}
		ids := map[uuid.UUID]string{}
		for _, p := range people {
			u := usermgmttest.User(t, s, db, func(r *usermgmt.Registration) {
				r.FirstName, r.LastName, r.Email, r.Phone = p.first, p.last, p.email, ""
				if p.company != "" {
					r.Type, r.CompanyName = usermgmt.Organization, p.company
				}
			})
			ids[u.ID] = p.email
		}
		search := func(actor any, kw string) []string {
			t.Helper()
			id := admin
			if actor == "support" {
				id = support
			}
			var got []string
			q := usermgmt.ListQuery{Keyword: kw, Limit: 2}
			for {
				page, err := s.ListUsers(ctx, db, id, q)
				if err != nil {
					t.Fatalf("%q: %v", kw, err)
				}
				for _, r := range page.Items {
					got = append(got, ids[r.ID])
				}
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			n, err := s.CountUsers(ctx, db, id, usermgmt.ListQuery{Keyword: kw})
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != len(got) {
				t.Errorf("%q: count %d, pages %d", kw, n, len(got))
			}
			slices.Sort(got)
			return got
		}
		check := func(actor any, kw string, want ...string) {
			t.Helper()
			slices.Sort(want)
			if got := search(actor, kw); !slices.Equal(got, want) {
				t.Errorf("%v %q: %v, want %v", actor, kw, got, want)
			}
		}
		check("admin", "bronte", "zoe.bronte@example.com")
		check("admin", "ZOE bro", "zoe.bronte@example.com")
		check("admin", "lukasz", "lukasz.w@example.org")
		check("admin", "wisn", "lukasz.w@example.org")
		check("admin", "mar", "marie.martin@example.com", "m.marchand@example.fr")
		check("admin", "martin", "marie.martin@example.com", "m.marchand@example.fr")
		check("admin", "ma", "marie.martin@example.com", "m.marchand@example.fr", "ana@example.net") // Lima
		check("admin", "xyzzy")
		check("admin", "dupont fils", "jdupont@example.com")
		check("admin", "100%_bio", "ana@example.net")
		check("admin", "%_", "ana@example.net")
		check("admin", "example.org", "lukasz.w@example.org")
		check("support", "example")
		check("support", "bronte", "zoe.bronte@example.com")
		check("support", "quibble", "u7@example.net")

		// Renames and erasures reach the index in their transaction.
		for id, email := range ids {
			switch email {
			case "u7@example.net":
				u, err := s.GetUser(ctx, db, admin, id)
				if err != nil {
					t.Fatal(err)
				}
				last := "Zanzibar"
				if _, err := s.UpdateUser(ctx, db, admin, id, usermgmt.UserUpdate{Version: u.Version, LastName: &last}); err != nil {
					t.Fatal(err)
				}
			case "lukasz.w@example.org":
				if err := s.EraseUser(ctx, db, admin, id, "search test"); err != nil {
					t.Fatal(err)
				}
			}
		}
		check("admin", "quibble")
		check("admin", "zanzibar", "u7@example.net")
		check("admin", "lukasz")
		check("admin", "example.org")
		if d, _ := sqldb.DialectOf(db); d == sqldb.SQLite {
			live := count(t, db, "SELECT count(*) FROM userdesk_users WHERE deleted_at IS NULL")
			indexed := count(t, db, "SELECT count(*) FROM userdesk_user_search AS f JOIN userdesk_user_search_ids AS i ON i.rowid = f.rowid JOIN userdesk_users AS u ON u.id = i.user_id AND u.deleted_at IS NULL AND u.name_text = f.name_text AND u.search_text = f.search_text")
			if indexed != live {
				t.Errorf("FTS index holds %d live users in step, the table %d", indexed, live)
			}
		}
	})
}

// TestKeywordSearchLiteralCharacters checks that every character of a
// keyword word is literal on both databases, whether SQLite reads the
// word through the FTS5 index (MATCH of a quoted phrase, 3 characters and
// more) or checks it with LIKE (shorter words): FTS5's syntax (" * - : (
// ) ^ and the words AND, OR, NOT, NEAR), LIKE's wildcards, quotes and
// accents (folded on both sides), in pages and counts, with and without
// other filters.
func TestKeywordSearchLiteralCharacters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		people := []struct{ first, last, email, company string }{
			{"Al", "Say", "al@example.com", `Say "Cheese" & Co`},
			{"Bo", "Star", "bo@example.com", "Star*Fish (UK)"},
			{"Cy", "Think", "cy@example.com", "Re:Think-Tank ^Up"},
			{"Ève", "Crème", "eve@example.com", "Café Noir OR Not NEAR"},
			{"Di", "Plain", "di@example.com", "And Sons"},
		}
		ids := map[uuid.UUID]string{}
		for _, p := range people {
			u := usermgmttest.User(t, s, db, func(r *usermgmt.Registration) {
				r.FirstName, r.LastName, r.Email, r.Phone = p.first, p.last, p.email, ""
				r.Type, r.CompanyName = usermgmt.Organization, p.company
			})
			ids[u.ID] = p.email
		}
		live := []usermgmt.Status{usermgmt.StatusLive}
		check := func(kw string, want ...string) {
			t.Helper()
			slices.Sort(want)
			for _, statuses := range [][]usermgmt.Status{nil, live} {
				var got []string
				q := usermgmt.ListQuery{Keyword: kw, Statuses: statuses, Limit: 2}
				for {
					page, err := s.ListUsers(ctx, db, admin, q)
					if err != nil {
						t.Fatalf("%q: %v", kw, err)
					}
					for _, r := range page.Items {
						got = append(got, ids[r.ID])
					}
					if page.NextCursor == "" {
						break
					}
					q.Cursor = page.NextCursor
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%q (statuses %v): %v, want %v", kw, statuses, got, want)
				}
				n, err := s.CountUsers(ctx, db, admin, usermgmt.ListQuery{Keyword: kw, Statuses: statuses})
				if err != nil {
					t.Fatalf("%q: count: %v", kw, err)
				}
				if int(n) != len(want) {
					t.Errorf("%q (statuses %v): count %d, want %d", kw, statuses, n, len(want))
				}
			}
		}
		check(`"cheese"`, "al@example.com")
		check(`"cheese`, "al@example.com")
		check(`say "c`, "al@example.com")
		check(`"`, "al@example.com")
		check(`""`)
		check(`" &`, "al@example.com")
		check("star*fish", "bo@example.com")
		check("*fish", "bo@example.com")
		check("star*", "bo@example.com")
		check("*", "bo@example.com")
		check("star* fish", "bo@example.com")
		check("(uk)", "bo@example.com")
		check("(uk", "bo@example.com")
		check(")", "bo@example.com")
		check("re:think", "cy@example.com")
		check("re:", "cy@example.com")
		check(":", "cy@example.com")
		check("think-tank", "cy@example.com")
		check("-tank", "cy@example.com")
		check("-", "cy@example.com")
		check("^up", "cy@example.com")
		check("^u", "cy@example.com")
		check("creme", "eve@example.com")
		check("CRÈME ève", "eve@example.com")
		check("cafe", "eve@example.com")
		check("or", "eve@example.com") // "Noir OR"
		check("not", "eve@example.com")
		check("near", "eve@example.com")
		check("and", "di@example.com")
		check("and sons", "di@example.com")
		check("al", "al@example.com")
		check("%")
		check("_")
		check("c%e")
		check("e_e")
		check("xample.co", "al@example.com", "bo@example.com", "cy@example.com", "eve@example.com", "di@example.com")
	})
}
