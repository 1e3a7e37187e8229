package activity

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// OwnExport is a user's own activity data, for the data export the user
// asks for (GDPR art. 15 and 20): every reservation, event and device the
// library holds about them, push tokens excepted (write-only), in a shape
// that encodes to JSON as is.
type OwnExport struct {
	UserID       uuid.UUID     `json:"user_id"`
	ExportedAt   time.Time     `json:"exported_at"`
	Reservations []Reservation `json:"reservations"`
	Events       []Event       `json:"events"`
	Devices      []Device      `json:"devices"`
}

// ExportOwnActivity returns everything this package holds about the user:
// all reservations (every channel, deleted ones included, by booking
// time), all events (oldest first, attributes as stored) and all devices.
// It reads in one transaction, so the three parts agree. The host adds it
// to the user's data export beside usermgmt's own data. Returns
// usermgmt.ErrNotFound for an unknown or erased user.
func (s *Service) ExportOwnActivity(ctx context.Context, db bun.IDB, userID uuid.UUID) (*OwnExport, error) {
	out := &OwnExport{UserID: userID, ExportedAt: s.clock(), Reservations: []Reservation{}, Events: []Event{}, Devices: []Device{}}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.liveUser(ctx, tx, userID); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&out.Reservations).Where("user_id = ?", userID).OrderExpr("booked_at, id").Scan(ctx); err != nil {
			return fmt.Errorf("activity: export reservations: %w", err)
		}
		if err := tx.NewSelect().Model(&out.Events).Where("user_id = ?", userID).OrderExpr("occurred_at, id").Scan(ctx); err != nil {
			return fmt.Errorf("activity: export events: %w", err)
		}
		for i := range out.Events {
			out.Events[i].Attributes = s.readAttributes(out.Events[i].Type, out.Events[i].Attributes, true)
		}
		devs, err := s.devices(ctx, tx, userID, 1<<20)
		if err != nil {
			return err
		}
		out.Devices = devs
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
