package usermgmt

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// CounterDelta is a change to the side card's counters; zero fields leave
// their counter alone.
type CounterDelta struct {
	Listings        int64
	AskerBookings   int64
	OfferorBookings int64
	ReviewsReceived int64
	ReviewsMade     int64
}

// counterColumns pairs each counter column with its field in a delta.
func (d CounterDelta) columns() []struct {
	col string
	n   int64
} {
	return []struct {
		col string
		n   int64
	}{
		{"listings_count", d.Listings}, {"asker_bookings_count", d.AskerBookings},
		{"offeror_bookings_count", d.OfferorBookings}, {"reviews_received_count", d.ReviewsReceived},
		{"reviews_made_count", d.ReviewsMade},
	}
}

// AdjustCounters adds d to the user's counters in one conditional UPDATE
// (never read-then-write), so concurrent calls from the host's listing,
// booking and review code never lose an update. It is all or nothing: when
// any counter would go below zero nothing changes and ErrCounterNegative is
// returned. It does not bump the user's version (counters are not profile
// data). Returns the new counters, or ErrNotFound.
func (s *Service) AdjustCounters(ctx context.Context, db bun.IDB, userID uuid.UUID, d CounterDelta) (Counters, error) {
	q := db.NewUpdate().Model((*User)(nil)).Where("id = ?", userID).Where("deleted_at IS NULL")
	for _, c := range d.columns() {
		if c.n == 0 {
			continue
		}
		q = q.Set("? = ? + ?", bun.Ident(c.col), bun.Ident(c.col), c.n)
		if c.n < 0 {
			q = q.Where("? + ? >= 0", bun.Ident(c.col), c.n)
		}
	}
	var out Counters
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		q = q.Conn(tx)
		if d != (CounterDelta{}) {
			res, err := q.Exec(ctx)
			if err != nil {
				return fmt.Errorf("usermgmt: adjust counters: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := getLiveUser(ctx, tx, userID); err != nil {
					return err
				}
				return ErrCounterNegative
			}
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		out = u.Counters
		return nil
	})
	return out, err
}

// SetCounters overwrites the user's counters, for the host's
// reconciliation with its own tables. Returns ErrNotFound, or a
// *ValidationError for a negative value.
func (s *Service) SetCounters(ctx context.Context, db bun.IDB, userID uuid.UUID, c Counters) error {
	for _, col := range (CounterDelta(c)).columns() {
		if col.n < 0 {
			return invalid(col.col, "min", "must not be negative")
		}
	}
	res, err := db.NewUpdate().Model((*User)(nil)).
		Set("listings_count = ?", c.Listings).Set("asker_bookings_count = ?", c.AskerBookings).
		Set("offeror_bookings_count = ?", c.OfferorBookings).Set("reviews_received_count = ?", c.ReviewsReceived).
		Set("reviews_made_count = ?", c.ReviewsMade).
		Where("id = ?", userID).Where("deleted_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("usermgmt: set counters: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
