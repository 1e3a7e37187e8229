// Package examples holds runnable programs that show userdesk at work; it
// has no code of its own.
//
//   - examples/server is the reference HTTP server: `go run ./examples/server`
//     starts it on an embedded SQLite database with nothing to install.
//   - examples/httpbench times the server's users list, counts and detail
//     view over HTTP (sequential and under load) against a running server
//     on a database seeded by examples/usergen.
//   - examples/replicabench starts 1, 2 and 3 server replicas on one
//     PostgreSQL behind a round-robin proxy and measures the detail view's
//     throughput and p99 for each.
package examples
