package sqlitedrv

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	c, err := Connector("file:"+filepath.Join(t.TempDir(), "x.db")+"?_pragma=journal_mode(WAL)&_txlock=immediate", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (?, ?)", fmt.Sprintf("k%02d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func cachedCount(t *testing.T, c *sql.Conn) int {
	t.Helper()
	var n int
	if err := c.Raw(func(dc any) error {
		w := dc.(*conn)
		w.mu.Lock()
		defer w.mu.Unlock()
		n = len(w.stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

const byID = "SELECT n FROM t WHERE id = ?"

// TestBoundFromContext: a statement run with its arguments in the context
// answers as if they had been passed, is compiled once for the connection,
// and a context's arguments bind only the text they were given with.
func TestBoundFromContext(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if !Supports(db) {
		t.Fatal("Supports is false for a pool of Connector")
	}
	plain, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "y.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if Supports(plain) {
		t.Fatal("Supports is true for the driver's own pool")
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 100 {
		var n int
		k := fmt.Sprintf("k%02d", i%50)
		if err := c.QueryRowContext(With(ctx, byID, k), byID).Scan(&n); err != nil || n != i%50 {
			t.Fatalf("%s: %d, %v", k, n, err)
		}
	}
	if got := cachedCount(t, c); got != 1 {
		t.Fatalf("%d statements cached after 100 runs of one, want 1", got)
	}
	// Another text ignores the context's arguments: the driver refuses a
	// parameter nobody gave.
	var v sql.NullInt64
	if err := c.QueryRowContext(With(ctx, byID, "k01"), "SELECT ?").Scan(&v); err == nil {
		t.Fatalf("other text took the context's arguments: %v", v)
	}
	// A missing row is no row.
	if err := c.QueryRowContext(With(ctx, byID, "nope"), byID).Scan(&v); err != sql.ErrNoRows {
		t.Fatalf("missing row: %v", err)
	}
}

// TestBoundNestedRows: rows of a cached statement still open while the
// same text runs again on the same connection (in a transaction) keep
// their own results.
func TestBoundNestedRows(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const ge = "SELECT id, n FROM t WHERE n >= ? ORDER BY n"
	outer, err := tx.QueryContext(With(ctx, ge, int64(40)), ge)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(40)
	for outer.Next() {
		var id string
		var n int64
		if err := outer.Scan(&id, &n); err != nil || n != want {
			t.Fatalf("outer row %d: %d, %v", want, n, err)
		}
		var inner int
		if err := tx.QueryRowContext(With(ctx, ge, int64(48)), ge).Scan(&id, &inner); err != nil || inner != 48 {
			t.Fatalf("inner: %d, %v", inner, err)
		}
		want++
	}
	if err := outer.Err(); err != nil || want != 50 {
		t.Fatalf("outer ended at %d: %v", want, err)
	}
	outer.Close()
}

// TestBoundCacheBounded: more distinct statements than the cache holds
// all answer, and the cache stays at its bound.
func TestBoundCacheBounded(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for round := range 2 {
		for i := range maxCached + 10 {
			q := fmt.Sprintf("SELECT n + %d FROM t WHERE id = ?", i)
			var n int
			if err := c.QueryRowContext(With(ctx, q, "k07"), q).Scan(&n); err != nil || n != 7+i {
				t.Fatalf("round %d, statement %d: %d, %v", round, i, n, err)
			}
		}
	}
	if got := cachedCount(t, c); got != maxCached {
		t.Fatalf("%d statements cached, want %d", got, maxCached)
	}
}
