// Command referralbench measures referral credit changes per second on one
// hot user and spread over many users, on PostgreSQL and SQLite.
//
// Each change is one call of the library: StepCredits (an operator's +1:
// Authorize, then the conditional UPDATE … RETURNING of the balance and
// the ledger entry, on PostgreSQL one autocommitted statement), the same
// with the operator in the context as the reference server passes it
// (usermgmt.Service.WithOperator: Authorize reads nothing), the same with
// an idempotency key (a transaction: the key's claim, then the change),
// and AdjustCredits (a rule's grant, no operator). A "raw" row runs the
// hand-written floor on the same tables: one conditional UPDATE and one
// entry INSERT per transaction, no library.
//
//	go run ./referral/cmd/referralbench -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// On PostgreSQL it creates a database of its own (referralbench_<random>)
// and drops it at the end; on SQLite it uses a file in a temporary folder.
// It stops by itself after -duration per row.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/referral"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

func main() {
	pgDSN := flag.String("postgres", "", "PostgreSQL server DSN (a database of its own is created there); empty skips PostgreSQL")
	skipSQLite := flag.Bool("no-sqlite", false, "skip SQLite")
	users := flag.Int("users", 10_000, "users of the spread rows")
	workers := flag.Int("workers", 8, "concurrent callers")
	sqliteWorkers := flag.Int("sqlite-workers", 4, "concurrent callers on SQLite")
	duration := flag.Duration("duration", 10*time.Second, "length of each measured row")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("referralbench: %d users, %s per row, GOMAXPROCS %d, %s\n", *users, *duration, runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339))
	if *pgDSN != "" {
		db, drop, err := postgresDB(ctx, *pgDSN)
		if err != nil {
			log.Fatal(err)
		}
		var fsync string
		_ = db.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync)
		var version string
		_ = db.QueryRowContext(ctx, "SHOW server_version").Scan(&version)
		fmt.Printf("\nPostgreSQL %s, fsync=%s, %d workers, pool %d\n", version, fsync, *workers, *workers)
		db.SetMaxOpenConns(*workers)
		db.SetMaxIdleConns(*workers)
		err = run(ctx, db, *users, *workers, *duration)
		db.Close()
		drop()
		if err != nil {
			log.Fatal(err)
		}
	}
	if !*skipSQLite {
		dir, err := os.MkdirTemp("", "referralbench-")
		if err != nil {
			log.Fatal(err)
		}
		db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\nSQLite (modernc, WAL, synchronous=NORMAL, BEGIN IMMEDIATE), %d workers\n", *sqliteWorkers)
		err = run(ctx, db, *users, *sqliteWorkers, *duration)
		db.Close()
		os.RemoveAll(dir)
		if err != nil {
			log.Fatal(err)
		}
	}
}

// postgresDB creates a database of its own on the server of dsn.
func postgresDB(ctx context.Context, dsn string) (*bun.DB, func(), error) {
	admin, err := sqldb.OpenPostgres(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	name := "referralbench_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, nil, err
	}
	u.Path = "/" + name
	db, err := sqldb.OpenPostgres(ctx, u.String())
	if err != nil {
		return nil, nil, err
	}
	drop := func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			log.Printf("drop %s: %v", name, err)
		}
		admin.Close()
	}
	return db, drop, nil
}

type env struct {
	db    *bun.DB
	users *usermgmt.Service
	ref   *referral.Service
	op    uuid.UUID
	opRec *usermgmt.Operator
	ids   []uuid.UUID
}

