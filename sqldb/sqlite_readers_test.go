package sqldb

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
)

// onReadPool reports whether q ran on a query_only connection, which only
// the read pool's are.
func onReadPool(t *testing.T, ctx context.Context, q interface {
	Scan(context.Context, ...any) error
}) bool {
	t.Helper()
	var v int
	if err := q.Scan(ctx, &v); err != nil {
		t.Fatal(err)
	}
	return v == 1
}

// openTestSQLite opens a new file as OpenSQLite does, closed when t ends.
func openTestSQLite(t *testing.T, opts ...SQLiteOption) (*bun.DB, *sqliteReads) {
	t.Helper()
	db, reads, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "x.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, reads
}

func TestSQLiteReadPoolRoutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, reads := openTestSQLite(t)
	if n := reads.db.Stats().MaxOpenConnections; n != SQLiteReaders(runtime.GOMAXPROCS(0)) {
		t.Fatalf("read pool capped at %d", n)
	}
	sel := func(db bun.IDB) *bun.SelectQuery {
		return db.NewSelect().ColumnExpr("query_only").TableExpr("pragma_query_only")
	}
	raw := func(db bun.IDB) *bun.RawQuery { return db.NewRaw("PRAGMA query_only") }

	if !onReadPool(t, ctx, sel(db)) {
		t.Error("a SELECT outside a transaction ran on the main pool")
	}
	if !onReadPool(t, ReadOnly(ctx), raw(db)) {
		t.Error("a raw statement marked ReadOnly ran on the main pool")
	}
	if onReadPool(t, ctx, raw(db)) {
		t.Error("an unmarked raw statement ran on the read pool")
	}
	var v int
	if err := db.QueryRowContext(ReadOnly(ctx), "PRAGMA query_only").Scan(&v); err != nil || v != 0 {
		t.Errorf("db.QueryRowContext: query_only = %d, %v; want the main pool", v, err)
	}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if onReadPool(t, ctx, sel(tx)) || onReadPool(t, ReadOnly(ctx), raw(tx)) {
			t.Error("a statement of a transaction ran on the read pool")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A write marked ReadOnly fails there and writes nothing.
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	err = db.NewRaw("INSERT INTO t (n) VALUES (1) RETURNING n").Scan(ReadOnly(ctx), &v)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("a marked write: %v, want SQLite's readonly error", err)
	}
	var n int
	if err := db.NewSelect().TableExpr("t").ColumnExpr("count(*)").Scan(ctx, &n); err != nil || n != 0 {
		t.Fatalf("after the refused write: %d rows, %v", n, err)
	}
}

// TestSQLiteReadPoolReadsOwnWrites: writers commit rows in transactions
// while readers read; every writer, right after its commit, reads all of
// its rows through the read pool, and the read pool never opens more than
// its cap.
func TestSQLiteReadPoolReadsOwnWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, reads := openTestSQLite(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (w INTEGER NOT NULL, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	const writers, readers, rows = 4, 12, 40
	stop := make(chan struct{})
	errs := make(chan error, writers+readers)
	var rg, wg sync.WaitGroup
	for range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				if err := db.NewSelect().TableExpr("t").ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= rows; i++ {
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO t (w, n) VALUES (?, ?)", w, i)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				var n int
				if err := db.NewSelect().TableExpr("t").ColumnExpr("count(*)").Where("w = ?", w).Scan(ctx, &n); err != nil {
					errs <- err
					return
				}
				if n != i {
					errs <- fmt.Errorf("writer %d: read %d of its %d committed rows", w, n, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := reads.db.Stats()
	if st.OpenConnections > SQLiteReaders(runtime.GOMAXPROCS(0)) || st.OpenConnections == 0 {
		t.Errorf("read pool: %d open connections", st.OpenConnections)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := reads.db.PingContext(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("read pool after db.Close: %v, want closed", err)
	}
}

// TestWithSQLiteReaders: the option sizes the read pool, 0 leaves every
// statement on the main pool, a negative size is refused.
func TestWithSQLiteReaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, reads := openTestSQLite(t, WithSQLiteReaders(3))
	if n := reads.db.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("WithSQLiteReaders(3): capped at %d", n)
	}
	db, reads := openTestSQLite(t, WithSQLiteReaders(0))
	if reads != nil {
		t.Error("WithSQLiteReaders(0) opened a read pool")
	}
	if onReadPool(t, ctx, db.NewSelect().ColumnExpr("query_only").TableExpr("pragma_query_only")) {
		t.Error("WithSQLiteReaders(0): a SELECT ran on a query_only connection")
	}
	if _, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), WithSQLiteReaders(-1)); err == nil || !strings.Contains(err.Error(), "-1 readers") {
		t.Errorf("WithSQLiteReaders(-1): %v", err)
	}
}
