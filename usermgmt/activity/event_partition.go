package activity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
)

// Partitions of the events table on PostgreSQL (see the package
// documentation, "Partitions").
const (
	// DefaultEventPartitionPeriod is the time range of one events
	// partition when Config.EventPartitionPeriod is zero.
	DefaultEventPartitionPeriod = 7 * 24 * time.Hour
	// EventPartitionsAhead is how many periods after the current one
	// EnsureEventPartitions creates by default.
	EventPartitionsAhead = 2
	// eventsDefaultPartition takes the rows no partition covers.
	eventsDefaultPartition = "userdesk_events_default"
	// detachLockTimeout bounds how long detaching a partition may wait
	// for its lock on the events table, during which inserts queue
	// behind it; the attempt is retried.
	detachLockTimeout = 50 * time.Millisecond
	detachAttempts    = 40
)

// partitionEpoch aligns the periods: a Monday, 00:00 UTC, so that weekly
// partitions run from Monday to Monday.
var partitionEpoch = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// periodOf returns the period [lo, hi) that holds t.
func (s *Service) periodOf(t time.Time) (lo, hi time.Time) {
	d := t.UTC().Sub(partitionEpoch)
	n := d / s.partPeriod
	if d < 0 && d%s.partPeriod != 0 {
		n--
	}
	lo = partitionEpoch.Add(n * s.partPeriod)
	return lo, lo.Add(s.partPeriod)
}

// partitionName names the partition of the period starting at lo.
func (s *Service) partitionName(lo time.Time) string {
	if s.partPeriod%(24*time.Hour) == 0 {
		return "userdesk_events_p" + lo.Format("20060102")
	}
	return "userdesk_events_p" + lo.Format("20060102t1504")
}

// eventPartition is one range partition of the events table.
type eventPartition struct {
	Name string    `bun:"name"`
	Lo   time.Time `bun:"lo"`
	Hi   time.Time `bun:"hi"`
}

// partitioned reports whether db is PostgreSQL with the events table
// partitioned (migration 20261204000101).
func partitioned(ctx context.Context, db bun.IDB) (bool, error) {
	d, err := sqldb.DialectOf(db)
	if err != nil || d != sqldb.Postgres {
		return false, err
	}
	var kind string
	if err := db.NewRaw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('userdesk_events')").Scan(ctx, &kind); err != nil {
		return false, fmt.Errorf("activity: partitions: %w", err)
	}
	return kind == "p", nil
}

// eventPartitions lists the range partitions, oldest first (the default
// partition is not among them). The bounds are read back from the
// partition's definition, printed and parsed in the session's time zone.
func eventPartitions(ctx context.Context, db bun.IDB) ([]eventPartition, error) {
	var parts []eventPartition
	err := db.NewRaw(`SELECT c.relname AS name, m[1]::timestamptz AS lo, m[2]::timestamptz AS hi
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
     LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS m
WHERE i.inhparent = 'userdesk_events'::regclass AND m IS NOT NULL
ORDER BY lo`).Scan(ctx, &parts)
	if err != nil {
		return nil, fmt.Errorf("activity: partitions: %w", err)
	}
	return parts, nil
}

