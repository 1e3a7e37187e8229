package sqlitedrv

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openWriters(t *testing.T, busyTimeout string, wait time.Duration) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "w.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(" + busyTimeout + ")&_txlock=immediate"
	c, err := Connector(dsn, wait)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE counter (n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO counter VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestWritersTakeTurns: writers in back-to-back write transactions, with
// a busy timeout far shorter than the run, all get their turn: none fails
// with SQLITE_BUSY and no increment is lost. (Left to SQLite's busy
// handler, which sleeps and retries, a waiter that keeps waking while
// another writer holds the lock again starves and fails.)
func TestWritersTakeTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openWriters(t, "50", 10*time.Second)
	const writers, steps = 8, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers*steps)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range steps {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					errs <- err
					continue
				}
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
					tx.Rollback()
					errs <- err
					continue
				}
				time.Sleep(200 * time.Microsecond) // hold the lock a little
				if _, err := tx.ExecContext(ctx, "UPDATE counter SET n = ?", n+1); err != nil {
					tx.Rollback()
					errs <- err
					continue
				}
				if err := tx.Commit(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := db.QueryRow("SELECT n FROM counter").Scan(&n); err != nil || n != writers*steps {
		t.Fatalf("counter %d (%v), want %d", n, err, writers*steps)
	}
}

// TestWriterWaitBounded: a writer that cannot get its turn within the
// connector's wait fails with a BusyError (Code SQLITE_BUSY), one whose
// context ends first with the context's error; a read-only transaction
// and a read do not wait; once the writer commits the next one proceeds.
func TestWriterWaitBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openWriters(t, "10000", 150*time.Millisecond)
	held, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = db.BeginTx(ctx, nil)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Code() != 5 || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("second writer: %v after %v", err, time.Since(start))
	}
	if _, err := db.ExecContext(ctx, "UPDATE counter SET n = 1"); !errors.As(err, &busy) {
		t.Fatalf("autocommit write: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := db.BeginTx(cctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("writer with a short context: %v", err)
	}
	ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only transaction: %v", err)
	}
	var n int
	if err := ro.QueryRow("SELECT n FROM counter").Scan(&n); err != nil {
		t.Fatal(err)
	}
	ro.Rollback()
	if err := db.QueryRow("SELECT n FROM counter").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	next, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("after the commit: %v", err)
	}
	next.Rollback()
	if _, err := db.ExecContext(ctx, "UPDATE counter SET n = 2"); err != nil {
		t.Fatalf("after the rollback: %v", err)
	}
}
