package usermgmt

import "errors"

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("usermgmt: not found")
