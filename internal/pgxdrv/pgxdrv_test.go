package pgxdrv_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/internal/dbtest"
	"github.com/userdesk/userdesk/internal/pgxdrv"
	"github.com/userdesk/userdesk/sqldb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const byID = "SELECT n FROM t WHERE id = $1"

// open returns a pool of sqldb.OpenPostgres on a database of the test's
// own with a table t of 50 rows; dsnSuffix is added to its DSN.
func open(t *testing.T, dsnSuffix string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	dsn := dbtest.PostgresDSN(t, dbtest.PostgresEmpty(t)) + dsnSuffix
	db, err := sqldb.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id text PRIMARY KEY, n int NOT NULL); INSERT INTO t SELECT 'k' || lpad(i::text, 2, '0'), i FROM generate_series(0, 49) AS i"); err != nil {
		t.Fatal(err)
	}
	return db
}

// prepared lists the statements prepared on c's server session.
func prepared(t *testing.T, c bun.Conn) []string {
	t.Helper()
	rows, err := c.QueryContext(context.Background(), "SELECT statement FROM pg_prepared_statements ORDER BY statement")
	if err != nil {
		t.Fatal(err)
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

func lookup(t *testing.T, ctx context.Context, c bun.Conn, query string) int {
	t.Helper()
	var n int
	if err := c.QueryRowContext(ctx, query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestBoundFromContext: a statement run with its arguments in the context
// answers as if they had been passed, is prepared once on the connection
// and reused, and a context's arguments bind only the text they were given
// with; every other statement stays in the simple protocol (nothing
// prepared).
func TestBoundFromContext(t *testing.T) {
	ctx := context.Background()
	db := open(t, "")
	if !pgxdrv.Supports(db.DB) {
		t.Fatal("Supports is false for a pool of sqldb.OpenPostgres")
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := lookup(t, ctx, c, "SELECT n FROM t WHERE id = 'k03'"); got != 3 {
		t.Fatalf("plain statement: %d, want 3", got)
	}
	if p := prepared(t, c); len(p) != 0 {
		t.Fatalf("a statement without bound arguments was prepared: %q", p)
	}
	for _, k := range []struct {
		id string
		n  int
	}{{"k07", 7}, {"k09", 9}, {"k42", 42}} {
		if got := lookup(t, pgxdrv.With(ctx, byID, k.id), c, byID); got != k.n {
			t.Fatalf("bound %s: %d, want %d", k.id, got, k.n)
		}
	}
	if p := prepared(t, c); len(p) != 1 || p[0] != byID {
		t.Fatalf("prepared after three bound runs: %q, want the one statement once", p)
	}
	// The context's arguments belong to byID: another text runs as it is.
	other := "SELECT n FROM t WHERE id = 'k11'"
	if got := lookup(t, pgxdrv.With(ctx, byID, "k07"), c, other); got != 11 {
		t.Fatalf("other text under a bound context: %d, want 11", got)
	}
	if p := prepared(t, c); len(p) != 1 {
		t.Fatalf("prepared after another text: %q", p)
	}
	// A missing row is no row, not an error of the binding.
	err = c.QueryRowContext(pgxdrv.With(ctx, byID, "nope"), byID).Scan(new(int))
	if err != sql.ErrNoRows {
		t.Fatalf("absent id: %v, want sql.ErrNoRows", err)
	}
	// The driver connection still hands out pgx's connection (COPY).
	if err := c.Raw(func(dc any) error {
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok || pc.Conn() == nil {
			t.Fatalf("driver connection %T has no pgx connection", dc)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestDSNModeKept: a DSN that names default_query_exec_mode (a PgBouncer
// in transaction mode wants simple_protocol) keeps it for the bound
// statements too: they answer, and nothing is prepared.
func TestDSNModeKept(t *testing.T) {
	ctx := context.Background()
	db := open(t, " default_query_exec_mode=simple_protocol")
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range []string{"k05", "k05", "it's"} {
		err := c.QueryRowContext(pgxdrv.With(ctx, byID, id), byID).Scan(new(int))
		if err != nil && !(id == "it's" && err == sql.ErrNoRows) {
			t.Fatalf("bound %q in the simple protocol: %v", id, err)
		}
	}
	if p := prepared(t, c); len(p) != 0 {
		t.Fatalf("prepared under simple_protocol: %q", p)
	}
}

// TestPreparedAfterSchemaChange: a prepared statement whose table changes
// shape under it is prepared again, not failed.
func TestPreparedAfterSchemaChange(t *testing.T) {
	ctx := context.Background()
	db := open(t, "")
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	all := "SELECT * FROM t WHERE id = $1"
	cols := func() int {
		rows, err := c.QueryContext(pgxdrv.With(ctx, all, "k01"), all)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return len(names)
	}
	if n := cols(); n != 2 {
		t.Fatalf("columns: %d", n)
	}
	if _, err := c.ExecContext(ctx, "ALTER TABLE t ADD COLUMN note text"); err != nil {
		t.Fatal(err)
	}
	var n int
	var lastErr error
	// pgx drops the stale statement on the error and prepares it anew on
	// the next run; PostgreSQL itself may also replan transparently.
	for range 2 {
		rows, err := c.QueryContext(pgxdrv.With(ctx, all, "k01"), all)
		if err != nil {
			lastErr = err
			continue
		}
		names, _ := rows.Columns()
		n = len(names)
		rows.Close()
		if err := rows.Err(); err != nil && !strings.Contains(err.Error(), "cached plan") {
			t.Fatal(err)
		}
		break
	}
	if n != 3 {
		t.Fatalf("after ALTER TABLE: %d columns (last error %v), want 3", n, lastErr)
	}
}
