package synth

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/usermgmt"
	"github.com/userdesk/userdesk/usermgmt/usermgmttest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// insertSQLiteBun is the former SQLite load, through bun's inlined
// multi-row INSERTs of the usermgmt.User model and an UPDATE of
// fee_offeror_percent: the oracle insertSQLite must write exactly like.
func insertSQLiteBun(ctx context.Context, db *bun.DB, gen *Generator, n int, progress func(int)) error {
	for start := 0; start < n; start += copyBatch {
		end := min(start+copyBatch, n)
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for b := start; b < end; b += insertBatch {
				var users []usermgmt.User
				var fees []any
				var roles, langs []string
				var args []any
				var largs []any
				for i := b; i < min(b+insertBatch, end); i++ {
					u := gen.Next(i)
					users = append(users, u.User)
					if u.FeeOfferorPercent != nil {
						fees = append(fees, u.ID, strconv.FormatFloat(*u.FeeOfferorPercent, 'f', -1, 64))
					}
					for _, r := range u.Roles {
						roles = append(roles, "(?, ?)")
						args = append(args, u.ID, string(r))
					}
					for _, l := range u.SpokenLanguages {
						langs = append(langs, "(?, ?)")
						largs = append(largs, u.ID, l)
					}
				}
				if _, err := tx.NewInsert().Model(&users).Exec(ctx); err != nil {
					return err
				}
				for f := 0; f < len(fees); f += 2 {
					if _, err := tx.NewRaw("UPDATE userdesk_users SET fee_offeror_percent = ? WHERE id = ?", fees[f+1], fees[f]).Exec(ctx); err != nil {
						return err
					}
				}
				if len(roles) > 0 {
					if _, err := tx.NewRaw("INSERT INTO userdesk_user_roles (user_id, role) VALUES "+strings.Join(roles, ", "), args...).Exec(ctx); err != nil {
						return err
					}
				}
				if len(langs) > 0 {
					if _, err := tx.NewRaw("INSERT INTO userdesk_user_languages (user_id, language) VALUES "+strings.Join(langs, ", "), largs...).Exec(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// TestSQLiteColumnsAreBunColumns: the prepared INSERT writes every column
// bun writes for the model, in its order.
func TestSQLiteColumnsAreBunColumns(t *testing.T) {
	db := dbtest.SQLite(t)
	var names []string
	for _, f := range db.Table(reflect.TypeFor[usermgmt.User]()).Fields {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, sqliteUserColumns) {
		t.Fatalf("bun writes %v\nthe prepared INSERT writes %v", names, sqliteUserColumns)
	}
	var u User
	if got := len(u.sqliteValues(nil)); got != len(sqliteUserColumns) {
		t.Fatalf("%d values for %d columns", got, len(sqliteUserColumns))
	}
}

// dumpTable returns every row of a query as text: each column's quote()
// (SQLite's literal of the value: 1, '1', 1.0, X'01' and NULL differ)
// and typeof().
func dumpTable(t *testing.T, db *bun.DB, table, order string) []string {
	t.Helper()
	ctx := context.Background()
	var cols []struct {
		Name string `bun:"name"`
	}
	if err := db.NewRaw("SELECT name FROM pragma_table_info(?)", table).Scan(ctx, &cols); err != nil {
		t.Fatal(err)
	}
	if len(cols) == 0 {
		t.Fatalf("no table %s", table)
	}
	var exprs []string
	for _, c := range cols {
		exprs = append(exprs, "'"+c.Name+"=' || quote("+c.Name+") || ':' || typeof("+c.Name+")")
	}
	return dumpQuery(t, db, "SELECT "+strings.Join(exprs, " || ' ' || ")+" FROM "+table+" ORDER BY "+order)
}

func dumpQuery(t *testing.T, db *bun.DB, query string) []string {
	t.Helper()
	rows, err := db.DB.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameDump fails the test at the first row that differs.
func sameDump(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d rows through bun, %d through the prepared INSERTs", what, len(want), len(got))
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Errorf("%s row %d:\nbun:      %s\nprepared: %s", what, i, want[i], got[i])
			return
		}
	}
}

// TestSQLiteLoadSameAsBun loads the same users through bun's INSERTs (the
// former path, the oracle) and through the prepared INSERTs, both with
// the triggers in place (Load) and with LoadFast's drop-and-rebuild, and
// checks that every column of the users, roles and languages has the same
// value and type, that the counters and the FTS5 index agree, and that
// the library's list, search and count answer the same on both.
func TestSQLiteLoadSameAsBun(t *testing.T) {
	const n = 1234 // two full 500-row statements and a partial one
	now := time.Date(2026, 12, 1, 10, 30, 0, 123456789, time.UTC)
	for _, mode := range []struct {
		name   string
		oracle func(context.Context, *bun.DB, *Generator, int, func(int)) error
		load   func(context.Context, *bun.DB, *Generator, int, func(int)) error
	}{
		{"Load", insertSQLiteBun, Load},
		{"LoadFast", func(ctx context.Context, db *bun.DB, g *Generator, n int, p func(int)) error {
			return loadFastSQLite(ctx, db, g, n, p, insertSQLiteBun)
		}, LoadFast},
	} {
		t.Run(mode.name, func(t *testing.T) {
			ctx := context.Background()
			want, got := dbtest.SQLite(t), dbtest.SQLite(t)
			if err := mode.oracle(ctx, want, NewGenerator(7, now, n), n, nil); err != nil {
				t.Fatal(err)
			}
			if err := mode.load(ctx, got, NewGenerator(7, now, n), n, nil); err != nil {
				t.Fatal(err)
			}
			// The sample covers the columns' less common values.
			var c struct {
				Users, Erased, Fee, Standard, Company, Phoneless int
			}
			err := got.NewRaw(`SELECT count(*) AS users, count(deleted_at) AS erased, count(fee_offeror_percent) AS fee,
				sum(fee_use_standard) AS standard, sum(company_name <> '') AS company, sum(phone = '') AS phoneless FROM userdesk_users`).Scan(ctx, &c)
			if err != nil {
				t.Fatal(err)
			}
			if c.Users != n || c.Erased == 0 || c.Fee == 0 || c.Standard == 0 || c.Company == 0 || c.Phoneless == 0 {
				t.Fatalf("sample lacks a case: %+v", c)
			}
			for _, tb := range []struct{ table, order string }{
				{"userdesk_users", "id"},
				{"userdesk_user_roles", "user_id, role"},
				{"userdesk_user_languages", "user_id, language"},
				{"userdesk_user_counts", "status, mask"},
			} {
				sameDump(t, tb.table, dumpTable(t, want, tb.table, tb.order), dumpTable(t, got, tb.table, tb.order))
			}
			const search = "SELECT i.rowid || ' ' || i.user_id || ' ' || quote(f.search_text) || ' ' || quote(f.name_text) " +
				"FROM userdesk_user_search_ids AS i JOIN userdesk_user_search AS f ON f.rowid = i.rowid ORDER BY i.rowid"
			sameDump(t, "search index", dumpQuery(t, want, search), dumpQuery(t, got, search))
			sameLibraryAnswers(t, want, got)
		})
	}
}

// sameLibraryAnswers runs list pages (walked to the end), searches and
// counts on both databases, as an operator who reads personal data and as
// one who does not, and compares the answers.
func sameLibraryAnswers(t *testing.T, want, got *bun.DB) {
	t.Helper()
	ctx := context.Background()
	s := usermgmttest.NewService(t, usermgmt.Config{})
	var someUID string
	if err := got.NewRaw("SELECT id FROM userdesk_users WHERE deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET 100").Scan(ctx, &someUID); err != nil {
		t.Fatal(err)
	}
	yes, live := true, []usermgmt.Status{usermgmt.StatusLive}
	queries := []usermgmt.ListQuery{
		{},
		{Sort: usermgmt.SortName, Dir: usermgmt.Asc},
		{Sort: usermgmt.SortUpdated},
		{Keyword: "mar"},
		{Keyword: "mar", Sort: usermgmt.SortName},
		{Keyword: "schröder"},
		{Keyword: "le"},
		{Keyword: "gmail jean"},
		{Keyword: "+33 6"},
		{Keyword: "0612"},
		{Keyword: "o'brien"},
		{Keyword: "qzxjvw"},
		{Keyword: someUID},
		{Statuses: live, Roles: usermgmt.RoleFilterBoth, Languages: []string{"fr"}, HasListing: &yes, Sort: usermgmt.SortName},
		{Statuses: []usermgmt.Status{usermgmt.StatusInReview}},
		{Roles: usermgmt.RoleFilterOfferorsOnly, Languages: []string{"en"}},
	}
	for _, role := range []usermgmt.OperatorRole{usermgmt.RoleFinance, usermgmt.RoleSupport} {
		opW, opG := usermgmttest.Operator(t, s, want, role), usermgmttest.Operator(t, s, got, role)
		for _, q := range queries {
			q.Limit = 50
			var pagesW, pagesG [][]usermgmt.ListRow
			for _, side := range []struct {
				db    *bun.DB
				op    uuid.UUID
				pages *[][]usermgmt.ListRow
			}{{want, opW.ID, &pagesW}, {got, opG.ID, &pagesG}} {
				q := q
				for range 100 {
					p, err := s.ListUsers(ctx, side.db, side.op, q)
					if err != nil {
						t.Fatalf("%s %+v: %v", role, q, err)
					}
					*side.pages = append(*side.pages, p.Items)
					if p.NextCursor == "" {
						break
					}
					q.Cursor = p.NextCursor
				}
			}
			if !reflect.DeepEqual(pagesW, pagesG) {
				t.Errorf("%s %+v: the pages differ", role, q)
			}
			nW, err := s.CountUsers(ctx, want, opW.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			nG, err := s.CountUsers(ctx, got, opG.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			if nW != nG {
				t.Errorf("%s %+v: count %d through bun, %d through the prepared INSERTs", role, q, nW, nG)
			}
		}
	}
}
