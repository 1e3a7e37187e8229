package thirdparty

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Status is the health of a link.
type Status string

// The link statuses.
const (
	// StatusLinked: the external profile exists and belongs to the user.
	StatusLinked Status = "linked"
	// StatusBroken: the link no longer works; Reason says why. The back
	// office shows it in red.
	StatusBroken Status = "broken"
	// StatusAmbiguous: an automatic link found several candidate profiles
	// and linked none; an operator must choose (see Candidates).
	StatusAmbiguous Status = "ambiguous"
	// StatusUnlinked: the user has no external profile with the provider
	// (never linked, unlinked by an operator, or erased).
	StatusUnlinked Status = "unlinked"
)

// Reason is the machine-readable cause of a broken link.
type Reason string

// The reasons a link is broken.
const (
	ReasonNone Reason = ""
	// ReasonNotFound: the provider knows no profile with the external id.
	ReasonNotFound Reason = "not_found"
	// ReasonDeleted: the profile was deleted at the provider.
	ReasonDeleted Reason = "deleted"
	// ReasonMergedElsewhere: the profile was merged into another one, or
	// now belongs to another app user.
	ReasonMergedElsewhere Reason = "merged_elsewhere"
	// ReasonWrongEnvironment: the id belongs to another environment
	// (a demo id on production, or the reverse).
	ReasonWrongEnvironment Reason = "wrong_environment"
	// ReasonWrongKind: the id is not a guest profile's id (a venue's, a
	// reservation's).
	ReasonWrongKind Reason = "wrong_kind"
	// ReasonUnauthorized: our credentials are refused for this profile.
	ReasonUnauthorized Reason = "unauthorized"
	// ReasonUnreachable: the provider did not answer (timeout, 5xx) at the
	// last check; the link may well be fine.
	ReasonUnreachable Reason = "unreachable"
)

// Link ties one app user to one external profile at one provider. A user
// has at most one link per provider.
type Link struct {
	bun.BaseModel `bun:"table:userdesk_thirdparty_links"`

	// ID is a UUIDv7.
	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// UserID is the app user.
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// Provider names the external system ("sevenrooms").
	Provider string `bun:"provider,notnull" json:"provider"`
	// ExternalID is the profile's id at the provider; empty when the link
	// is unlinked or ambiguous.
	ExternalID string `bun:"external_id,notnull" json:"external_id"`
	// Environment is the provider environment the id lives in
	// ("production", "demo").
	Environment string `bun:"environment,notnull" json:"environment"`
	Status      Status `bun:"status,notnull" json:"status"`
	// Reason is set when Status is StatusBroken.
	Reason Reason `bun:"reason,notnull" json:"reason"`
	// Detail is a human-readable note on the last check or change (never
	// personal data).
	Detail string `bun:"detail,notnull" json:"detail"`
	// LastCheckedAt is when the link's health was last checked; nil when
	// never.
	LastCheckedAt *time.Time `bun:"last_checked_at" json:"last_checked_at"`
	// Snapshot is the remote profile as last seen, in the provider's JSON;
	// nil when never seen. It is personal data: erasure deletes it.
	Snapshot json.RawMessage `bun:"snapshot,type:text" json:"snapshot,omitempty"`
	// Candidates lists the candidate profiles of an ambiguous link.
	Candidates []Candidate `bun:"candidates,type:text" json:"candidates,omitempty"`
	// RetryAt is when a queued automatic link is retried; nil when none is
	// queued. Attempts counts the automatic attempts.
	RetryAt   *time.Time `bun:"retry_at" json:"retry_at,omitempty"`
	Attempts  int        `bun:"attempts,notnull" json:"attempts"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	// Version grows by one at every change; writes name the version they
	// were made against, so that two concurrent reconnects cannot both win.
	Version int64 `bun:"version,notnull" json:"version"`
}

// Candidate is one external profile an automatic link could not choose
// between; shown to an operator with enough to tell people apart.
type Candidate struct {
	ExternalID string `json:"external_id"`
	// Name is the profile's full name.
	Name string `json:"name"`
	// Reservations is the profile's reservation (visit) count.
	Reservations int `json:"reservations"`
	// UpdatedAt is when the profile last changed at the provider.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Broken reports whether the link must be shown in red.
func (l *Link) Broken() bool { return l.Status == StatusBroken }
