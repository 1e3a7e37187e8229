package usermgmt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

// listService is a Service with roles that split the list's permissions.
func listService(tb testing.TB) *usermgmt.Service {
	tb.Helper()
	s, err := usermgmt.New(usermgmt.Config{
		Argon2: usermgmttest.FastArgon2,
		Roles: map[usermgmt.OperatorRole][]usermgmt.Permission{
			"exporter": {usermgmt.PermExport},
			"nobody":   {usermgmt.PermEditProfile},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// seed describes a user for the list tests.
type seed struct {
	first, last, email, phone, company string
	roles                              []usermgmt.Role
	langs                              []string
	status                             usermgmt.Status
	created, updated                   time.Time
	listings, asker, offeror           int64
	feeFields, feeUseStandard          bool
	idv, emv, phv                      bool
	erased                             bool
}

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// seedUser registers the user described by sd, then sets what
// registration does not (dates, status, counters, fees, flags, erasure).
func seedUser(tb testing.TB, s *usermgmt.Service, db bun.IDB, sd seed) *usermgmt.User {
	tb.Helper()
	ctx := context.Background()
	reg := usermgmt.Registration{
		Email: sd.email, Password: "correct horse battery staple", FirstName: sd.first, LastName: sd.last,
		Phone: sd.phone, PreferredLanguage: "fr", SpokenLanguages: sd.langs, Timezone: "Europe/Paris",
		Type: usermgmt.Individual, Roles: sd.roles,
	}
	if sd.company != "" {
		reg.Type, reg.CompanyName = usermgmt.Organization, sd.company
	}
	if len(reg.Roles) == 0 {
		reg.Roles = []usermgmt.Role{usermgmt.RoleAsker}
	}
	u, err := s.Register(ctx, db, reg)
	if err != nil {
		tb.Fatalf("register %s: %v", sd.email, err)
	}
	if sd.status == "" {
		sd.status = usermgmt.StatusLive
	}
	if sd.created.IsZero() {
		sd.created = day(0)
	}
	if sd.updated.IsZero() {
		sd.updated = sd.created
	}
	upd := db.NewUpdate().Model((*usermgmt.User)(nil)).Where("id = ?", u.ID).
		Set("status = ?", sd.status).Set("created_at = ?", sd.created).Set("updated_at = ?", sd.updated).
		Set("listings_count = ?", sd.listings).Set("asker_bookings_count = ?", sd.asker).
		Set("offeror_bookings_count = ?", sd.offeror).Set("fee_use_standard = ?", sd.feeUseStandard).
		Set("id_verified = ?", sd.idv).Set("email_verified = ?", sd.emv).Set("phone_verified = ?", sd.phv)
	if sd.feeFields {
		upd = upd.Set("fee_offeror_percent = ?", "7.5")
	}
	if sd.erased {
		upd = upd.Set("deleted_at = ?", sd.updated)
	}
	if _, err := upd.Exec(ctx); err != nil {
		tb.Fatalf("seed %s: %v", sd.email, err)
	}
	u.CreatedAt, u.UpdatedAt, u.Status = sd.created, sd.updated, sd.status
	return u
}

// fixture is a small population covering every filter.
type fixture struct {
	s        *usermgmt.Service
	admin    uuid.UUID                 // every permission
	support  uuid.UUID                 // read, no personal data, no export
	finance  uuid.UUID                 // read, personal data, export
	exporter uuid.UUID                 // export only, no personal data
	nobody   uuid.UUID                 // no read permission
	users    map[string]*usermgmt.User // by email
	seeds    map[string]seed
	category uuid.UUID
}

func newFixture(t *testing.T, db *bun.DB) *fixture {
	t.Helper()
	s := listService(t)
	f := &fixture{
		s: s, admin: newOperator(t, s, db, usermgmt.RoleAdmin), support: newOperator(t, s, db, usermgmt.RoleSupport),
		finance: newOperator(t, s, db, usermgmt.RoleFinance), exporter: newOperator(t, s, db, "exporter"),
		nobody: newOperator(t, s, db, "nobody"), users: map[string]*usermgmt.User{}, seeds: map[string]seed{},
	}
	A, O := usermgmt.RoleAsker, usermgmt.RoleOfferor
	seeds := []seed{
		{first: "Élodie", last: "Müller", email: "elodie.muller@example.com", phone: "+33612345678", roles: []usermgmt.Role{A},
			langs: []string{"fr", "de"}, created: day(1), updated: day(40), idv: true, asker: 4},
		{first: "Jean", last: "Dupont", email: "Jean.Dupont@Mail.fr", phone: "+33698765432", roles: []usermgmt.Role{O},
			langs: []string{"fr"}, status: usermgmt.StatusInReview, created: day(2), updated: day(3), listings: 3, feeFields: true, emv: true, offeror: 9},
		{first: "jean-paul", last: "Durand", email: "jp.durand@example.org", phone: "+4915112345678", roles: []usermgmt.Role{A, O},
			langs: []string{"en-GB"}, created: day(3), updated: day(30), listings: 1, feeFields: true, feeUseStandard: true, phv: true},
		{first: "Ana", last: "Silva", email: "ana@silva.pt", phone: "+351912345678", roles: []usermgmt.Role{A},
			langs: []string{"pt"}, status: usermgmt.StatusInvalidated, created: day(4), updated: day(4)},
		{first: "Zoé", last: "Zola", email: "zoe@acme.example", phone: "+12025550143", company: "Acme Études", roles: []usermgmt.Role{O},
			langs: []string{"en-US", "fr"}, created: day(5), updated: day(6), listings: 12, idv: true, emv: true, phv: true},
		{first: "=1+2", last: "@SUM(A1)", email: "formula@example.com", phone: "", roles: []usermgmt.Role{A},
			created: day(6), updated: day(7), company: ""},
		{first: "Chloé", last: "Émery", email: "chloe.emery@example.com", phone: "+33700000011", roles: []usermgmt.Role{A, O},
			langs: []string{"en"}, created: day(6), updated: day(8), listings: 2},
		{first: "Ghost", last: "Erased", email: "ghost@example.com", phone: "+33611111111", roles: []usermgmt.Role{A},
			created: day(7), updated: day(9), erased: true},
		{first: "Louis", last: "dupont", email: "louis@dupont.example", phone: "+33655555555", roles: []usermgmt.Role{A, O},
			langs: []string{"fr-CA"}, created: day(8), updated: day(8), listings: 1, asker: 1, offeror: 1},
	}
	for _, sd := range seeds {
		u := seedUser(t, s, db, sd)
		f.users[strings.ToLower(sd.email)] = u
		f.seeds[strings.ToLower(sd.email)] = sd
	}
	ctx := context.Background()
	f.category = uuid.Must(uuid.NewV7())
	if _, err := db.NewRaw("INSERT INTO userdesk_categories (id, slug, name, created_at) VALUES (?, 'pro', 'Pro', ?)", f.category, t0).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"zoe@acme.example", "jean.dupont@mail.fr", "ghost@example.com"} {
		if _, err := db.NewRaw("INSERT INTO userdesk_user_categories (user_id, category_id) VALUES (?, ?)", f.users[e].ID, f.category).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// all lists every page of q, checking that pages chain.
func all(t *testing.T, s *usermgmt.Service, db bun.IDB, actor uuid.UUID, q usermgmt.ListQuery) []usermgmt.ListRow {
	t.Helper()
	var rows []usermgmt.ListRow
	for i := 0; ; i++ {
		page, err := s.ListUsers(context.Background(), db, actor, q)
		if err != nil {
			t.Fatalf("page %d of %+v: %v", i, q, err)
		}
		rows = append(rows, page.Items...)
		if page.NextCursor == "" {
			return rows
		}
		if len(page.Items) == 0 {
			t.Fatal("empty page with a next cursor")
		}
		q.Cursor = page.NextCursor
	}
}

// emails returns the lowercased emails of rows, sorted.
func (f *fixture) emails(rows []usermgmt.ListRow) []string {
	byID := map[uuid.UUID]string{}
	for e, u := range f.users {
		byID[u.ID] = e
	}
	var out []string
	for _, r := range rows {
		out = append(out, byID[r.ID])
	}
	sort.Strings(out)
	return out
}

func ptr[T any](v T) *T { return &v }

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		live := []string{"chloe.emery@example.com", "elodie.muller@example.com", "formula@example.com", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}
		everyone := append(slices.Clone(live), "ana@silva.pt", "jean.dupont@mail.fr")
		sort.Strings(everyone)
		cases := []struct {
			name string
			q    usermgmt.ListQuery
			want []string
		}{
			{"no filter, erased excluded", usermgmt.ListQuery{}, everyone},
			{"offerors only", usermgmt.ListQuery{Roles: usermgmt.RoleFilterOfferorsOnly}, []string{"jean.dupont@mail.fr", "zoe@acme.example"}},
			{"askers only", usermgmt.ListQuery{Roles: usermgmt.RoleFilterAskersOnly}, []string{"ana@silva.pt", "elodie.muller@example.com", "formula@example.com"}},
			{"both roles", usermgmt.ListQuery{Roles: usermgmt.RoleFilterBoth}, []string{"chloe.emery@example.com", "jp.durand@example.org", "louis@dupont.example"}},
			{"any offeror", usermgmt.ListQuery{Roles: usermgmt.RoleFilterAnyOfferor}, []string{"chloe.emery@example.com", "jean.dupont@mail.fr", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}},
			{"any asker", usermgmt.ListQuery{Roles: usermgmt.RoleFilterAnyAsker}, []string{"ana@silva.pt", "chloe.emery@example.com", "elodie.muller@example.com", "formula@example.com", "jp.durand@example.org", "louis@dupont.example"}},
			{"status live", usermgmt.ListQuery{Statuses: []usermgmt.Status{usermgmt.StatusLive}}, live},
			{"status in review or invalidated", usermgmt.ListQuery{Statuses: []usermgmt.Status{usermgmt.StatusInReview, usermgmt.StatusInvalidated}}, []string{"ana@silva.pt", "jean.dupont@mail.fr"}},
			{"has a listing", usermgmt.ListQuery{HasListing: ptr(true)}, []string{"chloe.emery@example.com", "jean.dupont@mail.fr", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}},
			{"has no listing", usermgmt.ListQuery{HasListing: ptr(false)}, []string{"ana@silva.pt", "elodie.muller@example.com", "formula@example.com"}},
			{"speaks de or pt", usermgmt.ListQuery{Languages: []string{"de", "pt"}}, []string{"ana@silva.pt", "elodie.muller@example.com"}},
			{"speaks en (any region)", usermgmt.ListQuery{Languages: []string{"en"}}, []string{"chloe.emery@example.com", "jp.durand@example.org", "zoe@acme.example"}},
			{"speaks en-GB exactly", usermgmt.ListQuery{Languages: []string{"en-GB"}}, []string{"jp.durand@example.org"}},
			{"speaks fr (fr-CA too)", usermgmt.ListQuery{Languages: []string{"fr"}}, []string{"elodie.muller@example.com", "jean.dupont@mail.fr", "louis@dupont.example", "zoe@acme.example"}},
			{"created from day 4", usermgmt.ListQuery{CreatedFrom: ptr(day(4))}, []string{"ana@silva.pt", "chloe.emery@example.com", "formula@example.com", "louis@dupont.example", "zoe@acme.example"}},
			{"created before day 3", usermgmt.ListQuery{CreatedTo: ptr(day(3))}, []string{"elodie.muller@example.com", "jean.dupont@mail.fr"}},
			{"created in [day 3, day 6)", usermgmt.ListQuery{CreatedFrom: ptr(day(3)), CreatedTo: ptr(day(6))}, []string{"ana@silva.pt", "jp.durand@example.org", "zoe@acme.example"}},
			{"customized fees", usermgmt.ListQuery{Fees: ptr(fees.Customized)}, []string{"jean.dupont@mail.fr"}},
			{"standard fees", usermgmt.ListQuery{Fees: ptr(fees.Standard)}, []string{"ana@silva.pt", "chloe.emery@example.com", "elodie.muller@example.com", "formula@example.com", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}},
			{"ID verified", usermgmt.ListQuery{IDVerified: ptr(true)}, []string{"elodie.muller@example.com", "zoe@acme.example"}},
			{"email verified", usermgmt.ListQuery{EmailVerified: ptr(true)}, []string{"jean.dupont@mail.fr", "zoe@acme.example"}},
			{"phone verified", usermgmt.ListQuery{PhoneVerified: ptr(true)}, []string{"jp.durand@example.org", "zoe@acme.example"}},
			{"phone not verified, ID verified", usermgmt.ListQuery{PhoneVerified: ptr(false), IDVerified: ptr(true)}, []string{"elodie.muller@example.com"}},
			{"category", usermgmt.ListQuery{CategoryID: &f.category}, []string{"jean.dupont@mail.fr", "zoe@acme.example"}},
			{"combined", usermgmt.ListQuery{Roles: usermgmt.RoleFilterAnyOfferor, Statuses: []usermgmt.Status{usermgmt.StatusLive}, HasListing: ptr(true), Languages: []string{"fr", "en"}, Keyword: "o"},
				[]string{"chloe.emery@example.com", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, limit := range []int{2, 200} {
					q := c.q
					q.Limit = limit
					got := f.emails(all(t, f.s, db, f.admin, q))
					if !slices.Equal(got, c.want) {
						t.Fatalf("limit %d: got %v, want %v", limit, got, c.want)
					}
				}
				n, err := f.s.CountUsers(context.Background(), db, f.admin, c.q)
				if err != nil || n != int64(len(c.want)) {
					t.Fatalf("count = %d, %v; want %d", n, err, len(c.want))
				}
			})
		}
	})
}

func TestListUsersKeyword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		cases := []struct {
			keyword string
			want    []string
		}{
			{"elodie", []string{"elodie.muller@example.com"}},
			{"ÉLODIE", []string{"elodie.muller@example.com"}},
			{"müll", []string{"elodie.muller@example.com"}},
			{"MULLER", []string{"elodie.muller@example.com"}},
			{"Élodie Müller", []string{"elodie.muller@example.com"}},
			{"müller  élodie", []string{"elodie.muller@example.com"}},
			{"dupont", []string{"jean.dupont@mail.fr", "louis@dupont.example"}},
			{"jean dupont", []string{"jean.dupont@mail.fr"}},
			{"jean", []string{"jean.dupont@mail.fr", "jp.durand@example.org"}},
			{"jp.durand@", []string{"jp.durand@example.org"}},
			{"@mail.fr", []string{"jean.dupont@mail.fr"}},
			{"JEAN.DUPONT@MAIL.FR", []string{"jean.dupont@mail.fr"}},
			// A complete address of an account finds that account only; one
			// that is no account's is a fragment like any other keyword.
			{"ana@silva.pt", []string{"ana@silva.pt"}},
			{"na@silva.pt", []string{"ana@silva.pt"}},
			{"dupont@mail.fr", []string{"jean.dupont@mail.fr"}},
			{"acme etudes", []string{"zoe@acme.example"}},
			{"ÉTUDES", []string{"zoe@acme.example"}},
			{"+33 6 12 34 56 78", []string{"elodie.muller@example.com"}},
			{"06 12 34 56 78", []string{"elodie.muller@example.com"}},
			{"0033 6 98-76", []string{"jean.dupont@mail.fr"}},
			{"(202) 555-0143", []string{"zoe@acme.example"}},
			{"5555", []string{"louis@dupont.example"}},
			{"12345678", []string{"ana@silva.pt", "elodie.muller@example.com", "jp.durand@example.org"}},
			{f.users["ana@silva.pt"].ID.String(), []string{"ana@silva.pt"}},
			{strings.ToUpper(f.users["ana@silva.pt"].ID.String()), []string{"ana@silva.pt"}},
			{strings.ReplaceAll(f.users["zoe@acme.example"].ID.String(), "-", ""), []string{"zoe@acme.example"}},
			{f.users["ghost@example.com"].ID.String(), nil},
			{"ghost", nil},
			{"%", nil},
			{"_", nil},
			{"!", nil},
			{"=1+2", []string{"formula@example.com"}},
			{"   ", []string{"ana@silva.pt", "chloe.emery@example.com", "elodie.muller@example.com", "formula@example.com", "jean.dupont@mail.fr", "jp.durand@example.org", "louis@dupont.example", "zoe@acme.example"}},
		}
		for _, c := range cases {
			f.checkKeyword(t, db, f.admin, c.keyword, c.want)
		}
	})
}

