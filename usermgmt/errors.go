package usermgmt

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error this package returns wraps at most one of
// them; test with errors.Is.
var (
	// ErrNotFound: the user, operator or record does not exist.
	ErrNotFound = errors.New("usermgmt: not found")
	// ErrInvalid: the input breaks a rule; the error is a *ValidationError
	// naming each bad field.
	ErrInvalid = errors.New("usermgmt: invalid input")
	// ErrConflict: the write collides with the current state. More precise
	// errors wrap it: ErrStaleVersion, ErrEmailTaken.
	ErrConflict = errors.New("usermgmt: conflict")
	// ErrStaleVersion: the version given with an update is not the
	// record's current version; nothing was written.
	ErrStaleVersion = fmt.Errorf("usermgmt: stale version: %w", ErrConflict)
	// ErrEmailTaken: another account has this email, in any letter case.
	ErrEmailTaken = fmt.Errorf("usermgmt: email already registered: %w", ErrConflict)
	// ErrForbidden: the acting operator is inactive or lacks the
	// permission; the error is a *PermissionError.
	ErrForbidden = errors.New("usermgmt: forbidden")
	// ErrInvalidCredentials: unknown email or wrong password; the two are
	// deliberately indistinguishable.
	ErrInvalidCredentials = errors.New("usermgmt: invalid email or password")
	// ErrLoginRefused: the password was right but the account's status
	// does not allow logging in (Invalidated).
	ErrLoginRefused = errors.New("usermgmt: account may not log in")
	// ErrInvalidCursor: a pagination cursor was not made by this package,
	// or was tampered with.
	ErrInvalidCursor = errors.New("usermgmt: invalid cursor")
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

func invalid(field, rule, msg string) *ValidationError {
	return &ValidationError{Fields: []FieldError{{Field: field, Rule: rule, Message: msg}}}
}

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
