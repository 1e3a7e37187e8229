package activity

import (
	"fmt"

	"github.com/userdesk/userdesk/usermgmt"
)

// Errors. Bad input is a *usermgmt.ValidationError (matching
// usermgmt.ErrInvalid) naming the snake_case field; a refused operator a
// *usermgmt.PermissionError (usermgmt.ErrForbidden); an unknown or erased
// user usermgmt.ErrNotFound. Test with errors.Is.
var (
	// ErrNotFound is returned when the device does not exist or belongs
	// to another user. It wraps usermgmt.ErrNotFound, so one check covers
	// "user or record not found".
	ErrNotFound = fmt.Errorf("activity: not found: %w", usermgmt.ErrNotFound)
)
