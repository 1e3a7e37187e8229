package usermgmt

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error this package returns wraps at most one of
// them (ErrStaleVersion and ErrEmailTaken also match ErrConflict); test
// with errors.Is. Each method's documentation says which it returns.
var (
	// ErrNotFound is returned when the user, operator or record does not
	// exist, and by every operator read of an erased user (a tombstone).
	ErrNotFound = errors.New("usermgmt: not found")
	// ErrInvalid is returned when the input breaks a rule; the error is a
	// *ValidationError naming each bad field.
	ErrInvalid = errors.New("usermgmt: invalid input")
	// ErrConflict is returned when the write collides with the current
	// state. More precise errors wrap it: ErrStaleVersion, ErrEmailTaken.
	ErrConflict = errors.New("usermgmt: conflict")
	// ErrStaleVersion is returned when the version given with an update is
	// not the record's current version; nothing was written.
	ErrStaleVersion = fmt.Errorf("usermgmt: stale version: %w", ErrConflict)
	// ErrEmailTaken is returned when another account has this email, in
	// any letter case or Unicode spelling.
	ErrEmailTaken = fmt.Errorf("usermgmt: email already registered: %w", ErrConflict)
	// ErrForbidden is returned when the acting operator is inactive or
	// lacks the permission; the error is a *PermissionError.
	ErrForbidden = errors.New("usermgmt: forbidden")
	// ErrUnderImpersonation is returned when an action only the user may
	// take (changing their password, say) is attempted under an
	// impersonation, whatever its scope. It matches ErrForbidden.
	ErrUnderImpersonation = fmt.Errorf("usermgmt: not allowed under an impersonation: %w", ErrForbidden)
	// ErrProfileHidden is returned when a user's status hides their
	// public profile; the error is a *ProfileHiddenError.
	ErrProfileHidden = errors.New("usermgmt: profile hidden")
	// ErrInvalidCredentials is returned when the email is unknown or the
	// password wrong; the two are deliberately indistinguishable.
	ErrInvalidCredentials = errors.New("usermgmt: invalid email or password")
	// ErrLoginRefused is returned when the credentials or the session are
	// right but the account may not log in (its status forbids it, or it
	// was erased).
	ErrLoginRefused = errors.New("usermgmt: account may not log in")
	// ErrInvalidCursor is returned when a pagination cursor was not made
	// by this package, or was tampered with.
	ErrInvalidCursor = errors.New("usermgmt: invalid cursor")
	// ErrSessionInvalid is returned when a session token is unknown,
	// expired or ended.
	ErrSessionInvalid = errors.New("usermgmt: invalid or expired session")
	// ErrCounterNegative is returned when an adjustment would take a
	// counter below zero; nothing was changed.
	ErrCounterNegative = errors.New("usermgmt: counter would go below zero")
	// ErrNoBankKey is returned when bank details cannot be sealed or
	// opened because the Service has no key ring, or the ring lacks the
	// key a record was sealed with.
	ErrNoBankKey = errors.New("usermgmt: bank details key not available")
	// ErrPasswordMismatch is returned by [PasswordHasher.Verify] when the
	// password does not match the stored hash.
	ErrPasswordMismatch = errors.New("usermgmt: password mismatch")
	// ErrMalformedHash is returned, wrapped, by [PasswordHasher.Verify]
	// when a stored hash cannot be parsed, is not argon2id version 19, or
	// carries parameters outside the accepted bounds.
	ErrMalformedHash = errors.New("usermgmt: malformed password hash")
	// ErrViewNotShared is returned when an operator opens or deletes a
	// saved view ([SavedView]) that is not theirs and not shared with a
	// role they hold (deleting needs ownership). It matches ErrForbidden.
	ErrViewNotShared = fmt.Errorf("usermgmt: saved view not shared with you: %w", ErrForbidden)
)

// FieldError is one rule broken by one field.
type FieldError struct {
	// Field is the snake_case name of the field as in JSON, with a dotted
	// path for nested fields ("postal_address.country") and an index for
	// lists ("spoken_languages[1]").
	Field string
	// Rule is the machine-readable rule: "required", "email", "e164",
	// "bcp47", "timezone", "iso3166_1_alpha2", "max", "oneof",
	// "plausible_birth_date", "non_switch_single_role", …
	Rule string
	// Message explains the rule in English.
	Message string
}

// ValidationError lists every bad field of one call. It matches ErrInvalid
// with errors.Is.
type ValidationError struct {
	Fields []FieldError
}

// Error joins the field messages.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "usermgmt: invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Has reports whether field broke a rule.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Invalid returns a *ValidationError for one field that broke one rule.
// Packages built on usermgmt use it (and Add) so that every bad input of
// the library reaches callers in the same shape: field is the snake_case
// JSON name, rule the machine-readable rule code, message an English
// explanation.
func Invalid(field, rule, message string) *ValidationError {
	return &ValidationError{Fields: []FieldError{{Field: field, Rule: rule, Message: message}}}
}

// Add appends one broken rule and returns e, so that a validation can
// collect every bad field before it returns.
func (e *ValidationError) Add(field, rule, message string) *ValidationError {
	e.Fields = append(e.Fields, FieldError{Field: field, Rule: rule, Message: message})
	return e
}

// Err returns e as an error, or nil when no field broke a rule (a nil e
// included), so that a collecting validation ends with "return v.Err()".
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

func invalid(field, rule, msg string) *ValidationError { return Invalid(field, rule, msg) }

// PermissionError says which permission an operator lacked. It matches
// ErrForbidden with errors.Is.
type PermissionError struct {
	// Permission is the permission the call needs.
	Permission Permission
	// Inactive is true when the operator exists but is deactivated.
	Inactive bool
}

// Error describes the refusal.
func (e *PermissionError) Error() string {
	if e.Inactive {
		return "usermgmt: forbidden: operator is inactive"
	}
	return fmt.Sprintf("usermgmt: forbidden: missing permission %q", e.Permission)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *PermissionError) Is(target error) bool { return target == ErrForbidden }
