package activity

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Bounds of PruneOptions.BatchSize.
const (
	DefaultPruneBatch = 1000
	MaxPruneBatch     = 10000
	// ErasedSweepWindow is how far back PruneEvents looks for erased users
	// whose late events to delete (see PruneEvents).
	ErasedSweepWindow = 7 * 24 * time.Hour
)

// PruneOptions tunes a retention pass. The zero value is a full pass in
// batches of DefaultPruneBatch with no pause.
type PruneOptions struct {
	// BatchSize is how many expired events one batch examines (and at
	// most deletes), each batch in a transaction of its own. Zero means
	// DefaultPruneBatch; at most MaxPruneBatch.
	BatchSize int
	// Pause is waited between batches, to leave the database to other
	// work. Zero means none.
	Pause time.Duration
	// MaxBatches stops the pass after that many batches (the next pass
	// starts over). Zero means no limit.
	MaxBatches int
	// SkipCover leaves out CoverEventPartitions at the end of the pass:
	// the closed partitions get no covering index (less storage, slower
	// events cards; see the package documentation).
	SkipCover bool
}

// PruneReport says what a retention pass did.
type PruneReport struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Deleted counts the deleted events per type (types with none are
	// left out).
	Deleted map[string]int64 `json:"deleted"`
	// Examined counts the expired events looked at; Examined minus the
	// deleted ones were kept as among their user's newest KeepEvents.
	Examined int64 `json:"examined"`
	// ErasedSwept counts events of erased users deleted (events that
	// arrived while their user was being erased).
	ErasedSwept int64 `json:"erased_swept"`
	// PartitionsDropped counts the events partitions dropped whole
	// (PostgreSQL; their rows count in Deleted and Examined).
	PartitionsDropped int `json:"partitions_dropped"`
	// PartitionsVacuumed counts the events partitions the pass deleted
	// rows from and then vacuumed (PostgreSQL, given a *bun.DB), so that
	// their pages are all-visible again for the cards' index-only scans
	// without waiting for autovacuum.
	PartitionsVacuumed int `json:"partitions_vacuumed"`
	// PartitionsCovered names the closed partitions given a covering
	// index by this pass (CoverEventPartitions).
	PartitionsCovered []string `json:"partitions_covered,omitempty"`
	Batches           int      `json:"batches"`
	// Complete is false when MaxBatches or the context stopped the pass.
	Complete bool `json:"complete"`
}

// TotalDeleted sums Deleted.
func (r PruneReport) TotalDeleted() int64 {
	var n int64
	for _, d := range r.Deleted {
		n += d
	}
	return n
}

