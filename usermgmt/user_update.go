package usermgmt

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// UserUpdate is a partial update of a user's profile: nil fields are left
// as they are. Version must be the version the change was made against; a
// user changed since then is not overwritten (ErrStaleVersion).
type UserUpdate struct {
	Version int64 `json:"version" validate:"gt=0"`

	PictureURL         *string    `json:"picture_url" validate:"omitnil,max=2048,omitempty,http_url"`
	FirstName          *string    `json:"first_name" validate:"omitnil,min=1,max=100"`
	LastName           *string    `json:"last_name" validate:"omitnil,min=1,max=100"`
	Email              *string    `json:"email" validate:"omitnil,max=254,email"`
	Phone              *string    `json:"phone" validate:"omitnil,omitempty,e164"`
	PreferredLanguage  *string    `json:"preferred_language" validate:"omitnil,omitempty,bcp47_language_tag"`
	MotherTongue       *string    `json:"mother_tongue" validate:"omitnil,omitempty,bcp47_language_tag"`
	SpokenLanguages    *[]string  `json:"spoken_languages" validate:"omitnil,max=20,unique,dive,bcp47_language_tag"`
	Timezone           *string    `json:"timezone" validate:"omitnil,omitempty,timezone"`
	Type               *UserType  `json:"type" validate:"omitnil,oneof=individual organization"`
	CompanyName        *string    `json:"company_name" validate:"omitnil,max=200"`
	DateOfBirth        *time.Time `json:"date_of_birth" validate:"omitnil,plausible_birth_date"`
	CountryOfResidence *string    `json:"country_of_residence" validate:"omitnil,omitempty,iso3166_1_alpha2"`
	PostalAddress      *Address   `json:"postal_address" validate:"omitnil"`
	LocationAddress    *Address   `json:"location_address" validate:"omitnil"`
	Roles              *[]Role    `json:"roles" validate:"omitnil,min=1,max=2,unique,dive,oneof=asker offeror"`
}

// UpdateUser applies a partial update on behalf of an operator holding
// PermEditProfile, and audits it (the names of the changed fields; values
// only for the non-personal ones: type and roles).
//
// Returns a *PermissionError (ErrForbidden), ErrNotFound, a
// *ValidationError (ErrInvalid) naming each bad field (also "roles" on a
// non-switch platform given two roles, and "company_name" when an
// organization would have none), ErrStaleVersion when upd.Version is not
// current, ErrEmailTaken. On error nothing is written.
func (s *Service) UpdateUser(ctx context.Context, db bun.IDB, actor, userID uuid.UUID, upd UserUpdate) (*User, error) {
	return s.update(ctx, db, &actor, userID, upd)
}

// UpdateOwnProfile applies a partial update made by the user themself in
// the front office. Same rules and errors as UpdateUser, without the
// permission check and the audit record.
func (s *Service) UpdateOwnProfile(ctx context.Context, db bun.IDB, userID uuid.UUID, upd UserUpdate) (*User, error) {
	return s.update(ctx, db, nil, userID, upd)
}

// ProfileChange describes a profile update, for hooks.
type ProfileChange struct {
	// UserID is the user whose profile changed.
	UserID uuid.UUID
	// Fields are the JSON names of the fields that changed ("email",
	// "phone", "postal_address", …), plus "email_verified" or
	// "phone_verified" when the change cleared that flag.
	Fields []string
	// OperatorID is the operator who made the change, or nil when the
	// user did (UpdateOwnProfile) or the host's system path.
	OperatorID *uuid.UUID
	// Before and After are the user as read before the change and as
	// written. Hooks must not modify them.
	Before, After *User
}

// Changed reports whether field is among the changed fields.
func (c ProfileChange) Changed(field string) bool { return slices.Contains(c.Fields, field) }

// ProfileHook is called for every profile update that changes at least
// one field, inside the transaction that writes it and after the write:
// tx joins that transaction, so that a package built on usermgmt (the
// verification package sending a confirmation link to a new address, say)
// commits or rolls back with the change. An error from the hook aborts
// the update.
type ProfileHook func(ctx context.Context, tx bun.IDB, change ProfileChange) error

// OnProfileChange registers a hook; hooks run in registration order.
func (s *Service) OnProfileChange(h ProfileHook) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.profileHooks = append(s.profileHooks, h)
}

func (s *Service) profileChangeHooks() []ProfileHook {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return append([]ProfileHook(nil), s.profileHooks...)
}

