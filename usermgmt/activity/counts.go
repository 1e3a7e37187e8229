package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// Counts are how many entries the user page's activity cards hold with
// their default filters, as a tab bar shows them beside the tabs' names:
// the same numbers as the cards' lengths, read without the cards.
type Counts struct {
	// Reservations is len(Upcoming) + len(Past) of UserReservations with
	// the zero ReservationFilter (App and Bot, deleted ones hidden);
	// ReservationsTruncated is that card's Truncated.
	Reservations          int  `json:"reservations"`
	ReservationsTruncated bool `json:"reservations_truncated"`
	// Events is len(Entries) of UserTimeline with the zero EventFilter:
	// the events shown and the operator actions of their period;
	// EventsTruncated is that card's Truncated.
	Events          int  `json:"events"`
	EventsTruncated bool `json:"events_truncated"`
	// Devices is len(UserDevices).
	Devices int `json:"devices"`
}

// countsRow is the row of UserCounts' statement.
type countsRow struct {
	DeletedAt       *time.Time `bun:"deleted_at"`
	Reservations    int        `bun:"reservations"`
	Events          int        `bun:"events"`
	OperatorActions int        `bun:"operator_actions"`
	Devices         int        `bun:"devices"`
}

// UserCounts returns the counts of a user's activity cards, for an
// operator holding PermReadActivity, in one statement (each count stops
// one past what its card shows, so that a user with years of events costs
// what the card costs). A user whose events overflow the card (more than
// KeepEvents) has its operator actions counted over the period of the
// events shown, as the card does, by reading the card. Returns a
// *usermgmt.PermissionError, or usermgmt.ErrNotFound for an unknown or
// erased user.
func (s *Service) UserCounts(ctx context.Context, db bun.IDB, actor, userID uuid.UUID) (*Counts, error) {
	if _, err := s.users.Authorize(ctx, db, actor, PermReadActivity); err != nil {
		return nil, err
	}
	var row countsRow
	err := db.NewRaw(`SELECT u.deleted_at,
(SELECT count(*) FROM (SELECT 1 FROM userdesk_reservations AS r WHERE r.user_id = u.id AND r.channel IN (?) AND NOT r.deleted LIMIT ?) AS x) AS reservations,
(SELECT count(*) FROM (SELECT 1 FROM userdesk_events AS e WHERE e.user_id = u.id LIMIT ?) AS x) AS events,
(SELECT count(*) FROM (SELECT 1 FROM userdesk_audit_log AS a WHERE a.user_id = u.id AND a.operator_id IS NOT NULL LIMIT ?) AS x) AS operator_actions,
(SELECT count(*) FROM (SELECT 1 FROM userdesk_devices AS d WHERE d.user_id = u.id LIMIT ?) AS x) AS devices
FROM userdesk_users AS u WHERE u.id = ?`,
		bun.List(AppOrBot()), ReservationsShown+1, KeepEvents+1, KeepEvents, DevicesShown, userID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.DeletedAt != nil) {
		return nil, usermgmt.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("activity: counts: %w", err)
	}
	c := &Counts{Reservations: min(row.Reservations, ReservationsShown), ReservationsTruncated: row.Reservations > ReservationsShown,
		Events: row.Events + row.OperatorActions, Devices: row.Devices}
	if row.Events > KeepEvents {
		// The card shows the operator actions of its events' period only.
		tl, err := s.timeline(ctx, db, userID, EventFilter{}, false, true)
		if err != nil {
			return nil, err
		}
		c.Events, c.EventsTruncated = len(tl.Entries), tl.Truncated
	}
	return c, nil
}
