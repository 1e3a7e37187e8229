package usermgmt

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"
)

// Registration is what a user gives when signing up in the front office.
type Registration struct {
	Email    string `json:"email" validate:"required,max=254,email"`
	Password string `json:"password" validate:"required,min=8,max=1024"`

	FirstName  string `json:"first_name" validate:"required,max=100"`
	LastName   string `json:"last_name" validate:"required,max=100"`
	PictureURL string `json:"picture_url" validate:"omitempty,max=2048,http_url"`
	// Phone is in E.164 form, or empty.
	Phone string `json:"phone" validate:"omitempty,e164"`
	// PreferredLanguage, MotherTongue and SpokenLanguages are BCP 47 tags.
	PreferredLanguage string   `json:"preferred_language" validate:"omitempty,bcp47_language_tag"`
	MotherTongue      string   `json:"mother_tongue" validate:"omitempty,bcp47_language_tag"`
	SpokenLanguages   []string `json:"spoken_languages" validate:"max=20,unique,dive,bcp47_language_tag"`
	// Timezone is an IANA name such as "Europe/Paris", or empty.
	Timezone string `json:"timezone" validate:"omitempty,timezone"`
	// Type is Individual or Organization; CompanyName is required for an
	// organization and must be empty for an individual.
	Type        UserType `json:"type" validate:"required,oneof=individual organization"`
	CompanyName string   `json:"company_name" validate:"required_if=Type organization,excluded_unless=Type organization,max=200"`
	// DateOfBirth is a calendar date in the past, not before 1900, or nil.
	DateOfBirth        *time.Time `json:"date_of_birth" validate:"omitnil,plausible_birth_date"`
	CountryOfResidence string     `json:"country_of_residence" validate:"omitempty,iso3166_1_alpha2"`
	PostalAddress      Address    `json:"postal_address"`
	LocationAddress    Address    `json:"location_address"`
	// Roles holds RoleAsker, RoleOfferor or both (both only on a switch
	// platform).
	Roles []Role `json:"roles" validate:"required,min=1,max=2,unique,dive,oneof=asker offeror"`
}

// normalizeEmail is the form of an email that uniqueness compares: trimmed,
// Unicode NFC, lowercased.
func normalizeEmail(email string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(email)))
}

// Register signs a user up: it validates reg, hashes the password with
// argon2id and stores the user with the platform's default initial status
// (Settings.DefaultUserStatus). There is deliberately no operator path that
// creates a user.
//
// Returns a *ValidationError (ErrInvalid) naming every bad field, including
// "roles" when a non-switch platform is given two roles; ErrEmailTaken when
// the email is registered already in any letter case.
func (s *Service) Register(ctx context.Context, db bun.IDB, reg Registration) (*User, error) {
	reg.Email = strings.TrimSpace(reg.Email)
	if err := s.check(reg); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, reg.Password)
	if err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.clock()
	u := &User{
		ID:                 id,
		PictureURL:         reg.PictureURL,
		FirstName:          strings.TrimSpace(reg.FirstName),
		LastName:           strings.TrimSpace(reg.LastName),
		Email:              reg.Email,
		EmailNormalized:    normalizeEmail(reg.Email),
		Phone:              reg.Phone,
		PreferredLanguage:  reg.PreferredLanguage,
		MotherTongue:       reg.MotherTongue,
		SpokenLanguages:    sortedUnique(reg.SpokenLanguages),
		Timezone:           reg.Timezone,
		Type:               reg.Type,
		CompanyName:        reg.CompanyName,
		DateOfBirth:        dateOnly(reg.DateOfBirth),
		CountryOfResidence: reg.CountryOfResidence,
		PostalAddress:      reg.PostalAddress,
		LocationAddress:    reg.LocationAddress,
		Roles:              sortedUnique(reg.Roles),
		PasswordHash:       hash,
		CreatedAt:          now,
		UpdatedAt:          now,
		Version:            1,
	}
	err = inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		settings, err := GetSettings(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkRoles(settings.PlatformMode, u.Roles); err != nil {
			return err
		}
		u.Status = settings.DefaultUserStatus
		if !u.Status.Valid() {
			u.Status = StatusLive
		}
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// checkRoles enforces the platform mode: on a non-switch platform a user
// has exactly one role.
func checkRoles(mode PlatformMode, roles []Role) error {
	if len(roles) == 0 {
		return invalid("roles", "required", "is required")
	}
	if mode == NonSwitchMode && len(roles) != 1 {
		return invalid("roles", "non_switch_single_role",
			"this platform does not let a user be both asker and offeror: give exactly one role")
	}
	return nil
}

// dateOnly drops the time of day, keeping the calendar date in UTC.
func dateOnly(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	y, m, d := t.Date()
	out := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &out
}
