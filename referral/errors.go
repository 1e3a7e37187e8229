package referral

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/userdesk/userdesk/usermgmt"
)

// sentinel is an error with its own message that also matches a parent
// (a usermgmt sentinel or another of ours) with errors.Is, so that a host's
// single error table for usermgmt maps the referral errors too.
type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// Sentinel errors. Test with errors.Is; each method's documentation says
// which it returns. Every one of them also matches the usermgmt sentinel
// named in its documentation.
var (
	// ErrNotFound is returned when the user, the referral or the flag does
	// not exist, or the user was erased. It matches usermgmt.ErrNotFound.
	ErrNotFound error = &sentinel{"referral: not found", usermgmt.ErrNotFound}
	// ErrUnknownCode is returned when no user holds the referral code (it
	// never existed, or it was rotated away). It matches ErrNotFound.
	ErrUnknownCode error = &sentinel{"referral: unknown referral code", ErrNotFound}
	// ErrConflict is returned when the write collides with the current
	// state. More precise errors wrap it. It matches usermgmt.ErrConflict.
	ErrConflict error = &sentinel{"referral: conflict", usermgmt.ErrConflict}
	// ErrStaleVersion is returned when a "set credits to N" names a
	// version of the balance that is not the current one; the error is a
	// *StaleCreditsError with the current value. It matches ErrConflict
	// and usermgmt.ErrStaleVersion's parent, usermgmt.ErrConflict.
	ErrStaleVersion error = &sentinel{"referral: stale credits version", ErrConflict}
	// ErrInsufficientCredits is returned when a change would take a
	// balance below zero; nothing was written. It matches ErrConflict.
	ErrInsufficientCredits error = &sentinel{"referral: not enough credits", ErrConflict}
	// ErrAlreadyReferred is returned when a code is attached to a user who
	// has a referrer already: the referrer is recorded once. It matches
	// ErrConflict.
	ErrAlreadyReferred error = &sentinel{"referral: user already has a referrer", ErrConflict}
	// ErrAttachWindowClosed is returned when a code is attached longer
	// than Config.AttachWindow after the user registered. It matches
	// ErrConflict.
	ErrAttachWindowClosed error = &sentinel{"referral: too late to attach a referral code", ErrConflict}
	// ErrIdempotencyKeyReused is returned when an idempotency key comes
	// back with a different request (another user, kind, amount or
	// version); nothing was written. It matches ErrConflict.
	ErrIdempotencyKeyReused error = &sentinel{"referral: idempotency key reused with a different request", ErrConflict}
	// ErrSelfReferral is returned when a user would become their own
	// referrer. The error is also a *usermgmt.ValidationError naming the
	// field (rule "self_referral").
	ErrSelfReferral = errors.New("referral: a user cannot refer themself")
	// ErrCycle is returned when a referrer would close a cycle (the
	// referee is among the referrer's own referrers). The error is also a
	// *usermgmt.ValidationError naming the field (rule "referral_cycle").
	ErrCycle = errors.New("referral: referrer would close a cycle")
)

// refusal joins one of our sentinels and a validation error on one field,
// so that errors.Is(err, ErrSelfReferral) and errors.As(err,
// **usermgmt.ValidationError) both hold.
func refusal(sentinel error, field, rule, message string) error {
	return fmt.Errorf("%w: %w", sentinel, usermgmt.Invalid(field, rule, message))
}

// StaleCreditsError is the conflict of a "set credits to N" made against a
// version the operator saw that is no longer current. It carries what the
// operator needs to decide again. It matches ErrStaleVersion (and so
// ErrConflict).
type StaleCreditsError struct {
	// Balance and Version are the current balance and its version.
	Balance int64
	Version int64
	// ChangedBy is the operator who made the last change, nil for the
	// system (a consumption, a grant) or a balance never changed.
	ChangedBy *uuid.UUID
	// ChangedAt is when the last change was made, nil if never.
	ChangedAt *time.Time
}

// Error describes the conflict.
func (e *StaleCreditsError) Error() string {
	by := "the system"
	if e.ChangedBy != nil {
		by = "operator " + e.ChangedBy.String()
	}
	return fmt.Sprintf("referral: stale credits version: the balance is now %d (version %d), last changed by %s", e.Balance, e.Version, by)
}

// Unwrap makes errors.Is(err, ErrStaleVersion) true.
func (e *StaleCreditsError) Unwrap() error { return ErrStaleVersion }