// checkKeyword runs a keyword search as op, listing and counting, in a
// subtest named by the keyword.
func (f *fixture) checkKeyword(t *testing.T, db *bun.DB, op uuid.UUID, keyword string, want []string) {
	t.Helper()
	t.Run(keyword, func(t *testing.T) {
		got := f.emails(all(t, f.s, db, op, usermgmt.ListQuery{Keyword: keyword}))
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		n, err := f.s.CountUsers(context.Background(), db, op, usermgmt.ListQuery{Keyword: keyword})
		if err != nil || n != int64(len(want)) {
			t.Fatalf("count = %d, %v; want %d", n, err, len(want))
		}
	})
}

// TestListUsersSearchIsNoOracle: an operator who sees email and phone
// masked cannot rebuild them by searching fragments; complete values still
// find their owner, and names stay substring searches.
func TestListUsersSearchIsNoOracle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		cases := []struct {
			keyword string
			want    []string
		}{
			// Fragments of what is masked: nothing.
			{"jp.durand@", nil},
			{"@mail.fr", nil},
			{"na@silva.pt", nil},
			{"example.com", nil},
			{"+33 6", nil},
			{"+33 6 12 34 56 7", nil},
			{"12345678", nil},
			{"5555", nil},
			{"0033 6 98-76", nil},
			{"06 12 34 56", nil},
			// Complete values: their owner.
			{"ana@silva.pt", []string{"ana@silva.pt"}},
			{"JEAN.DUPONT@MAIL.FR", []string{"jean.dupont@mail.fr"}},
			{"+33 6 12 34 56 78", []string{"elodie.muller@example.com"}},
			{"0033698765432", []string{"jean.dupont@mail.fr"}},
			{"06 12 34 56 78", []string{"elodie.muller@example.com"}},
			{"+1 (202) 555-0143", []string{"zoe@acme.example"}},
			// Names, company and UID: substrings as before.
			{"dupont", []string{"jean.dupont@mail.fr", "louis@dupont.example"}},
			{"müll", []string{"elodie.muller@example.com"}},
			{"acme etudes", []string{"zoe@acme.example"}},
			{f.users["ana@silva.pt"].ID.String(), []string{"ana@silva.pt"}},
		}
		for _, c := range cases {
			f.checkKeyword(t, db, f.support, c.keyword, c.want)
		}
		// Digit by digit: each prefix of a masked number finds nobody.
		phone := "+33612345678"
		for i := 4; i < len(phone); i++ {
			if n, _ := f.s.CountUsers(context.Background(), db, f.support, usermgmt.ListQuery{Keyword: phone[:i]}); n != 0 {
				t.Fatalf("prefix %q found %d users", phone[:i], n)
			}
		}
	})
}

