package verification

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; test with errors.Is. Each method's documentation says
// which it returns. Bad input is a *usermgmt.ValidationError naming the
// field, and a missing operator permission a *usermgmt.PermissionError.
var (
	// ErrInvalidLink is returned when a link's token is unknown, used,
	// expired, replaced by a newer link, or no longer matches the account
	// (its address changed). The cases are deliberately not told apart.
	ErrInvalidLink = errors.New("verification: invalid or expired link")
	// ErrNoCode is returned when the user has no live SMS code to check:
	// none was sent, it expired, it was used, it was killed by too many
	// wrong checks, or the phone number changed. Ask for a new one.
	ErrNoCode = errors.New("verification: no live code")
	// ErrWrongCode is returned when a code does not match; the error is a
	// *WrongCodeError saying how many checks are left.
	ErrWrongCode = errors.New("verification: wrong code")
	// ErrRateLimited is returned when a request exceeds a limit (a
	// cool-down, a cap on sends, a rate per address, user or client); the
	// error is a *RateLimitError.
	ErrRateLimited = errors.New("verification: too many requests")
	// ErrAlreadyVerified is returned when a logged-in user asks to verify
	// an email or a phone that is verified already.
	ErrAlreadyVerified = errors.New("verification: already verified")
)

// WrongCodeError is a wrong SMS code. It matches ErrWrongCode.
type WrongCodeError struct {
	// Left is how many more checks the code survives; at zero it is dead
	// and the next check returns ErrNoCode.
	Left int
}

// Error says how many checks are left.
func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("verification: wrong code (%d checks left)", e.Left)
}

// Is makes errors.Is(err, ErrWrongCode) true.
func (e *WrongCodeError) Is(target error) bool { return target == ErrWrongCode }

// RateLimitError says which limit refused a request and when to retry.
// It matches ErrRateLimited.
type RateLimitError struct {
	// Scope names the limit: "cooldown", "sends" (per verification),
	// "address", "user", "client", "sms_number_daily", "sms_user_daily".
	Scope string
	// RetryAfter is how long until the limit lets the request through
	// (for the Retry-After header).
	RetryAfter time.Duration
}

// Error names the limit.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("verification: too many requests (%s): retry in %s", e.Scope, e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }
