package impersonation

import (
	"time"

	"github.com/google/uuid"
)

// Scope is what an impersonation may do.
type Scope string

// The scopes.
const (
	// ScopeReadOnly sees what the user sees: the middleware refuses every
	// method but GET, HEAD and OPTIONS with 403. It is the zero value's
	// meaning in IssueRequest: full access must be asked for.
	ScopeReadOnly Scope = "read_only"
	// ScopeFull acts in the user's stead.
	ScopeFull Scope = "full"
)

// Valid reports whether s is one of the scopes.
func (s Scope) Valid() bool { return s == ScopeReadOnly || s == ScopeFull }

// Landing is the dashboard section an impersonation opens on: the edit
// buttons of the detail view's cards impersonate into the matching page.
// The zero value means the dashboard's home.
type Landing string

// The landings.
const (
	LandingHome         Landing = ""
	LandingPresentation Landing = "presentation"
	LandingIdentity     Landing = "identity"
	LandingBankAccount  Landing = "bank_account"
)

// Valid reports whether l is one of the landings.
func (l Landing) Valid() bool {
	switch l {
	case LandingHome, LandingPresentation, LandingIdentity, LandingBankAccount:
		return true
	}
	return false
}

// Impersonation is a verified token: who is seen, who acts, and how. The
// middleware puts it in the request context (FromContext).
type Impersonation struct {
	// TokenID is the token's jti and its record's ID (a UUIDv7).
	TokenID uuid.UUID `json:"token_id"`
	// UserID is the effective user: the one the request acts as.
	UserID uuid.UUID `json:"user_id"`
	// OperatorID is the acting operator, who is accountable.
	OperatorID uuid.UUID `json:"operator_id"`
	Scope      Scope     `json:"scope"`
	Landing    Landing   `json:"landing"`
	// Reason is the operator's stated reason, read from the token's
	// record (the token does not carry it).
	Reason    string    `json:"reason"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ReadOnly reports whether the impersonation may only read.
func (i *Impersonation) ReadOnly() bool { return i.Scope != ScopeFull }

// actor is the RFC 8693 "act" claim: the party acting for the subject.
type actor struct {
	Sub string `json:"sub"`
}

// claims is the token's payload. The registered claims follow PASETO
// (times as RFC 3339 strings); act follows RFC 8693 section 4.1.
type claims struct {
	Sub     string    `json:"sub"`
	Act     *actor    `json:"act"`
	Jti     string    `json:"jti"`
	Aud     string    `json:"aud"`
	Iat     time.Time `json:"iat"`
	Nbf     time.Time `json:"nbf"`
	Exp     time.Time `json:"exp"`
	Scope   Scope     `json:"scope"`
	Landing Landing   `json:"landing,omitempty"`
}

// footer is the token's footer: authenticated by the signature, readable
// before it, so the verifier can pick the key.
type footer struct {
	Kid string `json:"kid"`
}