// TestListUsersFoldsLettersAsTyped: letters that do not decompose into a
// base letter and an accent are found as people type them.
func TestListUsersFoldsLettersAsTyped(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		op := newOperator(t, s, db, usermgmt.RoleSupport)
		for _, n := range [][2]string{{"Søren", "Østergaard"}, {"Michał", "Łódź"}, {"Ayşe", "Yılmaz"}, {"Jörg", "Straße"}} {
			reg := validRegistration()
			reg.FirstName, reg.LastName = n[0], n[1]
			if _, err := s.Register(ctx, db, reg); err != nil {
				t.Fatal(err)
			}
		}
		for kw, want := range map[string]string{"ostergaard": "Østergaard", "lodz": "Łódź", "yilmaz": "Yılmaz", "strasse": "Straße", "YILMAZ AYSE": "Yılmaz", "ØSTERGAARD": "Østergaard"} {
			page, err := s.ListUsers(ctx, db, op, usermgmt.ListQuery{Keyword: kw})
			if err != nil || len(page.Items) != 1 || page.Items[0].LastName != want {
				t.Errorf("%q: %+v %v, want %s", kw, page.Items, err, want)
			}
		}
	})
}

func TestListUsersSorts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		type keyed struct {
			email string
			key   string
			id    string
		}
		keyOf := map[usermgmt.ListSort]func(sd seed) string{
			usermgmt.SortCreated: func(sd seed) string { return sd.created.Format(time.RFC3339Nano) },
			usermgmt.SortUpdated: func(sd seed) string { return sd.updated.Format(time.RFC3339Nano) },
			usermgmt.SortName: func(sd seed) string {
				return usermgmt.NormalizeSearch(sd.last) + "\x01" + usermgmt.NormalizeSearch(sd.first)
			},
		}
		for _, srt := range []usermgmt.ListSort{usermgmt.SortCreated, usermgmt.SortUpdated, usermgmt.SortName, ""} {
			for _, dir := range []usermgmt.SortDir{usermgmt.Asc, usermgmt.Desc, ""} {
				t.Run(fmt.Sprintf("%s_%s", srt, dir), func(t *testing.T) {
					effSort, effDir := srt, dir
					if effSort == "" {
						effSort = usermgmt.SortCreated
					}
					if effDir == "" {
						effDir = usermgmt.Desc
					}
					var want []keyed
					for e, sd := range f.seeds {
						if !sd.erased {
							want = append(want, keyed{e, keyOf[effSort](sd), f.users[e].ID.String()})
						}
					}
					sort.Slice(want, func(i, j int) bool {
						a, b := want[i], want[j]
						less := a.key < b.key || a.key == b.key && a.id < b.id
						if effDir == usermgmt.Desc {
							return !less
						}
						return less
					})
					for _, limit := range []int{1, 3, 50} {
						rows := all(t, f.s, db, f.admin, usermgmt.ListQuery{Sort: srt, Dir: dir, Limit: limit})
						byID := map[uuid.UUID]string{}
						for e, u := range f.users {
							byID[u.ID] = e
						}
						var got, wantEmails []string
						for _, r := range rows {
							got = append(got, byID[r.ID])
						}
						for _, w := range want {
							wantEmails = append(wantEmails, w.email)
						}
						if !slices.Equal(got, wantEmails) {
							t.Fatalf("limit %d:\n got %v\nwant %v", limit, got, wantEmails)
						}
					}
				})
			}
		}
		// Alphabetical order ignores case and accents: Dupont (Jean) <
		// dupont (Louis) < Durand < Émery < Müller.
		rows := all(t, f.s, db, f.admin, usermgmt.ListQuery{Sort: usermgmt.SortName, Dir: usermgmt.Asc, Statuses: []usermgmt.Status{usermgmt.StatusLive, usermgmt.StatusInReview}})
		var names []string
		for _, r := range rows {
			names = append(names, r.FullName)
		}
		want := []string{"=1+2 @SUM(A1)", "Jean Dupont", "Louis dupont", "jean-paul Durand", "Chloé Émery", "Élodie Müller", "Zoé Zola"}
		if !slices.Equal(names, want) {
			t.Fatalf("alphabetical: got %q, want %q", names, want)
		}
	})
}

