package usermgmt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
)

// explainUsers is how many users the plan test generates: enough for
// PostgreSQL to prefer indexes the way it does at a million.
const explainUsers = 100_000

// seedExplain fills db with explainUsers synthetic users in one statement.
// Their roles and languages are only in the list's filter columns
// (role_mask, language_keys), which is all a page's plan reads: the join
// tables stay empty.
func seedExplain(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `
WITH g AS (
    SELECT i,
           (ARRAY['Jean','Marie','Pierre','Sophie','Lucas','Emma','Louis','Chloé','Hugo','Léa','Noah','Inès',
                  'Ana','João','Lena','Max','Olivia','Liam','Mia','Elias'])[1 + i % 20] AS f,
           (ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand','Leroy','Moreau',
                  'Simon','Laurent','Lefebvre','Michel','Garcia','David','Bertrand','Roux','Vincent','Fournier',
                  'Müller','Schmidt','Schneider','Fischer','Weber','Silva','Santos','Ferreira','Pereira','Oliveira',
                  'Smith','Jones','Taylor','Brown','Williams','Wilson','Johnson','Davies','Evans','Walker',
                  'Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci','Marino','Greco'])[1 + (i / 20) % 50] AS l,
           timestamptz '2021-01-01' + i * interval '17 minutes' AS ts,
           lpad(((i * 7919) % 100000000)::text, 8, '0') AS d
    FROM generate_series(1, ?) AS i
)
INSERT INTO userdesk_users (id, first_name, last_name, email, email_normalized, phone, phone_digits,
    preferred_language, timezone, user_type, status, created_at, updated_at, search_text, sort_name, listings_count,
    role_mask, language_keys)
SELECT gen_random_uuid(), f, l, lower(f || '.' || l || i || '@example.com'), lower(f || '.' || l || i || '@example.com'),
       '+336' || d, '336' || d, 'fr', 'Europe/Paris', 'individual',
       (ARRAY['live','live','live','live','in_review','invalidated'])[1 + i % 6], ts, ts + (i % 97) * interval '1 day',
       lower(f || ' ' || l || ' ' || f || '.' || l || i || '@example.com'), lower(l) || chr(1) || lower(f), i % 3,
       1 + i % 7 % 3, (ARRAY['{fr}', '{fr,fr-CA}', '{en}', '{de,en,en-GB}', '{es}'])[1 + i % 11 % 5]::text[]
FROM g`, explainUsers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE userdesk_users"); err != nil {
		t.Fatal(err)
	}
}

// plan returns PostgreSQL's plan of the page query of q.
func plan(t *testing.T, db *bun.DB, lq *listQuery) string {
	t.Helper()
	var recs []listRecord
	query := lq.selectQuery(db, &recs, lq.limit+1).String()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN "+query)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestListUsersPlans checks on PostgreSQL, at a realistic size, that
// keyword searches and deep keyset pages never scan the users table
// sequentially.
func TestListUsersPlans(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	seedExplain(t, db)
	ctx := context.Background()

	// A key deep in each order, for the deep pages.
	deep := func(sort ListSort, dir SortDir) *listKey {
		lq, err := compileList(ListQuery{Sort: sort, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		order := " DESC"
		if dir == Asc {
			order = " ASC"
		}
		var recs []listRecord
		// OFFSET only to find a deep key for the test; pages never use it.
		if err := db.NewSelect().Model(&recs).ColumnExpr(listColumns, false).Where("u.deleted_at IS NULL").
			OrderExpr(lq.sortCol + order).OrderExpr("u.id" + order).Offset(explainUsers * 9 / 10).Limit(1).
			Scan(ctx); err != nil || len(recs) != 1 {
			t.Fatalf("deep key: %v", err)
		}
		k := lq.keyOf(&recs[0])
		return &k
	}
	cases := []struct {
		name  string
		q     ListQuery
		after *listKey
	}{
		{"keyword: name fragment", ListQuery{Keyword: "schnei"}, nil},
		{"keyword: full name", ListQuery{Keyword: "Léa Müller"}, nil},
		{"keyword: email fragment", ListQuery{Keyword: "lea.muller4"}, nil},
		{"keyword: exact email", ListQuery{Keyword: "hugo.bernard28@example.com"}, nil},
		{"keyword: phone digits", ListQuery{Keyword: "06 12 34"}, nil},
		{"keyword, sorted by name", ListQuery{Keyword: "ferreira", Sort: SortName, Dir: Asc}, nil},
		{"keyword and status", ListQuery{Keyword: "olivia.rossi", Statuses: []Status{StatusInReview}}, nil},
		{"deep page: created desc", ListQuery{}, deep(SortCreated, Desc)},
		{"deep page: created asc", ListQuery{Dir: Asc}, deep(SortCreated, Asc)},
		{"deep page: updated desc", ListQuery{Sort: SortUpdated}, deep(SortUpdated, Desc)},
		{"deep page: name asc", ListQuery{Sort: SortName, Dir: Asc}, deep(SortName, Asc)},
		{"deep page: name desc", ListQuery{Sort: SortName, Dir: Desc}, deep(SortName, Desc)},
		{"deep page: in review", ListQuery{Statuses: []Status{StatusInReview}}, deep(SortCreated, Desc)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lq, err := compileList(c.q)
			if err != nil {
				t.Fatal(err)
			}
			lq.after = c.after
			p := plan(t, db, lq)
			if strings.Contains(p, "Seq Scan on userdesk_users") {
				t.Fatalf("sequential scan of the users table:\n%s", p)
			}
			t.Logf("plan:\n%s", p)
			start := time.Now()
			if _, err := lq.fetch(ctx, db, lq.limit+1); err != nil {
				t.Fatal(err)
			}
			t.Logf("page in %v", time.Since(start))
		})
	}
	// A page filtered on status, listings, roles and languages probes
	// neither join table (migration 20261203000401), in every order: by
	// name or update time it is an index-only walk of the order's index;
	// by creation time PostgreSQL may walk the status index of that order.
	for _, c := range []struct {
		sort ListSort
		scan string
	}{{SortName, "Index Only Scan using userdesk_users_list_name_idx"}, {SortCreated, "created_idx on userdesk_users"},
		{SortUpdated, "Index Only Scan using userdesk_users_list_updated_idx"}} {
		t.Run("filtered by roles and languages, sorted by "+string(c.sort), func(t *testing.T) {
			lq, err := compileList(ListQuery{Statuses: []Status{StatusLive}, Roles: RoleFilterBoth, Languages: []string{"fr"},
				HasListing: new(true), Sort: c.sort, Dir: Asc})
			if err != nil {
				t.Fatal(err)
			}
			p := plan(t, db, lq)
			if !strings.Contains(p, c.scan) || strings.Contains(p, "userdesk_user_roles") || strings.Contains(p, "userdesk_user_languages") {
				t.Fatalf("not a walk (%s) without join-table probes:\n%s", c.scan, p)
			}
			t.Logf("plan:\n%s", p)
		})
	}
}