func run(ctx context.Context, db *bun.DB, n, workers int, d time.Duration) error {
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}
	users, err := usermgmt.New(usermgmt.Config{Permissions: referral.Permissions(),
		Argon2: usermgmt.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1}})
	if err != nil {
		return err
	}
	ref, err := referral.New(referral.Config{Users: users})
	if err != nil {
		return err
	}
	op, err := users.CreateOperator(ctx, db, usermgmt.NewOperator{Name: "Bench", Email: "bench@backoffice.test",
		Password: "operator password 1", Roles: []usermgmt.OperatorRole{usermgmt.RoleFinance}})
	if err != nil {
		return err
	}
	e := &env{db: db, users: users, ref: ref, op: op.ID, opRec: op}
	t0 := time.Now()
	if e.ids, err = seed(ctx, e, n, workers); err != nil {
		return err
	}
	fmt.Printf("seeded %d users with open accounts in %s\n", n, time.Since(t0).Round(time.Millisecond))
	fmt.Printf("%-28s %-7s %10s %8s %8s %8s %8s %6s\n", "operation", "target", "changes/s", "p50 ms", "p99 ms", "errors", "busy", "n")
	var rawSeq atomic.Int64
	ops := []struct {
		name string
		fn   func(ctx context.Context, user uuid.UUID, i int64) error
	}{
		{"StepCredits (+1, operator)", func(ctx context.Context, user uuid.UUID, _ int64) error {
			_, err := e.ref.StepCredits(ctx, e.db, e.op, user, referral.CreditStep{Delta: 1})
			return err
		}},
		{"StepCredits, op. in ctx", func(ctx context.Context, user uuid.UUID, _ int64) error {
			// As the reference server calls it: the operator its session
			// resolved rides in the context, so Authorize reads nothing.
			_, err := e.ref.StepCredits(e.users.WithOperator(ctx, e.opRec), e.db, e.op, user, referral.CreditStep{Delta: 1})
			return err
		}},
		{"StepCredits + idem. key", func(ctx context.Context, user uuid.UUID, i int64) error {
			_, err := e.ref.StepCredits(ctx, e.db, e.op, user, referral.CreditStep{Delta: 1, IdempotencyKey: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)})
			return err
		}},
		{"AdjustCredits (grant)", func(ctx context.Context, user uuid.UUID, _ int64) error {
			_, err := e.ref.AdjustCredits(ctx, e.db, user, referral.Adjustment{Kind: referral.KindGranted, Amount: 1, Reason: "bench"})
			return err
		}},
		{"raw UPDATE + INSERT", func(ctx context.Context, user uuid.UUID, _ int64) error {
			return rawChange(ctx, e.db, user, rawSeq.Add(1))
		}},
	}
	for _, o := range ops {
		for _, target := range []string{"hot", "spread"} {
			pick := func(r *rand.Rand) uuid.UUID { return e.ids[0] }
			if target == "spread" {
				pick = func(r *rand.Rand) uuid.UUID { return e.ids[r.IntN(len(e.ids))] }
			}
			res := measure(ctx, workers, d, pick, o.fn)
			fmt.Printf("%-28s %-7s %10.0f %8.2f %8.2f %8d %8d %6d\n", o.name, target, res.rate, res.p50, res.p99, res.errors, res.busy, res.n)
			if res.firstErr != nil {
				fmt.Printf("  first error: %v\n", res.firstErr)
			}
		}
	}
	return nil
}

// seed registers n users and opens their referral accounts.
func seed(ctx context.Context, e *env, n, workers int) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				u, err := e.users.Register(ctx, e.db, usermgmt.Registration{
					Email: fmt.Sprintf("user%d@bench.test", i), Password: "bench password 123", FirstName: "Bench", LastName: fmt.Sprint(i),
					Type: usermgmt.Individual, Roles: []usermgmt.Role{usermgmt.RoleAsker},
				})
				if err == nil {
					_, err = e.ref.Open(ctx, e.db, u.ID)
				}
				if err != nil {
					errs <- err
					return
				}
				ids[i] = u.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return ids, nil
}

// rawChange is the hand-written floor: one conditional UPDATE and one
// ledger INSERT in a transaction.
func rawChange(ctx context.Context, db *bun.DB, user uuid.UUID, i int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var balance, version int64
		if err := tx.NewRaw(`UPDATE userdesk_referral_accounts SET balance = balance + 1, version = version + 1, last_delta = 1
WHERE user_id = ? AND balance + 1 >= 0 RETURNING balance, version`, user).Scan(ctx, &balance, &version); err != nil {
			return err
		}
		id, _ := uuid.NewV7()
		_, err := tx.NewRaw(`INSERT INTO userdesk_referral_credit_entries (id, user_id, seq, amount, balance_after, kind, created_at)
VALUES (?, ?, ?, 1, ?, 'granted', ?)`, id, user, version, balance, time.Now().UTC()).Exec(ctx)
		return err
	})
}

type result struct {
	rate, p50, p99 float64
	n, errors      int64
	busy           int64
	firstErr       error
}

func measure(ctx context.Context, workers int, d time.Duration, pick func(*rand.Rand) uuid.UUID, fn func(context.Context, uuid.UUID, int64) error) result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       result
		seq       atomic.Int64
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, seed*7+1))
			var mine []time.Duration
			var errs, busy int64
			var first error
			for time.Now().Before(deadline) {
				t := time.Now()
				err := fn(ctx, pick(r), seq.Add(1))
				mine = append(mine, time.Since(t))
				if err != nil {
					errs++
					if isBusy(err) {
						busy++
					}
					if first == nil {
						first = err
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			res.errors += errs
			res.busy += busy
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		}(uint64(w + 1))
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.n = int64(len(latencies)) - res.errors
	res.rate = float64(res.n) / elapsed.Seconds()
	slices.Sort(latencies)
	if len(latencies) > 0 {
		res.p50 = ms(latencies[len(latencies)/2])
		res.p99 = ms(latencies[len(latencies)*99/100])
	}
	return res
}

func isBusy(err error) bool {
	var le *sqlite.Error
	if errors.As(err, &le) {
		c := le.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
