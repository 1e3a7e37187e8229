package usermgmt_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/usergen/synth"
	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
)

// filterColumns reads a user's list filter columns on PostgreSQL
// (userdesk_users.role_mask and language_keys, migration 20261203000401).
func filterColumns(tb testing.TB, db bun.IDB, id uuid.UUID) (int, []string) {
	tb.Helper()
	var mask int
	var keys string
	if err := db.NewRaw("SELECT role_mask, array_to_string(language_keys, ',') FROM userdesk_users WHERE id = ?", id).
		Scan(context.Background(), &mask, &keys); err != nil {
		tb.Fatal(err)
	}
	if keys == "" {
		return mask, nil
	}
	return mask, strings.Split(keys, ",")
}

// checkFilterColumns fails unless id's filter columns are mask and keys.
func checkFilterColumns(tb testing.TB, db bun.IDB, step string, id uuid.UUID, mask int, keys ...string) {
	tb.Helper()
	gotMask, gotKeys := filterColumns(tb, db, id)
	if gotMask != mask || !slices.Equal(gotKeys, keys) {
		tb.Errorf("%s: role_mask, language_keys = %d %q, want %d %q", step, gotMask, gotKeys, mask, keys)
	}
}

// staleFilterColumns counts the users whose filter columns differ from
// what their join tables say.
func staleFilterColumns(tb testing.TB, db bun.IDB) int {
	tb.Helper()
	return count(tb, db, `SELECT count(*) FROM userdesk_users AS u
		WHERE (u.role_mask, u.language_keys) IS DISTINCT FROM (
		    (CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = u.id AND role = 'asker') THEN 1 ELSE 0 END
		   + CASE WHEN EXISTS (SELECT 1 FROM userdesk_user_roles WHERE user_id = u.id AND role = 'offeror') THEN 2 ELSE 0 END)::smallint,
		    coalesce((SELECT array_agg(DISTINCT k ORDER BY k) FROM userdesk_user_languages AS l,
		              LATERAL (VALUES (l.language), (split_part(l.language, '-', 1))) AS v (k) WHERE l.user_id = u.id), '{}'))`)
}

// TestListFilterColumnsFollowWrites: on PostgreSQL the triggers keep a
// user's role mask and language keys in step with the join tables through
// registration, operator and own-profile updates, raw writes of every
// kind (one user or several per statement) and erasure.
func TestListFilterColumnsFollowWrites(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	ctx := context.Background()
	s := newService(t)
	admin := newOperator(t, s, db, usermgmt.RoleAdmin)
	A, O := usermgmt.RoleAsker, usermgmt.RoleOfferor

	reg := validRegistration()
	reg.Roles, reg.SpokenLanguages = []usermgmt.Role{A}, []string{"fr-CA", "de"}
	u, err := s.Register(ctx, db, reg)
	if err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "register", u.ID, 1, "de", "fr", "fr-CA")
	other := register(t, s, db)
	checkFilterColumns(t, db, "register other", other.ID, 3, "en", "en-GB", "fr")

	u, err = s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: u.Version,
		Roles: &[]usermgmt.Role{A, O}, SpokenLanguages: &[]string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "operator update", u.ID, 3, "en")
	u, err = s.UpdateOwnProfile(ctx, db, u.ID, usermgmt.UserUpdate{Version: u.Version,
		Roles: &[]usermgmt.Role{O}, SpokenLanguages: &[]string{}})
	if err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "own update", u.ID, 2)
	// A change of something else leaves them alone.
	if _, err = s.UpdateUser(ctx, db, admin, u.ID, usermgmt.UserUpdate{Version: u.Version, FirstName: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "rename", u.ID, 2)

	for _, st := range []struct {
		name, sql string
		mask      int
		keys      []string
	}{
		{"insert role", "INSERT INTO userdesk_user_roles (user_id, role) VALUES (?0, 'asker')", 3, nil},
		{"delete role", "DELETE FROM userdesk_user_roles WHERE user_id = ?0 AND role = 'offeror'", 1, nil},
		{"update role", "UPDATE userdesk_user_roles SET role = 'offeror' WHERE user_id = ?0", 2, nil},
		{"insert languages", "INSERT INTO userdesk_user_languages (user_id, language) VALUES (?0, 'pt-BR'), (?0, 'zh-Hant-TW'), (?0, 'pt')", 2, []string{"pt", "pt-BR", "zh", "zh-Hant-TW"}},
		{"update language", "UPDATE userdesk_user_languages SET language = 'en' WHERE user_id = ?0 AND language = 'zh-Hant-TW'", 2, []string{"en", "pt", "pt-BR"}},
		{"delete language", "DELETE FROM userdesk_user_languages WHERE user_id = ?0 AND language = 'pt'", 2, []string{"en", "pt", "pt-BR"}},
		{"delete regional", "DELETE FROM userdesk_user_languages WHERE user_id = ?0 AND language = 'pt-BR'", 2, []string{"en"}},
		{"two users at once", "INSERT INTO userdesk_user_languages (user_id, language) VALUES (?0, 'it'), (?1, 'it-CH')", 2, []string{"en", "it"}},
	} {
		if _, err := db.NewRaw(st.sql, u.ID, other.ID).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		checkFilterColumns(t, db, st.name, u.ID, st.mask, st.keys...)
	}
	checkFilterColumns(t, db, "two users at once (other)", other.ID, 3, "en", "en-GB", "fr", "it", "it-CH")
	if _, err := db.NewRaw("DELETE FROM userdesk_user_languages WHERE user_id IN (?, ?)", u.ID, other.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "delete both", u.ID, 2)
	checkFilterColumns(t, db, "delete both (other)", other.ID, 3)

	if err := s.EraseUser(ctx, db, admin, u.ID, "test"); err != nil {
		t.Fatal(err)
	}
	checkFilterColumns(t, db, "erase", u.ID, 0)
	if n := staleFilterColumns(t, db); n != 0 {
		t.Errorf("%d users with stale filter columns", n)
	}
}