// EnsureEventPartitions creates the events partitions of every period
// (Config.EventPartitionPeriod) that [from, to) touches and that no
// partition covers yet, and returns how many it created. A zero from means
// now; a zero to means the end of the EventPartitionsAhead-th period after
// the current one. PruneEvents runs it with zero times; a host runs it at
// startup too, and before loading a history (from its oldest event). A
// period that overlaps an existing partition only in part (after a change
// of the period) is left to the default partition.
//
// Events of the new period held in the default partition (the history
// before migration 20261204000101, events that arrived while no partition
// covered their time) are moved into the new partition in the same
// transaction. Creating a partition takes no lock that stops inserts into
// other partitions (ATTACH PARTITION, SHARE UPDATE EXCLUSIVE on the
// events table), but it scans the default partition, and inserts into the
// default partition wait for that. Concurrent calls are serialised by an
// advisory lock.
//
// On SQLite, and on PostgreSQL before that migration, it does nothing.
// Returns the count and the first error.
func (s *Service) EnsureEventPartitions(ctx context.Context, db bun.IDB, from, to time.Time) (int, error) {
	ok, err := partitioned(ctx, db)
	if err != nil || !ok {
		return 0, err
	}
	now := s.clock()
	if from.IsZero() {
		from = now
	}
	if to.IsZero() {
		_, hi := s.periodOf(now)
		to = hi.Add(EventPartitionsAhead * s.partPeriod)
	}
	have, err := eventPartitions(ctx, db)
	if err != nil {
		return 0, err
	}
	created := 0
	for lo, hi := s.periodOf(from); lo.Before(to); lo, hi = hi, hi.Add(s.partPeriod) {
		overlaps := false
		for _, p := range have {
			if lo.Before(p.Hi) && p.Lo.Before(hi) {
				overlaps = true
				break
			}
		}
		if overlaps {
			continue
		}
		made, err := s.createPartition(ctx, db, lo, hi)
		if err != nil {
			return created, err
		}
		if made {
			created++
		}
	}
	return created, nil
}

// createPartition creates and attaches the partition [lo, hi), moving its
// rows out of the default partition, in one transaction; made is false
// when a concurrent call made it first.
//
// A period that events may be inserted into now (it starts before
// maxFuture from now) is created under an ACCESS EXCLUSIVE lock on the
// events table, had within detachLockTimeout (retried): an insert that
// routed its rows to the default partition before the attach would
// otherwise fail its partition constraint after it. Periods further ahead
// take only ATTACH's SHARE UPDATE EXCLUSIVE, which inserts do not wait for.
func (s *Service) createPartition(ctx context.Context, db bun.IDB, lo, hi time.Time) (made bool, err error) {
	name := s.partitionName(lo)
	ident := bun.Ident(name)
	exclusive := lo.Before(s.clock().Add(maxFuture))
	err = withLockRetry(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		made = false
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('userdesk_events partitions'))"); err != nil {
			return err
		}
		var exists bool
		if err := tx.NewRaw("SELECT to_regclass(?) IS NOT NULL", name).Scan(ctx, &exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if exclusive {
			if err := lockEvents(ctx, tx, "LOCK TABLE userdesk_events IN ACCESS EXCLUSIVE MODE"); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw("CREATE TABLE ? (LIKE userdesk_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", ident).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`WITH moved AS (DELETE FROM ? WHERE occurred_at >= ? AND occurred_at < ? RETURNING *)
INSERT INTO ? SELECT * FROM moved`, bun.Ident(eventsDefaultPartition), lo, hi, ident).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewRaw("ALTER TABLE userdesk_events ATTACH PARTITION ? FOR VALUES FROM (?) TO (?)", ident, lo, hi).Exec(ctx); err != nil {
			return err
		}
		made = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("activity: create partition %s: %w", name, err)
	}
	return made, nil
}

// lockEvents runs a statement that locks the events table, waiting at
// most detachLockTimeout for the lock (inserts queue behind it meanwhile).
func lockEvents(ctx context.Context, tx bun.Tx, stmt string) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", detachLockTimeout.Milliseconds())); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = 0")
	return err
}

