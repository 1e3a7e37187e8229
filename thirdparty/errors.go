package thirdparty

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrNotFound is returned when a link (or the user it belongs to) does
	// not exist.
	ErrNotFound = errors.New("thirdparty: not found")
	// ErrConflict is returned when a write collides with a change made
	// since it was prepared (a stale link version, a concurrent reconnect,
	// a profile changed since a snapshot); nothing was written.
	ErrConflict = errors.New("thirdparty: conflict")
	// ErrTaken is returned when the external profile is already linked to
	// another user of the same provider; it wraps ErrConflict.
	ErrTaken = fmt.Errorf("thirdparty: external profile already linked to another user: %w", ErrConflict)
)
