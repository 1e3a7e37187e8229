// Package dbtest hands each test a real, freshly migrated database, on
// SQLite and on PostgreSQL.
//
// SQLite is always available (pure Go, no cgo): the migrations run once per
// test binary into a template file, and each test gets a copy of that file,
// opened with sqldb.OpenSQLite exactly as the reference server opens its own.
//
// PostgreSQL is found once per test binary, in this order:
//
//  1. USERDESK_TEST_POSTGRES holds a DSN (postgres://… or key=value): that
//     server is used. This is the CI path.
//  2. A reachable Docker engine: one testcontainers-go postgres container
//     for the test binary.
//  3. PostgreSQL server binaries on the machine (initdb and postgres on the
//     PATH, or under /usr/lib/postgresql/*/bin): a throwaway cluster in a
//     temporary folder, listening on a unix socket only. initdb and postgres
//     refuse to run as root, so as root they run as the "postgres" user (or
//     "nobody"), who is handed the folder.
//  4. None: the PostgreSQL variants are skipped with a message saying how to
//     enable them, unless USERDESK_REQUIRE_POSTGRES=1, which makes that a
//     failure (CI sets it).
//
// On PostgreSQL the migrations run once into a template database, and each
// test gets a clone (CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY, about
// 20 ms), dropped when the test ends. The server's own databases are never
// used for tests. Every test therefore owns its database and may call
// t.Parallel.
//
// A package that uses PostgreSQL should call [Main] from its TestMain, so
// the template database and any cluster or container the binary started are
// removed when it ends; the local cluster also shuts itself down if the test
// binary dies.
package dbtest