// withLockRetry runs fn in a transaction, again after a growing pause
// when it failed for want of a lock (lockEvents' timeout), up to
// detachAttempts times.
func withLockRetry(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.RunInTx(ctx, nil, fn)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55P03" || attempt == detachAttempts {
			return err
		}
		t := time.NewTimer(time.Duration(attempt) * 20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// droppable reports whether every row of the table (a partition, attached
// or detached, that covers [.., hi)) may go: each is older than its type's
// retention (a type no longer registered is kept), and each of its users
// has at least KeepEvents events from hi on in the events table, so that
// none of its rows is among its user's newest KeepEvents.
func (s *Service) droppable(ctx context.Context, db bun.IDB, table string, hi, now time.Time) (bool, error) {
	var expiry strings.Builder
	args := []any{bun.Ident(table)}
	expiry.WriteString("CASE type")
	for _, name := range s.typeNames {
		expiry.WriteString(" WHEN ? THEN ?::timestamptz")
		args = append(args, name, now.Add(-s.types[name].Retention))
	}
	expiry.WriteString(" ELSE 'infinity'::timestamptz END")
	var live bool
	if err := db.NewRaw("SELECT EXISTS (SELECT 1 FROM ? WHERE occurred_at >= "+expiry.String()+")", args...).Scan(ctx, &live); err != nil {
		return false, err
	}
	if live {
		return false, nil
	}
	var kept bool
	if err := db.NewRaw(`SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT user_id FROM ?) AS u
WHERE NOT EXISTS (SELECT 1 FROM userdesk_events AS n WHERE n.user_id = u.user_id AND n.occurred_at >= ? LIMIT 1 OFFSET ?))`,
		bun.Ident(table), hi, KeepEvents-1).Scan(ctx, &kept); err != nil {
		return false, err
	}
	return !kept, nil
}

// dropPartitions drops the partitions whose rows may all go (droppable),
// oldest first, and adds what they held to rep. It needs a *bun.DB: the
// detach commits before the partition is checked again and dropped.
//
// A partition is checked, detached (in a transaction that waits at most
// detachLockTimeout for its lock on the events table, retried), checked
// again now that no insert can reach it, then dropped; if the second check
// fails (an event arrived for it in between), its rows go back into the
// events table, where the default partition takes them.
func (s *Service) dropPartitions(ctx context.Context, db *bun.DB, rep *PruneReport, now time.Time) error {
	ok, err := partitioned(ctx, db)
	if err != nil || !ok {
		return err
	}
	parts, err := eventPartitions(ctx, db)
	if err != nil {
		return err
	}
	var shortest time.Duration
	for i, name := range s.typeNames {
		if r := s.types[name].Retention; i == 0 || r < shortest {
			shortest = r
		}
	}
	for _, p := range parts {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !p.Hi.Before(now.Add(-shortest)) {
			break
		}
		ok, err := s.droppable(ctx, db, p.Name, p.Hi, now)
		if err != nil {
			return fmt.Errorf("activity: prune partition %s: %w", p.Name, err)
		}
		if !ok {
			continue
		}
		if s.beforeDetach != nil {
			s.beforeDetach(p.Name)
		}
		if err := detachPartition(ctx, db, p.Name); err != nil {
			return fmt.Errorf("activity: prune partition %s: %w", p.Name, err)
		}
		ok, err = s.droppable(ctx, db, p.Name, p.Hi, now)
		if err != nil {
			return fmt.Errorf("activity: prune partition %s: %w", p.Name, err)
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if !ok {
				if _, err := tx.NewRaw("INSERT INTO userdesk_events SELECT * FROM ?", bun.Ident(p.Name)).Exec(ctx); err != nil {
					return err
				}
				_, err := tx.NewRaw("DROP TABLE ?", bun.Ident(p.Name)).Exec(ctx)
				return err
			}
			var counts []struct {
				Type string `bun:"type"`
				N    int64  `bun:"n"`
			}
			if err := tx.NewRaw("SELECT type, count(*) AS n FROM ? GROUP BY type", bun.Ident(p.Name)).Scan(ctx, &counts); err != nil {
				return err
			}
			if _, err := tx.NewRaw("DROP TABLE ?", bun.Ident(p.Name)).Exec(ctx); err != nil {
				return err
			}
			for _, c := range counts {
				rep.Deleted[c.Type] += c.N
				rep.Examined += c.N
			}
			rep.PartitionsDropped++
			return nil
		})
		if err != nil {
			return fmt.Errorf("activity: prune partition %s: %w", p.Name, err)
		}
	}
	return nil
}

// detachPartition detaches a partition from the events table. DETACH …
// CONCURRENTLY is not allowed beside a default partition, so the detach
// takes an ACCESS EXCLUSIVE lock on the events table for a catalogue
// change; it waits at most detachLockTimeout for it (inserts queue behind
// it meanwhile), and is retried after a pause when the lock was not had.
func detachPartition(ctx context.Context, db *bun.DB, name string) error {
	return withLockRetry(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		return lockEvents(ctx, tx, "ALTER TABLE userdesk_events DETACH PARTITION "+pgx.Identifier{name}.Sanitize())
	})
}
