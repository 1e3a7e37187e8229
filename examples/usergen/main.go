// Command usergen fills a userdesk database with N realistic synthetic
// users (see package synth for the population), so that anyone can
// reproduce the users-list figures of BENCHMARKS.md.
//
//	go run ./examples/usergen -db 'postgres://postgres@127.0.0.1:5432/userdesk_bench?sslmode=disable' -n 1000000
//	go run ./examples/usergen -db users.db -n 100000
//
// The database is migrated first. On PostgreSQL the users go in by COPY,
// with the secondary indexes dropped during the load and rebuilt after;
// on SQLite by prepared multi-row INSERTs, with the indexes, counters and
// FTS5 index rebuilt after. The same -seed gives the same users.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"time"

	"github.com/userdesk/userdesk/examples/usergen/synth"
	"github.com/userdesk/userdesk/migrations"
	"github.com/userdesk/userdesk/sqldb"
)

func main() {
	target := flag.String("db", "", "postgres:// URL or SQLite file path (required)")
	n := flag.Int("n", 100_000, "number of users to generate")
	seed := flag.Uint64("seed", 1, "random seed")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the load to this file")
	flag.Parse()
	if *target == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, *target)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		log.Fatal(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	err = synth.LoadFast(ctx, db, synth.NewGenerator(*seed, time.Now(), *n), *n, func(done int) {
		fmt.Fprintf(os.Stderr, "\r%d / %d users (%.0f/s)", done, *n, float64(done)/time.Since(start).Seconds())
	})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
	fmt.Printf("%d users in %v\n", *n, time.Since(start).Round(time.Millisecond))
}
