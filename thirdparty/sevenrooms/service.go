package sevenrooms

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// Provider is the provider name of SevenRooms links.
const Provider = "sevenrooms"

// API is the part of the SevenRooms API the service uses; *Client
// implements it. The search, create and update endpoints are assumptions
// (API-NOTES.md grade "?"), so a host whose account answers differently
// substitutes its own implementation.
type API interface {
	GetProfile(ctx context.Context, id string) (*Profile, error)
	SearchProfiles(ctx context.Context, s ProfileSearch) ([]Profile, error)
	CreateProfile(ctx context.Context, in ProfileInput) (*Profile, error)
	UpdateProfile(ctx context.Context, id string, in ProfileInput) (*Profile, error)
}

var _ API = (*Client)(nil)

// Config configures a Service. Every field's zero value is a documented
// default, except Links and API.
type Config struct {
	// Links is the provider-neutral link service (and through it usermgmt).
	// Required.
	Links *thirdparty.Service
	// API talks to SevenRooms. Required.
	API API
	// Link says what a pasted link may look like; its Environment is the
	// environment of every link this service writes.
	Link LinkConfig
	// UndoWindow is how long a reconnect can be undone. Zero means 24 h.
	UndoWindow time.Duration
	// LoginBudget bounds the time AutoLink spends at a login. Zero means
	// 2 s.
	LoginBudget time.Duration
	// RetryBackoff is the first wait before a queued automatic link is
	// retried; it doubles at every attempt up to 6 h. Zero means 1 min.
	RetryBackoff time.Duration
	// MaxAttempts stops retrying an automatic link after this many
	// attempts. Zero means 10.
	MaxAttempts int
	// CheckInterval: the periodic checker checks links not checked for
	// this long. Zero means 24 h.
	CheckInterval time.Duration
	// CheckRate bounds the periodic checker to this many checks a minute.
	// Zero means 60.
	CheckRate int
	// WebhookSecret authenticates webhook deliveries (see WebhookHandler).
	// Empty refuses every delivery.
	WebhookSecret string
	// WebhookTolerance is how far a delivery's timestamp may be from now.
	// Zero means 5 min.
	WebhookTolerance time.Duration
	// ProfileURL is the manager link of a profile, with {host}, {venue}
	// and {client_id} replaced, for the back office's "copy" and "open in
	// a new tab". Empty means
	// "https://{host}/manager/{venue}/clients/profile/{client_id}" (an
	// assumption, API-NOTES.md grade "?").
	ProfileURL string
	// ManagerHost is {host}. Empty means www.sevenrooms.com in production
	// and demo.sevenrooms.com in demo.
	ManagerHost string
	// ManagerVenue is {venue}, the venue url key the manager opens the
	// profile under. Empty makes ProfileURL return "" when the template
	// needs a venue.
	ManagerVenue string
	// Now is the clock. Nil means the Links service's clock.
	Now func() time.Time
	// Sleep waits between periodic checks. Nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives operational messages (never personal data). Nil
	// discards.
	Logger *slog.Logger
}

// Service links users to SevenRooms profiles: link health, auto-link at
// login, reconnect with merge and undo, webhooks. It is safe for
// concurrent use.
type Service struct {
	cfg    Config
	links  *thirdparty.Service
	users  *usermgmt.Service
	api    API
	parser *LinkParser
	env    Environment
	log    *slog.Logger
}

