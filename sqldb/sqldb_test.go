package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

func TestOpenSQLiteSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{
		"journal_mode":  "wal",
		"foreign_keys":  "1",
		"busy_timeout":  "10000",
		"secure_delete": "1",
		"mmap_size":     "1073741824",
	} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	if d, err := sqldb.DialectOf(db); err != nil || d != sqldb.SQLite {
		t.Fatalf("DialectOf = %v, %v", d, err)
	}
}

// TestSQLiteConcurrentReadThenWrite runs transactions that read a counter
// and then write it back from many goroutines. With DEFERRED transactions
// some would fail with SQLITE_BUSY (a read lock cannot be upgraded while
// another connection writes); IMMEDIATE transactions serialise them, so none
// fails and no increment is lost.
func TestSQLiteConcurrentReadThenWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE counter (n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO counter VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				errs <- db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, "UPDATE counter SET n = ?", n+1)
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("transaction failed: %v", err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*rounds {
		t.Fatalf("counter = %d, want %d (lost updates)", n, writers*rounds)
	}
}

func TestOpenRejectsBadTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := sqldb.OpenSQLite(ctx, ""); err == nil {
		t.Fatal("empty path accepted")
	}
	if _, err := sqldb.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"); err == nil {
		t.Fatal("unreachable PostgreSQL accepted")
	}
	if !sqldb.IsPostgresDSN("postgresql://x/y") || sqldb.IsPostgresDSN("data/userdesk.db") {
		t.Fatal("IsPostgresDSN")
	}
}

