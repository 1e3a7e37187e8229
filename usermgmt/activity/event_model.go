package activity

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// KeepEvents is how many of each user's newest events retention always
// keeps, whatever their age; it is also the size of the user page's
// events card.
const KeepEvents = 200

// ActorKind says who caused an event.
type ActorKind string

// The actor kinds.
const (
	// ActorUser: the user themself (the default).
	ActorUser ActorKind = "user"
	// ActorOperator: a back-office operator (Actor.ID names them).
	ActorOperator ActorKind = "operator"
	// ActorSystem: the platform or a third party.
	ActorSystem ActorKind = "system"
)

// Actor is who caused an event.
type Actor struct {
	Kind ActorKind  `json:"kind"`
	ID   *uuid.UUID `json:"id,omitempty"`
}

// Event is one entry of the append-only events log.
type Event struct {
	bun.BaseModel `bun:"table:userdesk_events"`

	// ID is a UUIDv7 given at ingest.
	ID     uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// OccurredAt is when it happened on the device (as the client says);
	// ReceivedAt when the platform recorded it. The log is ordered by
	// OccurredAt.
	OccurredAt time.Time `bun:"occurred_at,notnull" json:"occurred_at"`
	ReceivedAt time.Time `bun:"received_at,notnull" json:"received_at"`
	// Type is a name from the registry.
	Type    string  `bun:"type,notnull" json:"type"`
	Channel Channel `bun:"channel,notnull" json:"channel"`
	// DeviceID is the device's id as in Device.DeviceID; SessionID the
	// client's session id (never a session token).
	DeviceID   string `bun:"device_id,notnull" json:"device_id"`
	SessionID  string `bun:"session_id,notnull" json:"session_id"`
	AppVersion string `bun:"app_version,notnull" json:"app_version"`
	BotVersion string `bun:"bot_version,notnull" json:"bot_version"`
	// Attributes are the type's attributes (see EventType.Attributes).
	Attributes map[string]any `bun:"attributes,notnull,type:text" json:"attributes"`
	ActorKind  ActorKind      `bun:"actor_kind,notnull" json:"actor_kind"`
	ActorID    *uuid.UUID     `bun:"actor_id,type:uuid" json:"actor_id,omitempty"`
}

// NewEvent is an event to record.
type NewEvent struct {
	UserID uuid.UUID
	// OccurredAt is when it happened; zero means when it is recorded.
	// More than a day in the future is refused.
	OccurredAt time.Time
	Type       string
	Channel    Channel
	DeviceID   string
	SessionID  string
	AppVersion string
	BotVersion string
	// Attributes are checked against the type; see EventType.
	Attributes map[string]any
	// Actor is who caused it; the zero value means the user.
	Actor Actor
}
