package impersonation

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrInvalidToken: a token was refused. Every *VerifyError matches it,
	// and also the sentinel of the check that failed (ErrMalformed,
	// ErrUnknownKey, ErrSignature, ErrAudience, ErrExpired, ErrNotYetValid,
	// ErrRevoked, ErrOperatorRefused, ErrUserRefused).
	ErrInvalidToken = errors.New("impersonation: invalid token")
	// ErrMalformed: not a PASETO v4.public token made by this package
	// (another version or purpose, a JWT, garbage), or its claims are
	// missing or out of shape.
	ErrMalformed = errors.New("impersonation: malformed token")
	// ErrUnknownKey: the token's key id is not in the key ring: the key
	// was rotated out, or never belonged to this deployment.
	ErrUnknownKey = errors.New("impersonation: unknown signing key")
	// ErrSignature: the signature does not verify with the key its key
	// id names: the token was tampered with or signed by another key.
	ErrSignature = errors.New("impersonation: bad signature")
	// ErrAudience: the token was issued for another audience.
	ErrAudience = errors.New("impersonation: wrong audience")
	// ErrExpired: the token's expiry (plus the clock-skew allowance) has
	// passed.
	ErrExpired = errors.New("impersonation: token expired")
	// ErrNotYetValid: the token's not-before (minus the clock-skew
	// allowance) is still to come.
	ErrNotYetValid = errors.New("impersonation: token not yet valid")
	// ErrRevoked: the token was revoked, or this deployment has no record
	// of it.
	ErrRevoked = errors.New("impersonation: token revoked")
	// ErrOperatorRefused: the acting operator is gone, deactivated, or no
	// longer holds usermgmt.PermImpersonate.
	ErrOperatorRefused = errors.New("impersonation: operator may no longer impersonate")
	// ErrUserRefused: the user may not be impersonated: erased, or
	// Invalidated while the policy (Config.AllowInvalidated) refuses it.
	// Issue returns it too.
	ErrUserRefused = errors.New("impersonation: user may not be impersonated")
	// ErrChain: Issue was called from a context that carries an
	// impersonation; impersonations never chain.
	ErrChain = errors.New("impersonation: cannot impersonate from an impersonation")
	// ErrNoSigningKey: the key ring has no private key, so this Service
	// verifies tokens but cannot issue them.
	ErrNoSigningKey = errors.New("impersonation: no signing key")
	// ErrNoToken: the middleware found no token where it looks, and its
	// configuration requires one; it answers with 401.
	ErrNoToken = errors.New("impersonation: no token")
	// ErrReadOnly: a mutating request was made under a read-only
	// impersonation; the middleware answers it with 403.
	ErrReadOnly = errors.New("impersonation: read-only impersonation")
)

// Check names the verification step a token failed. The values are stable
// snake_case codes a host can show or log.
type Check string

// The checks, in the order Verify makes them.
const (
	// CheckFormat: not a v4.public PASETO with a key-id footer.
	CheckFormat Check = "format"
	// CheckKey: the key id is not in the ring.
	CheckKey Check = "key"
	// CheckSignature: the signature does not verify.
	CheckSignature Check = "signature"
	// CheckClaims: a claim is missing or out of shape.
	CheckClaims Check = "claims"
	// CheckAudience: aud is not Config.Audience.
	CheckAudience Check = "audience"
	// CheckNotYetValid: nbf is in the future.
	CheckNotYetValid Check = "not_yet_valid"
	// CheckExpired: exp is in the past.
	CheckExpired Check = "expired"
	// CheckRevoked: the token was revoked or is not on record.
	CheckRevoked Check = "revoked"
	// CheckOperator: the operator may no longer impersonate.
	CheckOperator Check = "operator"
	// CheckUser: the user may no longer be impersonated.
	CheckUser Check = "user"
	// CheckSession: the operator session the token was issued from
	// ended (logout, expiry).
	CheckSession Check = "session"
)

var checkSentinels = map[Check]error{
	CheckFormat:      ErrMalformed,
	CheckKey:         ErrUnknownKey,
	CheckSignature:   ErrSignature,
	CheckClaims:      ErrMalformed,
	CheckAudience:    ErrAudience,
	CheckNotYetValid: ErrNotYetValid,
	CheckExpired:     ErrExpired,
	CheckRevoked:     ErrRevoked,
	CheckOperator:    ErrOperatorRefused,
	CheckUser:        ErrUserRefused,
	CheckSession:     ErrOperatorRefused,
}

// VerifyError says which check refused a token. It matches ErrInvalidToken
// and the check's own sentinel with errors.Is. Detail is for logs: it may
// name the key id or the claim at fault, never personal data, and is not
// meant for the person holding the token.
type VerifyError struct {
	// Check is the failed check.
	Check Check
	// Detail explains the refusal, for logs.
	Detail string
}

// Error describes the refusal.
func (e *VerifyError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("impersonation: token refused (%s)", e.Check)
	}
	return fmt.Sprintf("impersonation: token refused (%s): %s", e.Check, e.Detail)
}

// Is makes errors.Is(err, ErrInvalidToken) true, and errors.Is(err, S) for
// the sentinel S of the failed check.
func (e *VerifyError) Is(target error) bool {
	return target == ErrInvalidToken || (target != nil && target == checkSentinels[e.Check])
}

func refuse(c Check, format string, args ...any) *VerifyError {
	return &VerifyError{Check: c, Detail: fmt.Sprintf(format, args...)}
}
