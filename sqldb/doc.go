// Package sqldb opens the databases userdesk runs on and tells them apart.
//
// userdesk stores its data through bun on two dialects: PostgreSQL (the
// production target, through pgx v5's database/sql adapter) and SQLite (the
// embedded default, through the pure-Go modernc.org/sqlite driver, no cgo).
//
// [OpenSQLite] opens a SQLite file the way concurrent use needs it:
//
//   - WAL journal, so readers never block the writer;
//   - foreign keys enforced;
//   - a busy timeout, so a writer waits for the lock instead of failing;
//   - reads through a memory map of the first 1 GiB of the file
//     (mmap_size): every connection reads the operating system's page cache
//     directly instead of copying pages into its own 2 MB page cache, which
//     at a million users halved the SQLite filtered, name-sorted list page
//     (17.2 to 9.1 ms median) and made the detail view 1.6 times faster
//     (BENCHMARKS.md). The map costs address space, not memory; an I/O
//     error on a mapped page is a SIGBUS instead of an error, the price
//     SQLite documents for it. A committed write by any connection makes
//     every other connection drop its page cache and unmap its whole map
//     when it next reads (SQLite's WAL reader, finding the database
//     changed): the unmap took 20–32 ms per reader at a million users on
//     the 2-core machine of BENCHMARKS.md, and the process's other page
//     faults wait for it, so each write put a 20–40 ms stall into the
//     reads of that moment. Background loops therefore write only when
//     they must (the verification delivery lease is renewed once a third
//     of it has passed, not every 2 s);
//   - write transactions that begin IMMEDIATE: a DEFERRED transaction that
//     reads and then writes fails with SQLITE_BUSY under concurrent writers
//     whatever the busy timeout, because SQLite cannot upgrade its read lock
//     while another connection holds the write lock.
//
// Its connections take turns to write inside the process, first come
// first served, before they ask SQLite for its one write lock: SQLite's
// busy handler sleeps and retries, and under a steady stream of short
// write transactions a waiter that keeps waking while the lock is held
// again starves into SQLITE_BUSY. A write transaction or an autocommitted
// statement waits at most [SQLiteBusyTimeout] for its turn, then fails
// with an error whose Code is SQLITE_BUSY. They also keep the hottest
// reads (the operator's session) compiled, with their arguments bound,
// instead of compiling bun's text anew each time.
//
// Its pool keeps 8 idle connections per core, at least 16 ([SQLitePool]),
// and caps nothing: a new SQLite connection parses the whole schema at its
// first statement, and with database/sql's 2 idle connections a burst of 16
// requests reopened most of them (half of the server's CPU under load).
// That pool serves writes and transactions. Reads outside a transaction
// (bun's SELECT queries, and raw statements marked [ReadOnly]) go to a
// second pool of the same file, a bun.ConnResolver, capped at one
// connection per core ([SQLiteReaders]; [WithSQLiteReaders] sizes it, 0
// turns it off) and opened query_only, so that it
// cannot write: every connection maps the file on its own and pays its
// own page faults for what it reads, so 16 connections reading at once
// spent most of their CPU on first touches of mapped pages and made a
// third of the pages 2 connections made (issue 18, BENCHMARKS.md). A read
// then waits for a free reader, first come first served, and never for a
// writer (WAL). It sees every committed transaction, so a caller reads its
// own writes; statements of a bun.Tx or bun.Conn stay on their connection.
// A caller must not hold a read pool connection while it waits for
// another (bun's queries read their rows to the end before they return,
// so none does).
//
// Timestamps on SQLite are text in bun's format, always in UTC
// ("2006-01-02 15:04:05.999999+00:00", the fraction trimmed of trailing
// zeros). Because "+" sorts below "." and below every digit, text order is
// time order even between a whole second and a trimmed fraction, which
// keyset pagination relies on; a test pins it. userdesk truncates times to
// microseconds, PostgreSQL's precision, so both dialects hold the same
// values.
//
// [OpenPostgres] opens a PostgreSQL DSN with a pool sized to the cores
// ([PostgresPool]: 4 connections per core, at least 8, all kept idle) and
// its statements sent in pgx's simple query protocol
// ([PostgresQueryExecMode]): bun writes every argument into the SQL text,
// so pgx's default of preparing and caching each new text cost a round
// trip and a server-side prepare per statement for SQL that is never sent
// twice. A DSN that names default_query_exec_mode keeps its own. Its
// connections run with PostgreSQL's JIT compilation off ([PostgresJIT]):
// the compile time exceeded what it saved on every statement of ours that
// reached the threshold (the counts of a common keyword); a DSN that names
// jit keeps its own. The
// statements whose text does repeat — the operator's session, the detail
// view, list pages of one filter set, the events card — are the
// exception: userdesk binds their arguments and they run prepared, once
// per connection (internal/hotsql, internal/pgxdrv; on SQLite, compiled
// once per connection by internal/sqlitedrv).
//
// [Open] picks one or the other from the shape of its argument. A host
// that already has a *bun.DB does not need this package except for
// [DialectOf], the one place where userdesk asks which dialect it runs on
// (a host with its own pgx pool sets [PostgresQueryExecMode] on it).
//
// # Backups
//
// userdesk's schema belongs to its migrations and its data to the host, so
// a backup is the data of the userdesk_ tables and a restore replays it
// into a database migrated by the same userdesk version (then upgrade as
// usual). On PostgreSQL, with the tools of a version at least the
// server's:
//
//	pg_dump --data-only --format=custom --table='userdesk_*' \
//	  --exclude-table-data='userdesk_migration*' --file=userdesk.dump "$DSN"
//
// and to restore into a fresh database:
//
//	# first migrations.Up on the new database (the reference server runs it at start)
//	psql "$NEW" -c 'DELETE FROM userdesk_platform_settings'   # the row the migrations seed
//	pg_restore --data-only --disable-triggers --single-transaction --exit-on-error --dbname="$NEW" userdesk.dump
//
// pg_dump reads one snapshot, so the copy is consistent while the server
// keeps running. --disable-triggers (it needs a superuser) keeps the
// triggers from firing on the restored rows: the user counters
// (userdesk_user_counts) come back as they were in the snapshot instead of
// being counted a second time, and the append-only rules of the audit log
// and the credits ledger have nothing to refuse. A host that dumps its whole
// database (the usual case) needs nothing of this: the userdesk_ tables,
// functions and triggers are in its dump.
//
// On SQLite, [BackupSQLite] copies the live database with SQLite's online
// backup API into a new file; restoring is opening that file (or moving it
// into place while the server is stopped). Copying the database file with
// cp while the server runs is not a backup: the write-ahead log holds the
// latest transactions.
//
// Neither backup holds the bank-account keys (usermgmt.BankKeyring) or the
// impersonation signing keys: the host keeps them apart, and a restore
// without them cannot reveal the sealed bank accounts. TestBackupRestore in
// examples/server/api restores both kinds into a fresh database and logs
// in, lists and exports there.
package sqldb