// NewService returns a service for cfg, and registers its erasure hook
// with usermgmt (merges and their snapshots are deleted with the user).
// It returns an error when Links or API is missing or the link
// configuration is invalid.
func NewService(cfg Config) (*Service, error) {
	if cfg.Links == nil || cfg.API == nil {
		return nil, errorf("config: Links and API are required")
	}
	parser, err := NewLinkParser(cfg.Link)
	if err != nil {
		return nil, err
	}
	if cfg.UndoWindow == 0 {
		cfg.UndoWindow = 24 * time.Hour
	}
	if cfg.LoginBudget == 0 {
		cfg.LoginBudget = 2 * time.Second
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = time.Minute
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = 24 * time.Hour
	}
	if cfg.CheckRate <= 0 {
		cfg.CheckRate = 60
	}
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Links.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	s := &Service{
		cfg: cfg, links: cfg.Links, users: cfg.Links.Users(), api: cfg.API, parser: parser,
		env: parser.cfg.Environment, log: cfg.Logger,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.users.OnErase(s.erase)
	return s, nil
}

// LinkURL returns the manager link of the link's profile (see
// Config.ProfileURL), or "" when the link has no profile or no venue is
// configured.
func (s *Service) LinkURL(l *thirdparty.Link) string {
	if l == nil || l.ExternalID == "" {
		return ""
	}
	host := s.cfg.ManagerHost
	if host == "" {
		host = "www.sevenrooms.com"
		if Environment(l.Environment) == Demo {
			host = "demo.sevenrooms.com"
		}
	}
	return ProfileURL(s.cfg.ProfileURL, host, s.cfg.ManagerVenue, l.ExternalID)
}

// Parser returns the service's link parser.
func (s *Service) Parser() *LinkParser { return s.parser }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) erase(ctx context.Context, tx bun.IDB, userID uuid.UUID) error {
	if _, err := tx.NewDelete().Model((*Merge)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return errorf("erase merges: %w", err)
	}
	return nil
}

// Sentinel errors of the service.
var (
	// ErrPartial is returned when a reconnect or undo changed SevenRooms
	// but could neither finish nor restore it; the error is a
	// *PartialError and the merge is recorded as partial, to be retried
	// with RetryMerge. It is never a success.
	ErrPartial = errors.New("sevenrooms: merge partially applied")
	// ErrUndoExpired is returned when the undo window of a merge has
	// passed.
	ErrUndoExpired = errors.New("sevenrooms: undo window has passed")
	// ErrDuplicates is returned when a profile would be created while
	// profiles with the same phone or email exist; the error is a
	// *DuplicatesError. An operator may force the creation.
	ErrDuplicates = errors.New("sevenrooms: matching profiles exist")
)

// PartialError says which merge is left partially applied and why.
type PartialError struct {
	MergeID uuid.UUID
	// Cause is the failure of the later step.
	Cause error
	// RestoreErr is the failure of the compensation.
	RestoreErr error
}

// Error describes the partial application.
func (e *PartialError) Error() string {
	return "sevenrooms: merge " + e.MergeID.String() + " partially applied: " + e.Cause.Error() + "; restoring SevenRooms failed: " + e.RestoreErr.Error()
}

// Is makes errors.Is(err, ErrPartial) true.
func (e *PartialError) Is(target error) bool { return target == ErrPartial }

// Unwrap returns the cause.
func (e *PartialError) Unwrap() error { return e.Cause }

// DuplicatesError counts the profiles that share the user's phone or
// email.
type DuplicatesError struct {
	Count int
}

// Error describes the duplicates.
func (e *DuplicatesError) Error() string {
	return "sevenrooms: matching profiles exist: " + strconv.Itoa(e.Count)
}

// Is makes errors.Is(err, ErrDuplicates) true.
func (e *DuplicatesError) Is(target error) bool { return target == ErrDuplicates }

// ProfileURL is the manager link of a client profile built from
// template, where {host}, {venue} and {client_id} are replaced; empty
// when the template needs a venue and none is given.
func ProfileURL(template, host, venue, clientID string) string {
	if template == "" {
		template = "https://{host}/manager/{venue}/clients/profile/{client_id}"
	}
	if venue == "" && strings.Contains(template, "{venue}") {
		return ""
	}
	return strings.NewReplacer("{host}", host, "{venue}", url.PathEscape(venue), "{client_id}", url.PathEscape(clientID)).Replace(template)
}