// TestListFilterColumnsAfterLoad: synth.Load (COPY with the triggers on,
// thousands of users per statement) leaves every user's filter columns
// in step.
func TestListFilterColumnsAfterLoad(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	const n = 1500
	if err := synth.Load(context.Background(), db, synth.NewGenerator(3, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), n), n, nil); err != nil {
		t.Fatal(err)
	}
	if got := count(t, db, "SELECT count(*) FROM userdesk_users WHERE role_mask <> 0 AND cardinality(language_keys) > 0"); got < n*9/10 {
		t.Fatalf("only %d of %d users have roles and languages in their filter columns", got, n)
	}
	if got := staleFilterColumns(t, db); got != 0 {
		t.Fatalf("%d users with stale filter columns after Load", got)
	}
}

// TestListFiltersEqualExists: on a generated population loaded by
// synth.LoadFast (triggers off, columns rebuilt), the filter columns
// match the join tables, and every combination of the role, language,
// status and listing filters lists (first page, in order) and counts the
// same users as the EXISTS probes into the join tables they replace.
func TestListFiltersEqualExists(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	ctx := context.Background()
	const n = 3000
	if err := synth.LoadFast(ctx, db, synth.NewGenerator(7, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), n), n, nil); err != nil {
		t.Fatal(err)
	}
	if got := count(t, db, "SELECT count(*) FROM userdesk_users"); got != n {
		t.Fatalf("%d users loaded, want %d", got, n)
	}
	if got := staleFilterColumns(t, db); got != 0 {
		t.Fatalf("%d users with stale filter columns after LoadFast", got)
	}
	s := newService(t)
	op := newOperator(t, s, db, usermgmt.RoleAdmin)

	roleSQL := map[usermgmt.RoleFilter]string{
		usermgmt.RoleFilterAnyOfferor:   "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'offeror')",
		usermgmt.RoleFilterAnyAsker:     "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'asker')",
		usermgmt.RoleFilterBoth:         "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'offeror') AND EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'asker')",
		usermgmt.RoleFilterOfferorsOnly: "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'offeror') AND NOT EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'asker')",
		usermgmt.RoleFilterAskersOnly:   "EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'asker') AND NOT EXISTS (SELECT 1 FROM userdesk_user_roles AS r WHERE r.user_id = u.id AND r.role = 'offeror')",
	}
	roles := []usermgmt.RoleFilter{"", usermgmt.RoleFilterAnyOfferor, usermgmt.RoleFilterAnyAsker, usermgmt.RoleFilterBoth,
		usermgmt.RoleFilterOfferorsOnly, usermgmt.RoleFilterAskersOnly}
	languages := [][]string{nil, {"fr"}, {"en"}, {"en-GB"}, {"pt", "de"}, {"en-US", "it"}, {"zz"}}
	statuses := [][]usermgmt.Status{nil, {usermgmt.StatusLive}, {usermgmt.StatusInReview, usermgmt.StatusInvalidated}}
	listings := []*bool{nil, ptr(true), ptr(false)}
	nonEmpty := 0
	for _, role := range roles {
		for _, langs := range languages {
			for _, sts := range statuses {
				for _, hl := range listings {
					q := usermgmt.ListQuery{Roles: role, Languages: langs, Statuses: sts, HasListing: hl,
						Sort: usermgmt.SortName, Dir: usermgmt.Asc, Limit: usermgmt.MaxListLimit}
					where := []string{"u.deleted_at IS NULL"}
					var args []any
					if role != "" {
						where = append(where, roleSQL[role])
					}
					if len(langs) > 0 {
						var conds []string
						for _, l := range langs {
							conds = append(conds, "l.language = ?")
							args = append(args, l)
							if !strings.Contains(l, "-") {
								conds = append(conds, "l.language LIKE ?")
								args = append(args, l+"-%")
							}
						}
						where = append(where, "EXISTS (SELECT 1 FROM userdesk_user_languages AS l WHERE l.user_id = u.id AND ("+strings.Join(conds, " OR ")+"))")
					}
					if len(sts) > 0 {
						where = append(where, "u.status IN (?)")
						args = append(args, bun.List(sts))
					}
					if hl != nil && *hl {
						where = append(where, "u.listings_count > 0")
					} else if hl != nil {
						where = append(where, "u.listings_count = 0")
					}
					name := fmt.Sprintf("roles=%s langs=%v statuses=%v has_listing=%v", role, langs, sts, hl)
					var want []uuid.UUID
					if err := db.NewRaw("SELECT u.id FROM userdesk_users AS u WHERE "+strings.Join(where, " AND ")+
						" ORDER BY u.sort_name, u.id", args...).Scan(ctx, &want); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					total, err := s.CountUsers(ctx, db, op, q)
					if err != nil {
						t.Fatalf("%s: count: %v", name, err)
					}
					page, err := s.ListUsers(ctx, db, op, q)
					if err != nil {
						t.Fatalf("%s: list: %v", name, err)
					}
					var got []uuid.UUID
					for _, r := range page.Items {
						got = append(got, r.ID)
					}
					if total != int64(len(want)) || !slices.Equal(got, want[:min(len(want), usermgmt.MaxListLimit)]) {
						t.Errorf("%s: count %d, first page of %d; the EXISTS form finds %d", name, total, len(got), len(want))
					}
					if len(want) > 0 {
						nonEmpty++
					}
				}
			}
		}
	}
	// The grid is not vacuous: most combinations find someone.
	if nonEmpty < 200 {
		t.Errorf("only %d combinations found users", nonEmpty)
	}
}