// PruneEvents runs one retention pass, the job a host schedules (hourly,
// nightly; concurrent passes are safe but pointless). On PostgreSQL given a
// *bun.DB, it first creates the events partitions ahead
// (EnsureEventPartitions) and drops whole the partitions whose rows may all
// go (see the package documentation, "Partitions"). For each event type
// it walks the events older than the type's retention, oldest first, in
// batches, and deletes those that have at least KeepEvents newer events of
// the same user: each user's newest KeepEvents events are always kept,
// whatever their age, and a deletion never makes another event fall out
// of a user's newest KeepEvents. It then deletes the events of users
// erased within ErasedSweepWindow (events ingested while the erasure
// committed).
//
// Each batch reads its candidates and checks them without a write lock,
// then deletes the doomed ones by id in one short transaction, so
// concurrent ingest is never held up for long (on PostgreSQL not at all:
// inserts and deletes lock different rows; on SQLite the delete holds the
// single write lock for its few milliseconds). Pass a *bun.DB: inside the host's
// transaction every batch would run in it, and the locks would last the
// whole pass.
//
// Returns the report (also logged at info level) and the first error; the
// report counts what was done before it.
func (s *Service) PruneEvents(ctx context.Context, db bun.IDB, opts PruneOptions) (PruneReport, error) {
	batch := opts.BatchSize
	if batch == 0 {
		batch = DefaultPruneBatch
	}
	rep := PruneReport{Started: s.clock(), Deleted: map[string]int64{}}
	if batch < 1 || batch > MaxPruneBatch {
		return rep, fmt.Errorf("activity: prune: batch size must be between 1 and %d", MaxPruneBatch)
	}
	now := rep.Started
	stop := func() bool {
		return ctx.Err() != nil || (opts.MaxBatches > 0 && rep.Batches >= opts.MaxBatches)
	}
	pause := func() error {
		if opts.Pause <= 0 {
			return nil
		}
		t := time.NewTimer(opts.Pause)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	finish := func(err error) (PruneReport, error) {
		rep.Finished = s.clock()
		s.log.InfoContext(ctx, "activity: events pruned", "deleted", rep.TotalDeleted(), "examined", rep.Examined,
			"erased_swept", rep.ErasedSwept, "partitions_dropped", rep.PartitionsDropped, "partitions_vacuumed", rep.PartitionsVacuumed, "partitions_covered", len(rep.PartitionsCovered), "batches", rep.Batches, "complete", rep.Complete && err == nil)
		return rep, err
	}
	if x, ok := db.(*bun.DB); ok {
		if _, err := s.EnsureEventPartitions(ctx, x, time.Time{}, time.Time{}); err != nil {
			return finish(fmt.Errorf("activity: prune: %w", err))
		}
		if err := s.dropPartitions(ctx, x, &rep, now); err != nil {
			return finish(fmt.Errorf("activity: prune: %w", err))
		}
	}
	// The range of occurred_at the pass deleted in, whose partitions it
	// vacuums at the end.
	var delLo, delHi time.Time
	deleted := func(lo, hi time.Time) {
		if delLo.IsZero() || lo.Before(delLo) {
			delLo = lo
		}
		if hi.After(delHi) {
			delHi = hi
		}
	}
	for _, name := range s.typeNames {
		cutoff := now.Add(-s.types[name].Retention)
		var afterAt *time.Time
		var afterID uuid.UUID
		for {
			if stop() {
				return finish(ctx.Err())
			}
			var cands []struct {
				ID         uuid.UUID `bun:"id"`
				OccurredAt time.Time `bun:"occurred_at"`
			}
			q := db.NewSelect().Model((*Event)(nil)).Column("id", "occurred_at").
				Where("type = ?", name).Where("occurred_at < ?", cutoff).
				OrderExpr("occurred_at, id").Limit(int64(batch))
			if afterAt != nil {
				q = q.Where("(occurred_at, id) > (?, ?)", *afterAt, afterID)
			}
			if err := q.Scan(ctx, &cands); err != nil {
				return finish(fmt.Errorf("activity: prune: %w", err))
			}
			if len(cands) == 0 {
				break
			}
			first, last := cands[0], cands[len(cands)-1]
			afterAt, afterID = &last.OccurredAt, last.ID
			ids := make([]uuid.UUID, len(cands))
			for i, c := range cands {
				ids[i] = c.ID
			}
			// Which of them have KeepEvents newer events of their user is
			// decided by a read, outside the write transaction, so that a
			// batch holds the write lock (SQLite's single writer) only for
			// the delete by id. It is safe: an event is deleted only when
			// KeepEvents newer ones existed at the check, and those newer
			// ones can only be deleted later if they too had KeepEvents
			// newer ones; so the newest KeepEvents of a user are never
			// among the deleted, whatever runs concurrently.
			var doomed []uuid.UUID
			// The bounds on occurred_at keep each statement to the
			// partitions the batch lies in.
			if err := db.NewSelect().Model((*Event)(nil)).Column("id").Where("id IN (?)", bun.List(ids)).
				Where("occurred_at BETWEEN ? AND ?", first.OccurredAt, last.OccurredAt).
				Where(`EXISTS (SELECT 1 FROM userdesk_events AS n WHERE n.user_id = event.user_id
					AND (n.occurred_at, n.id) > (event.occurred_at, event.id)
					LIMIT 1 OFFSET ?)`, KeepEvents-1).Scan(ctx, &doomed); err != nil {
				return finish(fmt.Errorf("activity: prune: %w", err))
			}
			var n int64
			if len(doomed) > 0 {
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					res, err := tx.NewDelete().Model((*Event)(nil)).Where("id IN (?)", bun.List(doomed)).
						Where("occurred_at BETWEEN ? AND ?", first.OccurredAt, last.OccurredAt).Exec(ctx)
					if err != nil {
						return err
					}
					n, _ = res.RowsAffected()
					return nil
				})
				if err != nil {
					return finish(fmt.Errorf("activity: prune: %w", err))
				}
			}
			rep.Batches++
			rep.Examined += int64(len(cands))
			if n > 0 {
				rep.Deleted[name] += n
				deleted(first.OccurredAt, last.OccurredAt)
			}
			if len(cands) < batch {
				break
			}
			if err := pause(); err != nil {
				return finish(err)
			}
		}
	}
	for {
		if stop() {
			return finish(ctx.Err())
		}
		var late []struct {
			ID         uuid.UUID `bun:"id"`
			OccurredAt time.Time `bun:"occurred_at"`
		}
		if err := db.NewRaw(`SELECT e.id, e.occurred_at FROM userdesk_events AS e JOIN userdesk_users AS u ON u.id = e.user_id
			WHERE u.deleted_at IS NOT NULL AND u.deleted_at >= ? ORDER BY e.occurred_at LIMIT ?`, now.Add(-ErasedSweepWindow), batch).Scan(ctx, &late); err != nil {
			return finish(fmt.Errorf("activity: prune erased: %w", err))
		}
		var n int64
		if len(late) > 0 {
			ids := make([]uuid.UUID, len(late))
			for i, l := range late {
				ids[i] = l.ID
			}
			err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				res, err := tx.NewDelete().Model((*Event)(nil)).Where("id IN (?)", bun.List(ids)).
					Where("occurred_at BETWEEN ? AND ?", late[0].OccurredAt, late[len(late)-1].OccurredAt).Exec(ctx)
				if err != nil {
					return err
				}
				n, _ = res.RowsAffected()
				return nil
			})
			if err != nil {
				return finish(fmt.Errorf("activity: prune erased: %w", err))
			}
		}
		rep.Batches++
		rep.ErasedSwept += n
		if n > 0 {
			deleted(late[0].OccurredAt, late[len(late)-1].OccurredAt)
		}
		if len(late) < batch {
			break
		}
	}
	if x, ok := db.(*bun.DB); ok && !delLo.IsZero() {
		n, err := vacuumPartitions(ctx, x, delLo, delHi)
		rep.PartitionsVacuumed = n
		if err != nil {
			return finish(fmt.Errorf("activity: prune: %w", err))
		}
	}
	if x, ok := db.(*bun.DB); ok && !opts.SkipCover {
		covered, err := s.CoverEventPartitions(ctx, x)
		rep.PartitionsCovered = covered
		if err != nil {
			return finish(fmt.Errorf("activity: prune: %w", err))
		}
	}
	rep.Complete = true
	return finish(nil)
}
