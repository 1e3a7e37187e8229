package usermgmt

// Status is the state of a user's account.
type Status string

// The user statuses.
const (
	// StatusLive users use the platform fully.
	StatusLive Status = "live"
	// StatusInvalidated users are suspended and cannot log in.
	StatusInvalidated Status = "invalidated"
	// StatusInReview users may log in, but nobody else sees their profile
	// and they can neither book nor contact other users.
	StatusInReview Status = "in_review"
)

// Capability is something a user may or may not do, depending on status.
type Capability int

// The capabilities the status policy decides.
const (
	// CanLogIn: the user may log in to the front office.
	CanLogIn Capability = iota + 1
	// CanBeSeen: other users may view the user's public profile.
	CanBeSeen
	// CanBook: the user may make bookings.
	CanBook
	// CanContact: the user may contact other users.
	CanContact
)

// statusPolicy is the single table behind Status.Allows.
var statusPolicy = map[Status]map[Capability]bool{
	StatusLive:        {CanLogIn: true, CanBeSeen: true, CanBook: true, CanContact: true},
	StatusInReview:    {CanLogIn: true},
	StatusInvalidated: {},
}

// Allows reports whether a user with status s may do c. It is the single
// source of truth of the status policy; hosts ask it rather than compare
// statuses themselves:
//
//	status        log in  profile seen  book  contact
//	live          yes     yes           yes   yes
//	in_review     yes     no            no    no
//	invalidated   no      no            no    no
//
// An unknown status allows nothing.
func (s Status) Allows(c Capability) bool {
	return statusPolicy[s][c]
}

// Valid reports whether s is one of the three statuses.
func (s Status) Valid() bool {
	_, ok := statusPolicy[s]
	return ok
}

// Statuses lists the statuses in the order operators see them.
func Statuses() []Status {
	return []Status{StatusLive, StatusInReview, StatusInvalidated}
}
