package impersonation

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Record is what is kept of an issued token (never the token itself): the
// row that makes it revocable and its first use observable.
type Record struct {
	bun.BaseModel `bun:"table:userdesk_impersonation_tokens"`

	// ID is the token's jti, a UUIDv7 (time ordered).
	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// UserID is the impersonated user.
	UserID uuid.UUID `bun:"user_id,notnull,type:uuid" json:"user_id"`
	// OperatorID is the operator who impersonates.
	OperatorID uuid.UUID `bun:"operator_id,notnull,type:uuid" json:"operator_id"`
	// KeyID names the key that signed the token, so a host can tell when
	// a rotated key signs nothing live any more.
	KeyID string `bun:"key_id,notnull" json:"key_id"`
	// Reason is the operator's stated reason; blanked when the user is
	// erased.
	Reason string `bun:"reason,notnull" json:"reason"`
	// SessionRef references the operator session the token was issued
	// from (usermgmt.SessionRef); empty when none was given.
	SessionRef string  `bun:"session_ref,notnull" json:"-"`
	Scope      Scope   `bun:"scope,notnull" json:"scope"`
	Landing    Landing `bun:"landing,notnull" json:"landing"`
	// IssuedAt and ExpiresAt bound the token's life (UTC, seconds).
	IssuedAt  time.Time `bun:"issued_at,notnull" json:"issued_at"`
	ExpiresAt time.Time `bun:"expires_at,notnull" json:"expires_at"`
	// RevokedAt is when the token was revoked; nil while it is not.
	RevokedAt *time.Time `bun:"revoked_at" json:"revoked_at"`
	// RevokedBy is the operator who revoked it; nil for the system (the
	// user was invalidated or erased with no operator named).
	RevokedBy *uuid.UUID `bun:"revoked_by,type:uuid" json:"revoked_by"`
	// FirstUsedAt is when the token first passed verification; nil while
	// it never did.
	FirstUsedAt *time.Time `bun:"first_used_at" json:"first_used_at"`
}

// Active reports whether the record's token is neither revoked nor expired
// at now.
func (r *Record) Active(now time.Time) bool {
	return r.RevokedAt == nil && now.Before(r.ExpiresAt)
}

func (r *Record) impersonation() *Impersonation {
	return &Impersonation{
		TokenID: r.ID, UserID: r.UserID, OperatorID: r.OperatorID, Scope: r.Scope, Landing: r.Landing,
		Reason: r.Reason, IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt,
	}
}

func (r *Record) normalize() {
	r.IssuedAt, r.ExpiresAt = r.IssuedAt.UTC(), r.ExpiresAt.UTC()
	for _, t := range []*time.Time{r.RevokedAt, r.FirstUsedAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
}
