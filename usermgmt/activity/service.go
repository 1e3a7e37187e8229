package activity

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/userdesk/userdesk/usermgmt"
)

// Config configures a Service. Fields marked required have no default;
// every other field's zero value is a working default.
type Config struct {
	// Users is the usermgmt service that owns users, operators, their
	// permissions, the audit log and sessions. Required. Its catalogue
	// must know this package's permissions (pass Permissions() in
	// usermgmt.Config.Permissions). New registers an erase hook on it.
	Users *usermgmt.Service
	// EventTypes extend the built-in event registry (BuiltinEventTypes)
	// with the host's own types. A name already registered is a
	// configuration error.
	EventTypes []EventType
	// Retention overrides, per event type name, how long an event of that
	// type is kept beyond the user's newest KeepEvents. A type's own
	// EventType.Retention applies otherwise, then DefaultRetention or
	// DefaultSecurityRetention. A name that is not registered is a
	// configuration error.
	Retention map[string]time.Duration
	// MinAppVersion marks devices whose app version is lower as outdated
	// (Device.Outdated), compared number by number ("1.10.0" > "1.9.3").
	// Empty means no device is outdated.
	MinAppVersion string
	// EventPartitionPeriod is the time range of one partition of the
	// events table on PostgreSQL (see the package documentation,
	// "Partitions"): a whole number of hours. Zero means
	// DefaultEventPartitionPeriod (7 days, Monday to Monday UTC). Keep
	// it once partitions exist: a period that overlaps an existing
	// partition in part is left to the default partition.
	EventPartitionPeriod time.Duration
	// Now is the clock. Nil means time.Now. Times are stored in UTC at
	// microsecond precision.
	Now func() time.Time
	// Logger receives operational messages (counter drift, prune reports);
	// never personal data. Nil discards.
	Logger *slog.Logger
}

// Service records and reads reservations, events and devices. Build it
// once per usermgmt.Service with New; it holds no database handle (every
// method takes a bun.IDB) and is safe for concurrent use.
type Service struct {
	users      *usermgmt.Service
	types      map[string]EventType
	typeNames  []string
	minApp     []int
	minAppRaw  string
	partPeriod time.Duration
	// beforeDetach, when set (tests), runs after a partition passed the
	// first check and before it is detached.
	beforeDetach func(partition string)
	now          func() time.Time
	log          *slog.Logger
}

// New checks cfg and returns a Service, after registering with cfg.Users
// the erase hook that removes the user's reservations, events and devices
// in EraseUser's transaction (see the package documentation). Build one
// Service per usermgmt.Service: each New registers another hook.
//
// Returns an error for a missing Users, a permission of this package that
// Users does not know, a bad or duplicate event type, a retention for an
// unknown type, a malformed MinAppVersion, or an EventPartitionPeriod
// that is not a whole number of hours.
func New(cfg Config) (*Service, error) {
	if cfg.Users == nil {
		return nil, errors.New("activity: config: Users is required")
	}
	for _, d := range Permissions() {
		if !cfg.Users.KnowsPermission(d.Permission) {
			return nil, fmt.Errorf("activity: config: usermgmt does not know permission %q: pass activity.Permissions() in usermgmt.Config.Permissions", d.Permission)
		}
	}
	s := &Service{users: cfg.Users, now: cfg.Now, log: cfg.Logger, minAppRaw: cfg.MinAppVersion, partPeriod: cfg.EventPartitionPeriod}
	if s.partPeriod == 0 {
		s.partPeriod = DefaultEventPartitionPeriod
	}
	if s.partPeriod < time.Hour || s.partPeriod%time.Hour != 0 {
		return nil, errors.New("activity: config: EventPartitionPeriod must be a whole number of hours")
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if s.types, s.typeNames, err = buildRegistry(cfg.EventTypes, cfg.Retention); err != nil {
		return nil, err
	}
	if cfg.MinAppVersion != "" {
		if s.minApp, err = parseVersion(cfg.MinAppVersion); err != nil {
			return nil, fmt.Errorf("activity: config: MinAppVersion: %w", err)
		}
	}
	cfg.Users.OnErase(s.erase)
	return s, nil
}

// clock returns the current time as stored: UTC, microseconds.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// stamp normalises a given time as stored.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