func (s *Service) update(ctx context.Context, db bun.IDB, actor *uuid.UUID, userID uuid.UUID, upd UserUpdate) (*User, error) {
	if err := s.check(upd); err != nil {
		return nil, err
	}
	var out *User
	err := inTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if actor != nil {
			if _, err := s.Authorize(ctx, tx, *actor, PermEditProfile); err != nil {
				return err
			}
		}
		u, err := getLiveUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.Version != upd.Version {
			return ErrStaleVersion
		}
		old := *u
		before := map[string]any{"type": u.Type, "roles": u.Roles}
		var columns, fields []string
		set := func(field, column string, changed bool) {
			if changed {
				fields = append(fields, field)
				if column != "" {
					columns = append(columns, column)
				}
			}
		}
		str := func(dst *string, v *string, field, column string) {
			if v != nil && strings.TrimSpace(*v) != *dst {
				*dst = strings.TrimSpace(*v)
				set(field, column, true)
			}
		}
		str(&u.PictureURL, upd.PictureURL, "picture_url", "picture_url")
		str(&u.FirstName, upd.FirstName, "first_name", "first_name")
		str(&u.LastName, upd.LastName, "last_name", "last_name")
		if upd.Email != nil && strings.TrimSpace(*upd.Email) != u.Email {
			u.Email = strings.TrimSpace(*upd.Email)
			u.EmailNormalized = normalizeEmail(u.Email)
			set("email", "email", true)
			columns = append(columns, "email_normalized")
		}
		str(&u.Phone, upd.Phone, "phone", "phone")
		str(&u.PreferredLanguage, upd.PreferredLanguage, "preferred_language", "preferred_language")
		str(&u.MotherTongue, upd.MotherTongue, "mother_tongue", "mother_tongue")
		str(&u.Timezone, upd.Timezone, "timezone", "timezone")
		str(&u.CompanyName, upd.CompanyName, "company_name", "company_name")
		str(&u.CountryOfResidence, upd.CountryOfResidence, "country_of_residence", "country_of_residence")
		if upd.Type != nil && *upd.Type != u.Type {
			u.Type = *upd.Type
			set("type", "user_type", true)
		}
		if upd.DateOfBirth != nil {
			dob := dateOnly(upd.DateOfBirth)
			if u.DateOfBirth == nil || !u.DateOfBirth.Equal(*dob) {
				u.DateOfBirth = dob
				set("date_of_birth", "date_of_birth", true)
			}
		}
		if upd.PostalAddress != nil && *upd.PostalAddress != u.PostalAddress {
			u.PostalAddress = *upd.PostalAddress
			set("postal_address", "", true)
			columns = append(columns, "postal_line1", "postal_line2", "postal_postal_code", "postal_city", "postal_region", "postal_country")
		}
		if upd.LocationAddress != nil && *upd.LocationAddress != u.LocationAddress {
			u.LocationAddress = *upd.LocationAddress
			set("location_address", "", true)
			columns = append(columns, "location_line1", "location_line2", "location_postal_code", "location_city", "location_region", "location_country")
		}
		langsChanged, rolesChanged := false, false
		if upd.SpokenLanguages != nil {
			if l := sortedUnique(*upd.SpokenLanguages); !slices.Equal(l, u.SpokenLanguages) {
				u.SpokenLanguages, langsChanged = l, true
				set("spoken_languages", "", true)
			}
		}
		if upd.Roles != nil {
			if r := sortedUnique(*upd.Roles); !slices.Equal(r, u.Roles) {
				settings, err := GetSettings(ctx, tx)
				if err != nil {
					return err
				}
				if err := checkRoles(settings.PlatformMode, r); err != nil {
					return err
				}
				u.Roles, rolesChanged = r, true
				set("roles", "", true)
			}
		}
		// Cross-field rule: an organization has a company name, an
		// individual none.
		if u.Type == Organization && u.CompanyName == "" {
			return invalid("company_name", "required_if", "is required for an organization")
		}
		if u.Type == Individual && u.CompanyName != "" {
			return invalid("company_name", "excluded_unless", "must be empty for an individual")
		}
		out = u
		if len(fields) == 0 {
			return nil // nothing changed: no write, no audit, same version
		}
		u.UpdatedAt = s.clock()
		// A verification flag vouches for one value: a new email or phone
		// is not verified, whoever typed it.
		unverify := func(field string, v *Verification) {
			if slices.Contains(fields, field) && (v.Verified || v.At != nil) {
				*v = Verification{}
				fields = append(fields, field+"_verified")
				columns = append(columns, field+"_verified", field+"_verified_at", field+"_verified_by")
			}
		}
		unverify("email", &u.Verifications.Email)
		unverify("phone", &u.Verifications.Phone)
		if err := updateUserColumns(ctx, tx, u, upd.Version, columns...); err != nil {
			return err
		}
		if langsChanged {
			if err := replaceLanguages(ctx, tx, u.ID, u.SpokenLanguages); err != nil {
				return err
			}
		}
		if rolesChanged {
			if err := replaceRoles(ctx, tx, u.ID, u.Roles); err != nil {
				return err
			}
		}
		change := ProfileChange{UserID: u.ID, Fields: fields, OperatorID: actor, Before: &old, After: u}
		for _, h := range s.profileChangeHooks() {
			if err := h(ctx, tx, change); err != nil {
				return err
			}
		}
		if actor == nil {
			return nil
		}
		after := map[string]any{"type": u.Type, "roles": u.Roles}
		for k := range before {
			if !slices.Contains(fields, k) {
				delete(before, k)
				delete(after, k)
			}
		}
		_, err = s.RecordAudit(ctx, tx, AuditEntry{
			OperatorID: actor, UserID: &u.ID, Action: ActionUserUpdate, Fields: fields,
			Before: before, After: after,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func jsonMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonValue(v)
	}
	return out
}
