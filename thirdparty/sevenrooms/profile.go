package sevenrooms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Profile is a SevenRooms client: a guest profile of the venue group. The
// fields are those integrations show (API-NOTES.md, grade A unless noted).
type Profile struct {
	ID             string `json:"id"`
	VenueGroupID   string `json:"venue_group_id"`
	ExternalUserID string `json:"external_user_id"`
	ReferenceCode  string `json:"reference_code,omitempty"`
	Created        Time   `json:"created"`
	Updated        Time   `json:"updated"`
	// Deleted is set when the profile was deleted.
	Deleted Time   `json:"deleted"`
	Status  string `json:"status,omitempty"`

	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company,omitempty"`

	Email             string `json:"email"`
	EmailAlt          string `json:"email_alt,omitempty"`
	PhoneNumber       string `json:"phone_number"`
	PhoneNumberLocale string `json:"phone_number_locale,omitempty"`
	PhoneNumberAlt    string `json:"phone_number_alt,omitempty"`

	Address    string `json:"address,omitempty"`
	Address2   string `json:"address_2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`

	// BirthdayDay and BirthdayMonth carry no year (zero: unknown).
	BirthdayDay   int `json:"birthday_day,omitempty"`
	BirthdayMonth int `json:"birthday_month,omitempty"`

	MarketingOptIn    *bool  `json:"marketing_opt_in,omitempty"`
	MarketingOptInTS  Time   `json:"marketing_opt_in_ts"`
	MarketingOptOutTS Time   `json:"marketing_opt_out_ts"` // B
	PreferredLanguage string `json:"preferred_language_code,omitempty"`

	Notes string `json:"notes,omitempty"`
	// Tags is the comma-separated tag string; ClientTags the structured tags.
	Tags       string      `json:"tags,omitempty"`
	ClientTags []ClientTag `json:"client_tags,omitempty"`

	TotalVisits int `json:"total_visits"`

	// Raw is the profile exactly as SevenRooms sent it: the link's
	// snapshot. Empty on a Profile built locally.
	Raw json.RawMessage `json:"-"`
}

// ClientTag is one structured tag of a profile.
type ClientTag struct {
	Tag          string `json:"tag"`
	TagDisplay   string `json:"tag_display,omitempty"`
	Group        string `json:"group,omitempty"`
	GroupDisplay string `json:"group_display,omitempty"`
	Color        string `json:"color,omitempty"`
}

// IsDeleted reports whether the profile was deleted at SevenRooms.
func (p *Profile) IsDeleted() bool { return !p.Deleted.IsZero() }

// FullName joins first and last name.
func (p *Profile) FullName() string {
	return strings.TrimSpace(p.FirstName + " " + p.LastName)
}

