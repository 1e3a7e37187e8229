// Command listbench measures the users list and its exports on PostgreSQL
// at scale, through the library (usermgmt.Service, bun scan included).
//
//	go run ./examples/listbench -n 1000000
//
// It creates the database -db on the server of -server (dropping a
// leftover of the same name unless -reuse), migrates it, seeds -n users
// with the usergen generator (COPY), then times each scenario -runs times
// and prints median and p95 as a Markdown table: first page, page 1,000 by
// cursor, keyword searches (name fragment, email fragment, phone digits),
// a filtered and sorted page, and the counts. Then it exports every user
// as CSV and as XLSX, each in a child process so that its peak RSS
// (getrusage maxrss) is the export's own, and reports rows per second.
// -drop removes the database at the end; -reuse keeps a seeded one across
// runs.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/examples/usergen/synth"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

func main() {
	server := flag.String("server", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "maintenance database URL of the PostgreSQL server")
	name := flag.String("db", "userdesk_bench", "benchmark database name (created)")
	n := flag.Int("n", 1_000_000, "users to seed")
	runs := flag.Int("runs", 200, "timed runs per list scenario")
	countRuns := flag.Int("count-runs", 30, "timed runs per count scenario")
	reuse := flag.Bool("reuse", false, "reuse the database if it already holds -n users")
	drop := flag.Bool("drop", false, "drop the database at the end")
	exports := flag.Bool("exports", true, "run the export measurements")
	lists := flag.Bool("lists", true, "run the list and count measurements")
	child := flag.String("child-export", "", "internal: run one export (csv or xlsx) and report")
	out := flag.String("export-file", os.TempDir()+"/listbench-export", "internal: export destination (suffix .csv/.xlsx)")
	flag.Parse()
	ctx := context.Background()

	dsn, err := dbURL(*server, *name)
	if err != nil {
		log.Fatal(err)
	}
	if *child != "" {
		if err := runExport(ctx, dsn, usermgmt.ExportFormat(*child), *out+"."+*child); err != nil {
			log.Fatal(err)
		}
		return
	}

	admin, err := sqldb.OpenPostgres(ctx, *server)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	if !*reuse {
		mustExec(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{*name}.Sanitize()+" WITH (FORCE)")
	}
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", *name).Scan(&exists); err != nil {
		log.Fatal(err)
	}
	if !exists {
		mustExec(ctx, admin, "CREATE DATABASE "+pgx.Identifier{*name}.Sanitize())
	}
	db, err := sqldb.OpenPostgres(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	if err := migrations.Up(ctx, db); err != nil {
		log.Fatal(err)
	}
	var have int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM userdesk_users").Scan(&have); err != nil {
		log.Fatal(err)
	}
	if have != *n {
		if have != 0 {
			log.Fatalf("%s holds %d users, not %d: run without -reuse", *name, have, *n)
		}
		start := time.Now()
		err := synth.LoadFast(ctx, db, synth.NewGenerator(1, time.Now(), *n), *n, func(done int) {
			fmt.Fprintf(os.Stderr, "\rseeding %d / %d", done, *n)
		})
		fmt.Fprintln(os.Stderr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("seeded %d users in %v (COPY, indexes rebuilt, VACUUM ANALYZE)\n\n", *n, time.Since(start).Round(time.Second))
	}
	printSizes(ctx, db)

	s, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		log.Fatal(err)
	}
	op := operator(ctx, s, db)
	if *lists {
		runLists(ctx, s, db, op, *runs, *countRuns)
	}
	if *exports {
		fmt.Printf("\n| export | rows | seconds | rows/s | peak RSS |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, f := range []string{"csv", "xlsx"} {
			childExport(dsn, *server, *name, f, *out)
		}
	}
	_ = db.Close()
	if *drop {
		mustExec(ctx, admin, "DROP DATABASE "+pgx.Identifier{*name}.Sanitize()+" WITH (FORCE)")
	}
}