func TestListUsersRows(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		page, err := f.s.ListUsers(ctx, db, f.finance, usermgmt.ListQuery{Keyword: "jean dupont"})
		if err != nil || len(page.Items) != 1 || page.NextCursor != "" {
			t.Fatalf("page = %+v, %v", page, err)
		}
		r := page.Items[0]
		u := f.users["jean.dupont@mail.fr"]
		want := usermgmt.ListRow{
			ID: u.ID, FirstName: "Jean", LastName: "Dupont", FullName: "Jean Dupont", Email: "Jean.Dupont@Mail.fr",
			Phone: "+33698765432", PreferredLanguage: "fr", Timezone: "Europe/Paris", Fees: fees.Customized,
			Status: usermgmt.StatusInReview, CreatedAt: day(2), UpdatedAt: day(3), OfferorBookings: 9, Listings: 3,
		}
		if r != want {
			t.Fatalf("row\n got %+v\nwant %+v", r, want)
		}

		// Masking follows the permission to read personal data.
		for _, c := range []struct {
			name   string
			actor  uuid.UUID
			masked bool
		}{{"admin", f.admin, false}, {"finance", f.finance, false}, {"support", f.support, true}} {
			page, err := f.s.ListUsers(ctx, db, c.actor, usermgmt.ListQuery{Keyword: "elodie"})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("%s: %+v, %v", c.name, page, err)
			}
			r := page.Items[0]
			email, phone := "elodie.muller@example.com", "+33612345678"
			if c.masked {
				email, phone = "e•••@e•••.com", "+33 •• •• •• 78"
			}
			if r.Email != email || r.Phone != phone || r.Masked != c.masked {
				t.Fatalf("%s: email %q phone %q masked %v", c.name, r.Email, r.Phone, r.Masked)
			}
		}

		// No permission to read users: forbidden, for list and count.
		if _, err := f.s.ListUsers(ctx, db, f.nobody, usermgmt.ListQuery{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("list without permission: %v", err)
		}
		if _, err := f.s.CountUsers(ctx, db, f.nobody, usermgmt.ListQuery{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("count without permission: %v", err)
		}
		if _, err := f.s.ListUsers(ctx, db, uuid.Must(uuid.NewV7()), usermgmt.ListQuery{}); !errors.Is(err, usermgmt.ErrForbidden) {
			t.Fatalf("list by unknown operator: %v", err)
		}
	})
}

