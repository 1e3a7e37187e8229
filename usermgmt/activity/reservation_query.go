package activity

import (
	"context"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// ReservationsShown is how many reservations the user page shows: the
// last 100 made (by BookedAt).
const ReservationsShown = 100

// ReservationFilter narrows the reservations card. The zero value is the
// user page's default: App and Bot, deleted ones hidden.
type ReservationFilter struct {
	// Channels are the channels shown. Nil means AppOrBot(); pass
	// ReservationChannels() for every channel.
	Channels []Channel
	// IncludeDeleted shows reservations the provider deleted.
	IncludeDeleted bool
}

// ReservationCard is the user page's reservations card: the last
// ReservationsShown reservations made through the filter's channels,
// split at the current time, each part in chronological order of visit.
type ReservationCard struct {
	// Upcoming are the visits still to come (VisitAt at or after now),
	// soonest first.
	Upcoming []Reservation `json:"upcoming"`
	// Past are the visits gone by, oldest first (chronological); a page
	// that shows the latest first reads it backwards.
	Past []Reservation `json:"past"`
	// Truncated is true when more reservations matched than are shown.
	Truncated bool `json:"truncated"`
	// Channels are the channels the card shows.
	Channels []Channel `json:"channels"`
}

// UserReservations returns a user's reservations card, for an operator
// holding PermReadActivity. Returns a *usermgmt.PermissionError, a
// *usermgmt.ValidationError for an unknown channel, or
// usermgmt.ErrNotFound for an unknown or erased user.
func (s *Service) UserReservations(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, f ReservationFilter) (*ReservationCard, error) {
	if _, err := s.users.Authorize(ctx, db, actor, PermReadActivity); err != nil {
		return nil, err
	}
	return s.reservationCard(ctx, db, userID, f)
}

// OwnReservations is UserReservations for the user themself (the front
// office).
func (s *Service) OwnReservations(ctx context.Context, db bun.IDB, userID uuid.UUID, f ReservationFilter) (*ReservationCard, error) {
	return s.reservationCard(ctx, db, userID, f)
}

func (s *Service) reservationCard(ctx context.Context, db bun.IDB, userID uuid.UUID, f ReservationFilter) (*ReservationCard, error) {
	channels := f.Channels
	if channels == nil {
		channels = AppOrBot()
	}
	for i, c := range channels {
		if !channelIn(c, ReservationChannels()) {
			return nil, usermgmt.Invalid(fmt.Sprintf("channels[%d]", i), "oneof", "must be app, bot, web, back_office or other")
		}
	}
	if err := s.liveUser(ctx, db, userID); err != nil {
		return nil, err
	}
	var rows []Reservation
	q := db.NewSelect().Model(&rows).Where("user_id = ?", userID).Where("channel IN (?)", bun.List(channels)).
		OrderExpr("booked_at DESC, id DESC").Limit(ReservationsShown + 1)
	if !f.IncludeDeleted {
		q = q.Where("NOT deleted")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("activity: reservations: %w", err)
	}
	card := &ReservationCard{Channels: channels, Upcoming: []Reservation{}, Past: []Reservation{}}
	if len(rows) > ReservationsShown {
		rows, card.Truncated = rows[:ReservationsShown], true
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].VisitAt.Equal(rows[j].VisitAt) {
			return rows[i].VisitAt.Before(rows[j].VisitAt)
		}
		return rows[i].ID.String() < rows[j].ID.String()
	})
	now := s.clock()
	for _, r := range rows {
		if r.VisitAt.Before(now) {
			card.Past = append(card.Past, r)
		} else {
			card.Upcoming = append(card.Upcoming, r)
		}
	}
	return card, nil
}