// runLists times the list and count scenarios.
func runLists(ctx context.Context, s *usermgmt.Service, db *bun.DB, op uuid.UUID, runs, countRuns int) {
	b := &bench{ctx: ctx, s: s, db: db, op: op}
	b.samples(ctx)

	fmt.Printf("| scenario | median | p95 | max | rows |\n| --- | ---: | ---: | ---: | ---: |\n")
	first := b.list("first page, no filter (50 rows)", runs, func(int) usermgmt.ListQuery { return usermgmt.ListQuery{} })
	cursor := b.walk(usermgmt.ListQuery{}, 999)
	deep := b.list("page 1,000 by cursor", runs, func(int) usermgmt.ListQuery { return usermgmt.ListQuery{Cursor: cursor} })
	b.list("keyword: name fragment", runs, func(i int) usermgmt.ListQuery {
		return usermgmt.ListQuery{Keyword: b.names[i%len(b.names)]}
	})
	b.list("keyword: email fragment", runs, func(i int) usermgmt.ListQuery {
		return usermgmt.ListQuery{Keyword: b.emails[i%len(b.emails)]}
	})
	b.list("keyword: exact email", runs, func(i int) usermgmt.ListQuery {
		return usermgmt.ListQuery{Keyword: b.exact[i%len(b.exact)]}
	})
	b.list("keyword: phone digits", runs, func(i int) usermgmt.ListQuery {
		return usermgmt.ListQuery{Keyword: b.phones[i%len(b.phones)]}
	})
	filtered := func(int) usermgmt.ListQuery {
		t := true
		return usermgmt.ListQuery{Statuses: []usermgmt.Status{usermgmt.StatusLive}, Roles: usermgmt.RoleFilterBoth,
			Languages: []string{"fr"}, HasListing: &t, Sort: usermgmt.SortName, Dir: usermgmt.Asc}
	}
	b.list("filtered (live, both roles, speaks fr, has listing) and sorted by name", runs, filtered)
	fq := filtered(0)
	fq.Cursor = b.walk(fq, 99)
	b.list("same, page 100 by cursor", runs, func(int) usermgmt.ListQuery { return fq })
	b.list("review queue (in_review, newest first)", runs, func(int) usermgmt.ListQuery {
		return usermgmt.ListQuery{Statuses: []usermgmt.Status{usermgmt.StatusInReview}}
	})
	b.count("count, no filter", countRuns, usermgmt.ListQuery{})
	b.count("count, in_review", countRuns, usermgmt.ListQuery{Statuses: []usermgmt.Status{usermgmt.StatusInReview}})
	b.count("count, keyword (email fragment)", countRuns, usermgmt.ListQuery{Keyword: b.emails[0]})
	fmt.Printf("\npage 1,000 / page 1 (medians): %.2f×\n", float64(deep)/float64(first))
}

func dbURL(server, name string) (string, error) {
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), nil
}

func mustExec(ctx context.Context, db bun.IDB, q string) {
	if _, err := db.ExecContext(ctx, q); err != nil {
		log.Fatalf("%s: %v", q, err)
	}
}