func TestListUsersInvalid(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		f := newFixture(t, db)
		ctx := context.Background()
		first, err := f.s.ListUsers(ctx, db, f.admin, usermgmt.ListQuery{Limit: 2})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page: %+v, %v", first, err)
		}
		good := first.NextCursor
		flip := []byte(good)
		flip[len(flip)/2] ^= 1
		for name, c := range map[string]struct {
			q    usermgmt.ListQuery
			want error
		}{
			"garbage cursor":          {usermgmt.ListQuery{Limit: 2, Cursor: "not a cursor!"}, usermgmt.ErrInvalidCursor},
			"tampered cursor":         {usermgmt.ListQuery{Limit: 2, Cursor: string(flip)}, usermgmt.ErrInvalidCursor},
			"truncated cursor":        {usermgmt.ListQuery{Limit: 2, Cursor: good[:len(good)-3]}, usermgmt.ErrInvalidCursor},
			"json cursor":             {usermgmt.ListQuery{Limit: 2, Cursor: "eyJ2IjoxLCJxIjoiIiwiayI6IngiLCJpIjoieCJ9"}, usermgmt.ErrInvalidCursor},
			"other sort":              {usermgmt.ListQuery{Limit: 2, Cursor: good, Sort: usermgmt.SortName}, usermgmt.ErrInvalidCursor},
			"other direction":         {usermgmt.ListQuery{Limit: 2, Cursor: good, Dir: usermgmt.Asc}, usermgmt.ErrInvalidCursor},
			"other filter":            {usermgmt.ListQuery{Limit: 2, Cursor: good, Statuses: []usermgmt.Status{usermgmt.StatusLive}}, usermgmt.ErrInvalidCursor},
			"other keyword":           {usermgmt.ListQuery{Limit: 2, Cursor: good, Keyword: "jean"}, usermgmt.ErrInvalidCursor},
			"same query, other limit": {usermgmt.ListQuery{Limit: 3, Cursor: good}, nil},
			"limit 0 means default":   {usermgmt.ListQuery{}, nil},
			"limit 201":               {usermgmt.ListQuery{Limit: 201}, usermgmt.ErrInvalid},
			"limit -1":                {usermgmt.ListQuery{Limit: -1}, usermgmt.ErrInvalid},
			"bad sort":                {usermgmt.ListQuery{Sort: "email"}, usermgmt.ErrInvalid},
			"bad dir":                 {usermgmt.ListQuery{Dir: "up"}, usermgmt.ErrInvalid},
			"bad status":              {usermgmt.ListQuery{Statuses: []usermgmt.Status{"gone"}}, usermgmt.ErrInvalid},
			"bad roles":               {usermgmt.ListQuery{Roles: "admin"}, usermgmt.ErrInvalid},
			"bad fees":                {usermgmt.ListQuery{Fees: ptr(fees.Mode("free"))}, usermgmt.ErrInvalid},
			"bad language":            {usermgmt.ListQuery{Languages: []string{"f%"}}, usermgmt.ErrInvalid},
			"empty date range":        {usermgmt.ListQuery{CreatedFrom: ptr(day(3)), CreatedTo: ptr(day(3))}, usermgmt.ErrInvalid},
			"keyword too long":        {usermgmt.ListQuery{Keyword: strings.Repeat("é", 201)}, usermgmt.ErrInvalid},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := f.s.ListUsers(ctx, db, f.admin, c.q)
				if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
			})
		}
		var verr *usermgmt.ValidationError
		if _, err := f.s.ListUsers(ctx, db, f.admin, usermgmt.ListQuery{Limit: 500, Sort: "x"}); !errors.As(err, &verr) || !verr.Has("limit") || !verr.Has("sort") {
			t.Fatalf("validation error = %v", err)
		}
	})
}