// UnmarshalJSON decodes a profile and keeps the raw bytes in Raw.
func (p *Profile) UnmarshalJSON(b []byte) error {
	type plain Profile
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = Profile(v)
	p.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// ProfileInput is a profile's fields to create or update: nil fields are
// not sent. The create and update endpoints are assumptions (API-NOTES.md
// grade "?": POST clients and PUT clients/{id} with a JSON body).
type ProfileInput struct {
	ExternalUserID *string `json:"external_user_id,omitempty"`
	FirstName      *string `json:"first_name,omitempty"`
	LastName       *string `json:"last_name,omitempty"`
	Email          *string `json:"email,omitempty"`
	EmailAlt       *string `json:"email_alt,omitempty"`
	PhoneNumber    *string `json:"phone_number,omitempty"`
	PhoneNumberAlt *string `json:"phone_number_alt,omitempty"`
	Address        *string `json:"address,omitempty"`
	Address2       *string `json:"address_2,omitempty"`
	City           *string `json:"city,omitempty"`
	State          *string `json:"state,omitempty"`
	PostalCode     *string `json:"postal_code,omitempty"`
	Country        *string `json:"country,omitempty"`
	BirthdayDay    *int    `json:"birthday_day,omitempty"`
	BirthdayMonth  *int    `json:"birthday_month,omitempty"`
	MarketingOptIn *bool   `json:"marketing_opt_in,omitempty"`
	Language       *string `json:"preferred_language_code,omitempty"`
	Tags           *string `json:"tags,omitempty"`
	VenueGroupID   string  `json:"venue_group_id,omitempty"`
}

// GetProfile returns the profile with id (GET clients/{id}, grade B).
//
// Returns an *APIError matching ErrNotFound when there is none, and the
// profile together with an error matching ErrDeleted when it was deleted;
// otherwise the client's errors (ErrUnauthorized, ErrForbidden,
// ErrRateLimited, ErrTimeout, ErrUpstream).
func (c *Client) GetProfile(ctx context.Context, id string) (*Profile, error) {
	if id == "" {
		return nil, &APIError{Op: "GET clients/{id}", Status: http.StatusBadRequest, Msg: "empty id", Err: ErrBadRequest}
	}
	var p Profile
	if err := c.do(ctx, http.MethodGet, "clients/"+url.PathEscape(id), nil, nil, &p); err != nil {
		return nil, err
	}
	if p.IsDeleted() {
		return &p, &APIError{Op: "GET clients/{id}", Status: http.StatusOK, Msg: "profile deleted", Err: ErrDeleted}
	}
	return &p, nil
}

// ProfileSearch finds profiles by email or phone; at least one is needed.
type ProfileSearch struct {
	Email string
	// Phone is in E.164 form.
	Phone string
}

// SearchProfiles returns the venue group's live profiles whose email or
// phone matches (GET clients?email=&phone_number=, an assumption: grade
// "?"). Deleted profiles are left out. It reads every page up to the page
// cap; past it, it returns what it read and a *PageCapError.
//
// Returns the client's errors, and ErrBadRequest for an empty search.
func (c *Client) SearchProfiles(ctx context.Context, s ProfileSearch) ([]Profile, error) {
	if s.Email == "" && s.Phone == "" {
		return nil, &APIError{Op: "GET clients", Status: http.StatusBadRequest, Msg: "search needs an email or a phone", Err: ErrBadRequest}
	}
	q := url.Values{}
	if s.Email != "" {
		q.Set("email", s.Email)
	}
	if s.Phone != "" {
		q.Set("phone_number", s.Phone)
	}
	var out []Profile
	err := c.pages(ctx, "clients", q, "clients", func(raw json.RawMessage) error {
		var p Profile
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		if !p.IsDeleted() {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// CreateProfile creates a profile (POST clients, an assumption: grade
// "?"). Returns the client's errors; ErrConflict when SevenRooms refuses a
// duplicate.
func (c *Client) CreateProfile(ctx context.Context, in ProfileInput) (*Profile, error) {
	in.VenueGroupID = c.cfg.VenueGroupID
	var p Profile
	if err := c.do(ctx, http.MethodPost, "clients", nil, in, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateProfile changes the fields of in that are not nil (PUT
// clients/{id}, an assumption: grade "?") and returns the profile after
// the change. Returns the client's errors; ErrNotFound.
func (c *Client) UpdateProfile(ctx context.Context, id string, in ProfileInput) (*Profile, error) {
	in.VenueGroupID = c.cfg.VenueGroupID
	var p Profile
	if err := c.do(ctx, http.MethodPut, "clients/"+url.PathEscape(id), nil, in, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// pages reads a cursor-paginated list: data.results (or data.<named>,
// the other envelope shape) and data.cursor, until the cursor or the
// results are empty, or the page cap.
func (c *Client) pages(ctx context.Context, path string, q url.Values, named string, each func(json.RawMessage) error) error {
	if q.Get("venue_id") == "" {
		q.Set("venue_group_id", c.cfg.VenueGroupID)
	}
	q.Set("limit", strconv.Itoa(c.cfg.PageLimit))
	cursor := q.Get("cursor")
	for page := 0; ; page++ {
		if page == c.cfg.MaxPages {
			c.log.Warn("sevenrooms: page cap reached", "op", "GET "+path, "pages", page)
			return &PageCapError{Pages: page, Cursor: cursor}
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var data map[string]json.RawMessage
		if err := c.do(ctx, http.MethodGet, path, q, nil, &data); err != nil {
			return err
		}
		items := data["results"]
		if items == nil {
			items = data[named]
		}
		var list []json.RawMessage
		if len(items) > 0 && string(items) != "null" {
			if err := json.Unmarshal(items, &list); err != nil {
				return &APIError{Op: "GET " + path, Status: http.StatusOK, Msg: "results are not a list", Err: ErrUpstream}
			}
		}
		for _, it := range list {
			if err := each(it); err != nil {
				return &APIError{Op: "GET " + path, Status: http.StatusOK, Msg: "unexpected item: " + err.Error(), Err: ErrUpstream}
			}
		}
		cursor = ""
		if raw := data["cursor"]; len(raw) > 0 {
			if err := json.Unmarshal(raw, &cursor); err != nil && string(raw) != "null" {
				return &APIError{Op: "GET " + path, Status: http.StatusOK, Msg: "cursor is not a string", Err: ErrUpstream}
			}
		}
		if cursor == "" || len(list) == 0 {
			return nil
		}
	}
}