// TestSQLiteTimeTextOrderIsTimeOrder: SQLite stores timestamps as text in
// bun's format ("2006-01-02 15:04:05.999999+00:00" in UTC, fraction
// trimmed). Keyset pagination compares that text, so its order must be
// time order, also between whole seconds and trimmed fractions.
func TestSQLiteTimeTextOrderIsTimeOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE ts (n INTEGER, at TIMESTAMP NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 22, 10, 0, 5, 0, time.UTC)
	times := []time.Time{
		base.Add(500 * time.Millisecond), base, base.Add(time.Microsecond), base.Add(123456 * time.Microsecond),
		base.Add(time.Second), base.Add(-time.Microsecond), base.Add(500001 * time.Microsecond), base.Add(50 * time.Millisecond),
		base.Add(24 * time.Hour), base.Add(-time.Hour).In(time.FixedZone("CET", 3600)),
	}
	for i, at := range times {
		if _, err := db.NewInsert().Model(&struct {
			bun.BaseModel `bun:"table:ts"`
			N             int       `bun:"n"`
			At            time.Time `bun:"at"`
		}{N: i, At: at.UTC()}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var got []time.Time
	if err := db.NewRaw("SELECT at FROM ts ORDER BY at").Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(got); i++ {
		if !got[i-1].Before(got[i]) {
			t.Fatalf("text order is not time order at %d: %v then %v", i, got[i-1], got[i])
		}
	}
	// A comparison with a bound time, as a keyset page does, agrees too.
	var after int
	if err := db.NewRaw("SELECT count(*) FROM ts WHERE at > ?", base.Add(123456*time.Microsecond)).Scan(ctx, &after); err != nil {
		t.Fatal(err)
	}
	if after != 4 { // .5, .500001, +1 s, +24 h
		t.Fatalf("%d rows after the bound, want 4", after)
	}
}

func TestOpenPostgresSizesThePool(t *testing.T) {
	if got, _, _, _ := sqldb.PostgresPool(1); got != 8 {
		t.Errorf("1 core: %d open", got)
	}
	open, idle, idleTime, life := sqldb.PostgresPool(4)
	if open != 16 || idle != 16 || idleTime <= 0 || life <= idleTime {
		t.Errorf("4 cores: %d %d %v %v", open, idle, idleTime, life)
	}
	dsn := os.Getenv("USERDESK_TEST_POSTGRES")
	if dsn == "" {
		return // the DSN-less path is covered by the dbtest package's own tests
	}
	db, err := sqldb.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want, _, _, _ := sqldb.PostgresPool(runtime.GOMAXPROCS(0))
	if got := db.DB.Stats().MaxOpenConnections; got != want {
		t.Fatalf("MaxOpenConnections = %d, want %d", got, want)
	}
}

// postgresDSN returns the server of USERDESK_TEST_POSTGRES, and false
// when it is unset (then these tests have nothing to run against, and
// they fail if USERDESK_REQUIRE_POSTGRES says a server was expected).
func postgresDSN(t *testing.T) (string, bool) {
	t.Helper()
	dsn := os.Getenv("USERDESK_TEST_POSTGRES")
	if dsn == "" && os.Getenv("USERDESK_REQUIRE_POSTGRES") != "" {
		t.Fatal("USERDESK_TEST_POSTGRES is not set")
	}
	return dsn, dsn != ""
}

// TestOpenPostgresSimpleProtocol: statements go out in the simple query
// protocol (no server-side prepared statement per new SQL text), unless the
// DSN asks for another default_query_exec_mode; arguments passed to
// database/sql still arrive intact.
func TestOpenPostgresSimpleProtocol(t *testing.T) {
	dsn, ok := postgresDSN(t)
	if !ok {
		return
	}
	ctx := context.Background()
	prepared := func(dsn string) (int, string) {
		db, err := sqldb.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		conn, err := db.DB.Conn(ctx) // database/sql's own: the arguments go to pgx
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var echoed string
		tricky := "it's a \\ 'quoted' $1 value; --"
		for i := range 3 {
			if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT $1::text || '' AS v%d", i), tricky).Scan(&echoed); err != nil {
				t.Fatal(err)
			}
			if echoed != tricky {
				t.Fatalf("argument arrived as %q", echoed)
			}
		}
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n, echoed
	}
	if n, _ := prepared(dsn); n != 0 {
		t.Fatalf("%d prepared statements on the connection, want 0 (simple protocol)", n)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if n, _ := prepared(dsn + sep + "default_query_exec_mode=cache_statement"); n == 0 {
		t.Fatal("the DSN's default_query_exec_mode=cache_statement was not honoured")
	}
}

// TestOpenPostgresJIT: connections start with JIT compilation off
// (sqldb.PostgresJIT), and a DSN that names jit keeps its own.
func TestOpenPostgresJIT(t *testing.T) {
	dsn, ok := postgresDSN(t)
	if !ok {
		return
	}
	ctx := context.Background()
	jit := func(dsn string) string {
		db, err := sqldb.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		if err := db.QueryRowContext(ctx, "SHOW jit").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := jit(dsn); got != sqldb.PostgresJIT {
		t.Errorf("jit = %q, want %q", got, sqldb.PostgresJIT)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if got := jit(dsn + sep + "jit=on"); got != "on" {
		t.Errorf("jit = %q with jit=on in the DSN, want on", got)
	}
}

// TestOpenSQLiteKeepsIdleConnections: after 16 concurrent readers let go
// of their connections, the pool keeps them for the next burst instead of
// closing all but 2 (database/sql's default), which made every burst
// reopen connections and parse the schema again.
func TestOpenSQLiteKeepsIdleConnections(t *testing.T) {
	t.Parallel()
	if idle, idleTime := sqldb.SQLitePool(1); idle != 16 || idleTime <= 0 {
		t.Errorf("1 core: %d idle, %v", idle, idleTime)
	}
	if idle, _ := sqldb.SQLitePool(4); idle != 32 {
		t.Errorf("4 cores: %d idle", idle)
	}
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 16
	for burst := range 2 {
		conns := make([]bun.Conn, n)
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var one int
			if err := c.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for _, c := range conns {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
		st := db.DB.Stats()
		if st.MaxIdleClosed != 0 || st.Idle != n {
			t.Fatalf("burst %d: %d idle, %d closed for the idle limit; want %d idle, 0 closed", burst, st.Idle, st.MaxIdleClosed, n)
		}
	}
}
