// Command server is userdesk's reference HTTP server: a back-office JSON
// API over usermgmt, fees and impersonation, wired the way we recommend an
// embedding service does. The API itself is package
// examples/server/api; this package holds the configuration, the wiring
// (app.go, the file a host copies) and the demo data.
//
// With no flags it opens (creating it if needed) the embedded SQLite file
// userdesk.db in the working directory, runs the migrations, seeds demo
// data into an empty database (printing the demo operators' one-time
// passwords once) and serves on 127.0.0.1:8080:
//
//	go run ./examples/server
//
// Flags, each with an environment twin (the flag wins); see README.md:
//
//	-addr          USERDESK_ADDR           listen address (127.0.0.1:8080)
//	-db            USERDESK_DB             SQLite path or postgres:// DSN (userdesk.db)
//	-demo          USERDESK_DEMO           seed demo data into an empty database
//	                                       (default: on only when -db is not given)
//	-keys          USERDESK_KEYS           keys file for the bank-details and token keys;
//	                                       generated on first run for SQLite (default <db>.keys.json)
//	-bank-key      USERDESK_BANK_KEY       base64 32-byte AES key (production: give it explicitly)
//	-signing-key   USERDESK_SIGNING_KEY    base64 Ed25519 seed for impersonation tokens
//	-session-ttl   USERDESK_SESSION_TTL    operator and user session lifetime (8h)
//	-impersonation-ttl USERDESK_IMPERSONATION_TTL  impersonation token lifetime (15m, at most 1h)
//	-audience      USERDESK_AUDIENCE       front-office URL that impersonation tokens are for
//	-reset-demo-passwords USERDESK_RESET_DEMO_PASSWORDS  print new passwords for the demo operators
//	-sevenrooms-url         USERDESK_SEVENROOMS_URL          SevenRooms API root with the version; off without
//	                                                         it, except in demo mode (an in-process fake)
//	-sevenrooms-client-id   USERDESK_SEVENROOMS_CLIENT_ID    API credentials (the secret: env
//	                                                         USERDESK_SEVENROOMS_CLIENT_SECRET only)
//	-sevenrooms-venue-group USERDESK_SEVENROOMS_VENUE_GROUP  venue group of searches and exports
//	-sevenrooms-environment USERDESK_SEVENROOMS_ENVIRONMENT  production (default) or demo
//	-sevenrooms-venue       USERDESK_SEVENROOMS_VENUE        venue of the back office's profile links
//
// USERDESK_SEVENROOMS_WEBHOOK_SECRET is the shared secret of SevenRooms
// webhook deliveries at POST /webhooks/sevenrooms. SevenRooms' background
// work (health checks, queued automatic links, partial merges) runs on one
// replica at a time, behind a lease row (thirdparty.RunExclusive), and so
// does the hourly maintenance (event retention, idempotency-key pruning,
// the verification sweep) under a lease of its own.
//
// USERDESK_ADMIN_EMAIL and USERDESK_ADMIN_PASSWORD, when set and no
// operator exists yet, create the first admin operator.
//
// Unless GOGC is set, the server collects garbage when the heap has grown
// by 400 % since the last collection instead of Go's default 100 %
// ([defaultGCPercent]): every request allocates a few tens of kilobytes
// that die with it, over a live heap of a few tens of megabytes, so the
// collector's work was about a tenth of the CPU of a detail view under
// load, and a fifth as many collections cost a few times the live heap
// in memory. GOGC (and GOMEMLIMIT, which caps the heap whatever GOGC
// says) set in the environment win, as for any Go program.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultGCPercent is the server's GOGC when the environment sets none.
// Measured under the detail view's load at 1,000,000 users (SQLite, 16
// connections, BENCHMARKS.md issue 18): about 10 % less CPU per request
// than 100.
const defaultGCPercent = 400

// setDefaultGC sets the collector's target to defaultGCPercent unless
// getenv names a GOGC, which the Go runtime has already applied.
func setDefaultGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

func main() {
	setDefaultGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
