package sevenrooms

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors of the API client. Every *APIError wraps exactly one;
// test with errors.Is.
var (
	// ErrBadRequest is returned when SevenRooms refuses the request as
	// malformed (400).
	ErrBadRequest = errors.New("sevenrooms: bad request")
	// ErrUnauthorized is returned when the credentials or the token are
	// refused even after one new authentication (401).
	ErrUnauthorized = errors.New("sevenrooms: unauthorized")
	// ErrForbidden is returned when the credentials may not reach the
	// resource (403).
	ErrForbidden = errors.New("sevenrooms: forbidden")
	// ErrNotFound is returned when the resource does not exist (404).
	ErrNotFound = errors.New("sevenrooms: not found")
	// ErrDeleted is returned when a client profile exists but is marked
	// deleted; the profile is returned with it.
	ErrDeleted = errors.New("sevenrooms: deleted")
	// ErrConflict is returned when the write collides with the resource's
	// state (409).
	ErrConflict = errors.New("sevenrooms: conflict")
	// ErrRateLimited is returned when SevenRooms still throttles after the
	// retries (429).
	ErrRateLimited = errors.New("sevenrooms: rate limited")
	// ErrTimeout is returned when no answer came in time (408, a request
	// timeout, or the caller's deadline).
	ErrTimeout = errors.New("sevenrooms: timeout")
	// ErrUpstream is returned when SevenRooms failed (5xx), was
	// unreachable, or answered something that is not its envelope.
	ErrUpstream = errors.New("sevenrooms: upstream error")
	// ErrPageCap is returned by list and export calls that stopped at
	// ClientConfig.MaxPages; the error is a *PageCapError and the results
	// read so far are returned with it.
	ErrPageCap = errors.New("sevenrooms: page cap reached")
)

// APIError is a refused or failed API call.
type APIError struct {
	// Op is the method and path, such as "GET clients/{id}" (no query, no
	// ids of people).
	Op string
	// Status is the HTTP (or envelope) status; zero when no answer came.
	Status int
	// Msg is the API's message.
	Msg string
	// RetryAfter is the server's Retry-After, if it sent one.
	RetryAfter time.Duration
	// Err is the sentinel this error matches.
	Err error
}

// Error describes the failure.
func (e *APIError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%v: %s: %s", e.Err, e.Op, e.Msg)
	}
	return fmt.Sprintf("%v: %s: %d %s", e.Err, e.Op, e.Status, e.Msg)
}

// Unwrap returns the sentinel.
func (e *APIError) Unwrap() error { return e.Err }

func sentinelFor(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound, status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusRequestTimeout:
		return ErrTimeout
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	}
	return ErrUpstream
}

// PageCapError says a list stopped at the page cap: Cursor resumes it.
type PageCapError struct {
	// Pages is how many pages were read.
	Pages int
	// Cursor is the cursor of the next page.
	Cursor string
}

// Error describes the cap.
func (e *PageCapError) Error() string {
	return fmt.Sprintf("sevenrooms: page cap reached after %d pages; more results follow", e.Pages)
}

// Is makes errors.Is(err, ErrPageCap) true.
func (e *PageCapError) Is(target error) bool { return target == ErrPageCap }

func errorf(format string, args ...any) error {
	return fmt.Errorf("sevenrooms: "+format, args...)
}
