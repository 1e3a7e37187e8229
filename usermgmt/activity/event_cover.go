package activity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// Covering indexes of closed events partitions (see the package
// documentation, "Covering closed partitions").
const (
	// CoverAfter is how long after its period ends an events partition
	// is closed: CoverEventPartitions gives it a covering index. Events
	// that arrive later still go into it, and are read from the table
	// until the next VACUUM marks their pages all-visible.
	CoverAfter = 24 * time.Hour
	// MaxAttributesBytes bounds an event's attributes as stored (their
	// JSON encoding), so that the widest event fits in a covering index
	// entry (PostgreSQL's B-tree entries hold at most about 2,700 bytes).
	MaxAttributesBytes = 1500
	// coverSuffix ends a covering index's name: the partition's name plus
	// this.
	coverSuffix = "_cover"
	// coverColumns are the events columns a covering index includes
	// after its key (user_id, occurred_at DESC, id DESC): every column
	// the events card reads.
	coverColumns = "received_at, type, channel, device_id, session_id, app_version, bot_version, attributes, actor_kind, actor_id"
	// coverLockKey is the session advisory lock that serialises
	// concurrent CoverEventPartitions calls.
	coverLockKey = 0x75646576 // "udev"
)

// CoverEventPartitions gives every closed events partition (its period
// ended more than CoverAfter ago) an index on (user_id, occurred_at DESC,
// id DESC) that includes every other column, so that the events card of a
// user reads their older events from a few index pages by an index-only
// scan instead of one table page per event: events arrive in time order,
// so a user's events lie one per page, among everybody else's. Each
// partition is first vacuumed (an index-only scan reads only the pages
// the visibility map marks all-visible from the index alone), then the
// index is built with CREATE INDEX CONCURRENTLY, which blocks neither
// reads nor inserts. An index left invalid by an interrupted build is
// dropped and built again. PruneEvents calls it at the end of a complete
// pass unless PruneOptions.SkipCover is set.
//
// It needs a *bun.DB (VACUUM and CREATE INDEX CONCURRENTLY cannot run in
// a transaction), and holds a session advisory lock for its duration: a
// concurrent call returns at once, covering nothing. On SQLite, whose
// events table is already clustered by user, and on PostgreSQL before the
// partitioning migration, it does nothing. Returns the names of the
// partitions it covered and the first error.
func (s *Service) CoverEventPartitions(ctx context.Context, db *bun.DB) ([]string, error) {
	ok, err := partitioned(ctx, db)
	if err != nil || !ok {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("activity: cover partitions: %w", err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.NewRaw("SELECT pg_try_advisory_lock(?)", coverLockKey).Scan(ctx, &locked); err != nil {
		return nil, fmt.Errorf("activity: cover partitions: %w", err)
	}
	if !locked {
		return nil, nil
	}
	defer func() {
		// A fresh context: the lock must go even when ctx is done, or the
		// pooled connection keeps it.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(uctx, "SELECT pg_advisory_unlock(?)", coverLockKey)
	}()
	parts, err := eventPartitions(ctx, conn)
	if err != nil {
		return nil, err
	}
	closed := s.clock().Add(-CoverAfter)
	var done []string
	for _, p := range parts {
		if p.Hi.After(closed) {
			break
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
		idx := p.Name + coverSuffix
		var valid []bool
		if err := conn.NewRaw(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE c.relname = ? AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = ?::regclass)`, idx, p.Name).Scan(ctx, &valid); err != nil {
			return done, fmt.Errorf("activity: cover partition %s: %w", p.Name, err)
		}
		if len(valid) == 1 && valid[0] {
			continue
		}
		if err := s.coverPartition(ctx, conn, p.Name, idx, len(valid) == 1); err != nil {
			return done, fmt.Errorf("activity: cover partition %s: %w", p.Name, err)
		}
		done = append(done, p.Name)
	}
	return done, nil
}

// coverPartition vacuums the partition and builds its covering index,
// dropping first an invalid one (stale) of the same name.
func (s *Service) coverPartition(ctx context.Context, conn bun.Conn, table, idx string, stale bool) error {
	t, i := pgx.Identifier{table}.Sanitize(), pgx.Identifier{idx}.Sanitize()
	if stale {
		if _, err := conn.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+i); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "VACUUM (ANALYZE) "+t); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, "CREATE INDEX CONCURRENTLY "+i+" ON "+t+" (user_id, occurred_at DESC, id DESC) INCLUDE ("+coverColumns+")")
	if err != nil {
		// A failed concurrent build leaves an invalid index behind, which
		// inserts would still maintain.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := conn.ExecContext(dctx, "DROP INDEX CONCURRENTLY IF EXISTS "+i); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return err
}

// vacuumPartitions vacuums the events partitions whose range meets [lo,
// hi] (a pass deleted rows in that range), and returns how many. A
// deletion clears its page's all-visible bit, and until a VACUUM sets it
// again an index-only scan of a covering index visits the table for
// every entry of that page (issue 16: a heavy user's card 4.1 ms median,
// 7.0 ms p95 right after a pass over 1M events, 2.3 / 3.4 ms after
// VACUUM). Pages the pass did not touch are skipped by VACUUM, so a
// partition with few deletions costs little. The default partition is
// left to autovacuum. On SQLite, and unpartitioned, nothing.
func vacuumPartitions(ctx context.Context, db *bun.DB, lo, hi time.Time) (int, error) {
	ok, err := partitioned(ctx, db)
	if err != nil || !ok {
		return 0, err
	}
	parts, err := eventPartitions(ctx, db)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range parts {
		if !p.Lo.After(hi) && p.Hi.After(lo) {
			if _, err := db.ExecContext(ctx, "VACUUM "+pgx.Identifier{p.Name}.Sanitize()); err != nil {
				return n, fmt.Errorf("vacuum %s: %w", p.Name, err)
			}
			n++
		}
	}
	return n, nil
}
