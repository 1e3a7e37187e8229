package activity

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/usermgmt"
)

// ReservationStatus is the normalised status of a reservation; the
// provider's own value is kept beside it (Reservation.ProviderStatus).
type ReservationStatus string

// The reservation statuses, in their usual order.
const (
	StatusRequested ReservationStatus = "requested"
	StatusBooked    ReservationStatus = "booked"
	StatusConfirmed ReservationStatus = "confirmed"
	StatusArrived   ReservationStatus = "arrived"
	StatusSeated    ReservationStatus = "seated"
	StatusCompleted ReservationStatus = "completed"
	StatusCancelled ReservationStatus = "cancelled"
	StatusNoShow    ReservationStatus = "no_show"
)

// ReservationStatuses lists every normalised status.
func ReservationStatuses() []ReservationStatus {
	return []ReservationStatus{StatusRequested, StatusBooked, StatusConfirmed, StatusArrived,
		StatusSeated, StatusCompleted, StatusCancelled, StatusNoShow}
}

// CancelledBy says who cancelled a reservation.
type CancelledBy string

// Who may cancel. The zero value means not cancelled, or not known.
const (
	CancelledByUser     CancelledBy = "user"
	CancelledByVenue    CancelledBy = "venue"
	CancelledByOperator CancelledBy = "operator"
	CancelledBySystem   CancelledBy = "system"
)

// Reservation is one reservation of a user as the library indexes it.
type Reservation struct {
	bun.BaseModel `bun:"table:userdesk_reservations"`

	// ID is the library's id (UUIDv7).
	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// UserID is the user who made it (or who offers it, see Role).
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// Provider names the booking system ("sevenrooms", or the host's own
	// name such as "app"); ProviderID is the reservation's id there. The
	// pair is unique.
	Provider   string `bun:"provider,notnull" json:"provider"`
	ProviderID string `bun:"provider_id,notnull" json:"provider_id"`
	// VenueID and VenueName say where: a restaurant, or a marketplace
	// listing.
	VenueID   string `bun:"venue_id,notnull" json:"venue_id"`
	VenueName string `bun:"venue_name,notnull" json:"venue_name"`
	// Channel is how it was made; BotKind names the bot ("whatsapp") when
	// Channel is ChannelBot.
	Channel Channel `bun:"channel,notnull" json:"channel"`
	BotKind string  `bun:"bot_kind,notnull" json:"bot_kind"`
	// Role is the user's role in it: asker (who books) or offeror (whose
	// listing is booked), for marketplaces.
	Role usermgmt.Role `bun:"role,notnull" json:"role"`
	// BookedAt is when it was made, UTC.
	BookedAt time.Time `bun:"booked_at,notnull" json:"booked_at"`
	// VisitAt is when the visit is, UTC; VisitTimezone is the venue's IANA
	// time zone, for showing the local time (LocalVisit).
	VisitAt       time.Time `bun:"visit_at,notnull" json:"visit_at"`
	VisitTimezone string    `bun:"visit_timezone,notnull" json:"visit_timezone"`
	// PartySize is the number of guests.
	PartySize int `bun:"party_size,notnull" json:"party_size"`
	// Status is the normalised status; ProviderStatus the provider's raw
	// value, kept for support ("NO_SHOW", "PRE-ARRIVED", …).
	Status         ReservationStatus `bun:"status,notnull" json:"status"`
	ProviderStatus string            `bun:"provider_status,notnull" json:"provider_status"`
	// CancelledBy says who cancelled it, when Status is cancelled and it
	// is known.
	CancelledBy CancelledBy `bun:"cancelled_by,notnull" json:"cancelled_by"`
	// Deleted is true when the provider deleted it (it no longer counts).
	Deleted bool `bun:"deleted,notnull" json:"deleted"`
	// LastSyncedAt is the provider time of the data held (see
	// ReservationRecord.SyncedAt).
	LastSyncedAt time.Time `bun:"last_synced_at,notnull" json:"last_synced_at"`
	// CreatedAt and UpdatedAt are when the library first recorded it and
	// last changed it.
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// LocalVisit returns VisitAt in the venue's time zone (UTC if the zone
// cannot be loaded).
func (r *Reservation) LocalVisit() time.Time {
	loc, err := time.LoadLocation(r.VisitTimezone)
	if err != nil {
		return r.VisitAt
	}
	return r.VisitAt.In(loc)
}

// counts reports whether the reservation counts on the side card's
// booking counters: recorded, not deleted and not cancelled. No-shows
// count: the booking was made.
func (r *Reservation) counts() bool {
	return r != nil && !r.Deleted && r.Status != StatusCancelled
}

// ReservationRecord is what the host records about a reservation.
type ReservationRecord struct {
	UserID         uuid.UUID
	Provider       string
	ProviderID     string
	VenueID        string
	VenueName      string
	Channel        Channel
	BotKind        string
	Role           usermgmt.Role
	BookedAt       time.Time
	VisitAt        time.Time
	VisitTimezone  string
	PartySize      int
	Status         ReservationStatus
	ProviderStatus string
	CancelledBy    CancelledBy
	Deleted        bool
	// SyncedAt is the provider's time of this data: the webhook's event
	// time or the provider's updated-at. A record older than the one held
	// is ignored (OutcomeStale), so webhooks arriving out of order never
	// roll a reservation back. Zero means now.
	SyncedAt time.Time
}

// Outcome says what RecordReservation did.
type Outcome string

// The outcomes of RecordReservation.
const (
	// OutcomeCreated: a new reservation was stored.
	OutcomeCreated Outcome = "created"
	// OutcomeUpdated: a field changed.
	OutcomeUpdated Outcome = "updated"
	// OutcomeUnchanged: the record matched what is held (a replayed
	// webhook): nothing was written, except LastSyncedAt when SyncedAt
	// is later than the held one.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeStale: the record is older than what is held; nothing was
	// written.
	OutcomeStale Outcome = "stale"
)
