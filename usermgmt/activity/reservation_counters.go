package activity

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/sqldb"
	"github.com/userdesk/userdesk/usermgmt"
)

// ReconcileBookingCounters recounts the user's recorded reservations that
// count (not deleted, not cancelled), by role, and sets the side card's
// AskerBookings and OfferorBookings to those counts; the other counters
// are left alone. It is the repair for counters the host overwrote or
// adjusted itself, and what a host runs after importing reservations
// around RecordReservation. On PostgreSQL it locks the user's row first,
// so that a reservation recorded concurrently is counted exactly once.
//
// Returns the counters after the call, or usermgmt.ErrNotFound for an
// unknown or erased user.
func (s *Service) ReconcileBookingCounters(ctx context.Context, db bun.IDB, userID uuid.UUID) (usermgmt.Counters, error) {
	var out usermgmt.Counters
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.liveUser(ctx, tx, userID); err != nil {
			return err
		}
		if d, err := sqldb.DialectOf(tx); err != nil {
			return err
		} else if d == sqldb.Postgres {
			// Recording a reservation adjusts the counters (locking this
			// row) after writing it: holding the lock while counting means
			// every reservation is either committed and counted here, or
			// adjusts the counters after this transaction.
			var id uuid.UUID
			if err := tx.NewSelect().Model((*usermgmt.User)(nil)).Column("id").Where("id = ?", userID).For("UPDATE").Scan(ctx, &id); err != nil {
				return fmt.Errorf("activity: lock user: %w", err)
			}
		}
		var rows []struct {
			Role usermgmt.Role `bun:"role"`
			N    int64         `bun:"n"`
		}
		if err := tx.NewSelect().Model((*Reservation)(nil)).ColumnExpr("role, count(*) AS n").
			Where("user_id = ?", userID).Where("NOT deleted").Where("status <> ?", StatusCancelled).
			Group("role").Scan(ctx, &rows); err != nil {
			return fmt.Errorf("activity: count reservations: %w", err)
		}
		var asker, offeror int64
		for _, r := range rows {
			if r.Role == usermgmt.RoleOfferor {
				offeror = r.N
			} else {
				asker = r.N
			}
		}
		u, err := s.users.GetOwnUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		d := usermgmt.CounterDelta{AskerBookings: asker - u.Counters.AskerBookings, OfferorBookings: offeror - u.Counters.OfferorBookings}
		out, err = s.users.AdjustCounters(ctx, tx, userID, d)
		return err
	})
	return out, err
}