// TestListUsersCursorConcurrentInserts pages through the list while users
// are inserted before and after the cursor: every user present at the
// start is seen exactly once, and no user twice.
func TestListUsersCursorConcurrentInserts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		s := listService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		initial := map[uuid.UUID]bool{}
		names := []string{"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois"}
		for i := 0; i < 40; i++ {
			u := seedUser(t, s, db, seed{
				first: fmt.Sprintf("P%02d", i%5), last: names[i%len(names)], email: fmt.Sprintf("initial%d@example.com", i),
				created: day(10 + i/3), updated: day(100 - i/4), // ties on purpose
			})
			initial[u.ID] = true
		}
		for _, q := range []usermgmt.ListQuery{
			{Limit: 4},
			{Limit: 3, Sort: usermgmt.SortName, Dir: usermgmt.Asc},
			{Limit: 5, Sort: usermgmt.SortName, Dir: usermgmt.Desc},
			{Limit: 4, Sort: usermgmt.SortCreated, Dir: usermgmt.Asc},
		} {
			t.Run(fmt.Sprintf("%s_%s", q.Sort, q.Dir), func(t *testing.T) {
				seen := map[uuid.UUID]int{}
				for i := 0; ; i++ {
					page, err := s.ListUsers(context.Background(), db, admin, q)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range page.Items {
						seen[r.ID]++
					}
					// Insert around the cursor: at both ends of every order.
					for j, c := range []time.Time{day(1), day(500)} {
						seedUser(t, s, db, seed{
							first: "New", last: []string{"Aaron", "Zzyzx", "Moreau"}[(i+j)%3],
							email: fmt.Sprintf("new-%s-%s-%d-%d@example.com", q.Sort, q.Dir, i, j), created: c, updated: c,
						})
					}
					if page.NextCursor == "" {
						break
					}
					q.Cursor = page.NextCursor
				}
				for id, n := range seen {
					if n > 1 {
						t.Errorf("user %s seen %d times", id, n)
					}
				}
				for id := range initial {
					if seen[id] != 1 {
						t.Errorf("initial user %s seen %d times", id, seen[id])
					}
				}
			})
		}
	})
}