func printSizes(ctx context.Context, db *bun.DB) {
	var table, indexes string
	if err := db.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_table_size('userdesk_users')), pg_size_pretty(pg_indexes_size('userdesk_users'))`).Scan(&table, &indexes); err == nil {
		fmt.Printf("userdesk_users: table %s, indexes %s\n\n", table, indexes)
	}
}

// operator returns an admin operator for the benchmark, made once.
func operator(ctx context.Context, s *usermgmt.Service, db *bun.DB) uuid.UUID {
	var id uuid.UUID
	err := db.QueryRowContext(ctx, "SELECT id FROM userdesk_operators WHERE email_normalized = 'listbench@example.com'").Scan(&id)
	if err == nil {
		return id
	}
	if !errors.Is(err, sql.ErrNoRows) {
		log.Fatal(err)
	}
	op, err := s.CreateOperator(ctx, db, usermgmt.NewOperator{
		Name: "listbench", Email: "listbench@example.com", Password: "listbench password", Roles: []usermgmt.OperatorRole{usermgmt.RoleAdmin},
	})
	if err != nil {
		log.Fatal(err)
	}
	return op.ID
}

type bench struct {
	ctx                          context.Context
	s                            *usermgmt.Service
	db                           *bun.DB
	op                           uuid.UUID
	names, emails, exact, phones []string
}

// samples draws keywords from random existing users.
func (b *bench) samples(ctx context.Context) {
	rows, err := b.db.QueryContext(ctx, `SELECT last_name, email, phone FROM userdesk_users TABLESAMPLE BERNOULLI (1)
		WHERE deleted_at IS NULL AND phone <> '' LIMIT 200`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	r := rand.New(rand.NewPCG(7, 7))
	for rows.Next() {
		var last, email, phone string
		if err := rows.Scan(&last, &email, &phone); err != nil {
			log.Fatal(err)
		}
		if rs := []rune(last); len(rs) >= 5 {
			b.names = append(b.names, string(rs[:2+r.IntN(len(rs)-3)+1])) // a 3+ letter prefix fragment
		}
		local, _, _ := strings.Cut(email, "@")
		b.emails = append(b.emails, local[1:len(local)-1]) // inner fragment of the local part
		b.exact = append(b.exact, email)
		// A phone fragment as an operator types it: "+33 612 345".
		b.phones = append(b.phones, phone[:3]+" "+phone[3:6]+" "+phone[6:9])
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("keyword samples, e.g. name %q, email %q, phone %q\n\n", b.names[0], b.emails[0], b.phones[0])
}

// walk pages through q and returns the cursor of page pages+1.
func (b *bench) walk(q usermgmt.ListQuery, pages int) string {
	for range pages {
		p, err := b.s.ListUsers(b.ctx, b.db, b.op, q)
		if err != nil {
			log.Fatal(err)
		}
		if p.NextCursor == "" {
			log.Fatal("the list ended before the page asked for")
		}
		q.Cursor = p.NextCursor
	}
	return q.Cursor
}

// list times ListUsers; it returns the median.
func (b *bench) list(name string, runs int, q func(i int) usermgmt.ListQuery) time.Duration {
	var ds []time.Duration
	rows := 0
	for i := -5; i < runs; i++ {
		start := time.Now()
		p, err := b.s.ListUsers(b.ctx, b.db, b.op, q(max(i, 0)))
		d := time.Since(start)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		if i >= 0 {
			ds = append(ds, d)
			rows += len(p.Items)
		}
	}
	return report(name, ds, fmt.Sprintf("%.1f", float64(rows)/float64(runs)))
}

// count times CountUsers.
func (b *bench) count(name string, runs int, q usermgmt.ListQuery) {
	var ds []time.Duration
	var n int64
	for i := -2; i < runs; i++ {
		start := time.Now()
		c, err := b.s.CountUsers(b.ctx, b.db, b.op, q)
		d := time.Since(start)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		if i >= 0 {
			ds = append(ds, d)
		}
		n = c
	}
	report(name, ds, fmt.Sprint(n))
}

func report(name string, ds []time.Duration, rows string) time.Duration {
	slices.Sort(ds)
	med := ds[len(ds)/2]
	p95 := ds[min(len(ds)-1, len(ds)*95/100)]
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	fmt.Printf("| %s | %s | %s | %s | %s |\n", name, ms(med), ms(p95), ms(ds[len(ds)-1]), rows)
	return med
}

// childExport runs one export in a child process and reports its figures
// with the child's peak RSS.
func childExport(dsn, server, name, format, out string) {
	cmd := exec.Command(os.Args[0], "-server", server, "-db", name, "-child-export", format, "-export-file", out)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		log.Fatalf("export %s: %v", format, err)
	}
	fmt.Printf("| %s |\n", strings.TrimSpace(line))
}

// peakRSS is the process's peak resident set size since its exec
// (VmHWM). getrusage's maxrss would not do: Linux carries the parent's
// high-water mark across fork and exec.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return fmt.Sprintf("%.1f MB", kb/1024)
		}
	}
	return "?"
}

// runExport is the child: one export of everyone to a file.
func runExport(ctx context.Context, dsn string, format usermgmt.ExportFormat, path string) error {
	db, err := sqldb.OpenPostgres(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := usermgmt.New(usermgmt.Config{})
	if err != nil {
		return err
	}
	op := operator(ctx, s, db)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	w := bufio.NewWriterSize(f, 1<<16)
	if p := os.Getenv("LISTBENCH_CPUPROFILE"); p != "" {
		pf, err := os.Create(p)
		if err != nil {
			return err
		}
		_ = pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	n, err := s.ExportUsers(ctx, db, op, usermgmt.ListQuery{}, format, w, nil)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return err
	}
	d := time.Since(start)
	st, _ := os.Stat(path)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%s (%.0f MB file, Go heap sys %.0f MB) | %d | %.1f | %.0f | %s", format, float64(st.Size())/1e6,
		float64(ms.HeapSys)/1e6, n, d.Seconds(), float64(n)/d.Seconds(), peakRSS())
	fmt.Println()
	return nil
}