// TestListExactEmail: a complete address of an account finds that account
// only, directly, even when it is part of longer addresses.
func TestListExactEmail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		s := newService(t)
		admin := newOperator(t, s, db, usermgmt.RoleAdmin)
		for _, email := range []string{"bo@example.com", "jimbo@example.com", "bo@example.com.au"} {
			reg := validRegistration()
			reg.Email = email
			if _, err := s.Register(ctx, db, reg); err != nil {
				t.Fatal(err)
			}
		}
		emails := func(kw string) []string {
			page, err := s.ListUsers(ctx, db, admin, usermgmt.ListQuery{Keyword: kw})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range page.Items {
				out = append(out, r.Email)
			}
			slices.Sort(out)
			return out
		}
		if got := emails("BO@Example.com"); !slices.Equal(got, []string{"bo@example.com"}) {
			t.Fatalf("exact address: %v", got)
		}
		if got := emails("o@example.com"); !slices.Equal(got, []string{"bo@example.com", "bo@example.com.au", "jimbo@example.com"}) {
			t.Fatalf("address of no account, searched as a fragment: %v", got)
		}
		if n, err := s.CountUsers(ctx, db, admin, usermgmt.ListQuery{Keyword: "bo@example.com"}); err != nil || n != 1 {
			t.Fatalf("count = %d, %v", n, err)
		}
	})
}
