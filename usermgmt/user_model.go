package usermgmt

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// Role is what a user does on the platform.
type Role string

// The user roles.
const (
	// RoleAsker is a customer: the user books and buys.
	RoleAsker Role = "asker"
	// RoleOfferor is a vendor: the user offers and sells.
	RoleOfferor Role = "offeror"
)

// UserType says whether a user is a person or a legal entity.
type UserType string

// The user types.
const (
	// Individual is a physical person.
	Individual UserType = "individual"
	// Organization is a legal entity; it has a company name.
	Organization UserType = "organization"
)

// Address is a postal address.
type Address struct {
	Line1      string `bun:"line1,notnull" json:"line1" validate:"max=200"`
	Line2      string `bun:"line2,notnull" json:"line2" validate:"max=200"`
	PostalCode string `bun:"postal_code,notnull" json:"postal_code" validate:"max=20"`
	City       string `bun:"city,notnull" json:"city" validate:"max=100"`
	Region     string `bun:"region,notnull" json:"region" validate:"max=100"`
	// Country is an ISO 3166-1 alpha-2 code such as "FR".
	Country string `bun:"country,notnull" json:"country" validate:"omitempty,iso3166_1_alpha2"`
}

// User is one of the platform's vendors or customers.
type User struct {
	bun.BaseModel `bun:"table:userdesk_users"`

	// ID is the user's UID, a UUIDv7 (time ordered).
	ID uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// PictureURL is the profile picture; empty when there is none.
	PictureURL string `bun:"picture_url,notnull" json:"picture_url"`
	FirstName  string `bun:"first_name,notnull" json:"first_name"`
	LastName   string `bun:"last_name,notnull" json:"last_name"`
	// Email is the address as the user typed it; uniqueness ignores case.
	Email string `bun:"email,notnull" json:"email"`
	// EmailNormalized is Email trimmed and lowercased: the unique key.
	// The package keeps it in step with Email.
	EmailNormalized string `bun:"email_normalized,notnull" json:"-"`
	// Phone is in E.164 form ("+33612345678"); empty when unknown.
	Phone string `bun:"phone,notnull" json:"phone"`
	// PreferredLanguage, MotherTongue and SpokenLanguages are BCP 47 tags.
	PreferredLanguage string   `bun:"preferred_language,notnull" json:"preferred_language"`
	MotherTongue      string   `bun:"mother_tongue,notnull" json:"mother_tongue"`
	SpokenLanguages   []string `bun:"-" json:"spoken_languages"`
	// Timezone is an IANA name such as "Europe/Paris".
	Timezone string   `bun:"timezone,notnull" json:"timezone"`
	Type     UserType `bun:"user_type,notnull" json:"type"`
	// CompanyName is set for organizations only.
	CompanyName string `bun:"company_name,notnull" json:"company_name"`
	// DateOfBirth is a calendar date (midnight UTC), or nil.
	DateOfBirth *time.Time `bun:"date_of_birth,type:date" json:"date_of_birth"`
	// CountryOfResidence is an ISO 3166-1 alpha-2 code.
	CountryOfResidence string `bun:"country_of_residence,notnull" json:"country_of_residence"`
	// PostalAddress is the billing address, used for KYC / KYB.
	PostalAddress Address `bun:"embed:postal_" json:"postal_address"`
	// LocationAddress is the public location shown on the profile.
	LocationAddress Address `bun:"embed:location_" json:"location_address"`
	Status          Status  `bun:"status,notnull" json:"status"`
	Roles           []Role  `bun:"-" json:"roles"`
	// PasswordHash is the argon2id hash in PHC form, never serialised.
	PasswordHash string `bun:"password_hash,notnull" json:"-"`
	// SearchText and PhoneDigits feed the keyword search; the package
	// keeps them in step with the fields they come from.
	SearchText string `bun:"search_text,notnull" json:"-"`
	// NameText is the part of SearchText that is not personal data (names,
	// company): what an operator without PermReadPersonalData searches
	// by fragments.
	NameText    string `bun:"name_text,notnull" json:"-"`
	PhoneDigits string `bun:"phone_digits,notnull" json:"-"`
	// SortName is the alphabetical sort key of the users list (last name,
	// then first name, normalised); the package keeps it in step.
	SortName string `bun:"sort_name,notnull" json:"-"`
	// PasswordTemporary is true when an operator set the password: the
	// user must choose a new one at the next login.
	PasswordTemporary bool `bun:"password_temporary,notnull" json:"password_temporary"`
	// PSP holds the payment service provider's view of the user.
	PSP PSPDetails `bun:"embed:psp_" json:"psp"`
	// Counters are the side card's counts, kept for the host.
	Counters Counters `bun:"embed:" json:"counters"`
	// Fees is the user's fee override; see package fees for empty versus
	// zero and the "use standard platform fees" switch.
	Fees fees.Override `bun:"embed:fee_" json:"fees"`
	// Verifications are the ID, email and phone verification flags.
	Verifications Verifications `bun:"embed:" json:"verifications"`
	// DeletedAt and DeletedBy are set when the user was erased; the row
	// is then a tombstone without personal data.
	DeletedAt *time.Time `bun:"deleted_at" json:"deleted_at,omitempty"`
	DeletedBy *uuid.UUID `bun:"deleted_by,type:uuid" json:"deleted_by,omitempty"`
	// CreatedAt and UpdatedAt are UTC.
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at,notnull" json:"updated_at"`
	// Version grows by one at every change; updates must name the version
	// they were made against.
	Version int64 `bun:"version,notnull" json:"version"`
	// Masked is true when the reader may not see personal data: the
	// fields of PersonalFields are then masked or removed.
	Masked bool `bun:"-" json:"masked"`
}

// PSPDetails is what the payment service provider reports about a user.
type PSPDetails struct {
	// Provider names the PSP ("stripe", "mangopay", …); empty when none.
	Provider string `bun:"provider,notnull" json:"provider"`
	// AccountID is the user's ID at the provider.
	AccountID string `bun:"account_id,notnull" json:"account_id"`
	// CanBePaid: the platform can receive funds for this vendor.
	CanBePaid bool `bun:"can_be_paid,notnull" json:"can_be_paid"`
	// CanBePaidOut: the provider has what it needs to pay the vendor out.
	CanBePaidOut bool `bun:"can_be_paid_out,notnull" json:"can_be_paid_out"`
	// UpdatedAt is when the provider last reported, or nil.
	UpdatedAt *time.Time `bun:"updated_at" json:"updated_at"`
}

// Counters are the side card's counts of what the host owns (listings,
// bookings, reviews). They never go below zero.
type Counters struct {
	Listings        int64 `bun:"listings_count,notnull" json:"listings"`
	AskerBookings   int64 `bun:"asker_bookings_count,notnull" json:"asker_bookings"`
	OfferorBookings int64 `bun:"offeror_bookings_count,notnull" json:"offeror_bookings"`
	ReviewsReceived int64 `bun:"reviews_received_count,notnull" json:"reviews_received"`
	ReviewsMade     int64 `bun:"reviews_made_count,notnull" json:"reviews_made"`
}

// Verification is one verification flag with who set it and when.
type Verification struct {
	Verified bool `bun:"verified,notnull" json:"verified"`
	// At is when the flag last changed; nil if it never did.
	At *time.Time `bun:"verified_at" json:"at"`
	// By is the operator who set it; nil with At set means the system
	// (an automatic flow such as an email link or a PSP's KYC).
	By *uuid.UUID `bun:"verified_by,type:uuid" json:"by"`
}

// Verifications are the user's three verification flags.
type Verifications struct {
	ID    Verification `bun:"embed:id_" json:"id"`
	Email Verification `bun:"embed:email_" json:"email"`
	Phone Verification `bun:"embed:phone_" json:"phone"`
}

// Deleted reports whether the user was erased.
func (u *User) Deleted() bool { return u.DeletedAt != nil }

// HasRole reports whether u has role r.
func (u *User) HasRole(r Role) bool {
	for _, have := range u.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// FullName is the first and last name joined by a space.
func (u *User) FullName() string {
	switch {
	case u.FirstName == "":
		return u.LastName
	case u.LastName == "":
		return u.FirstName
	}
	return u.FirstName + " " + u.LastName
}

// userRole and userLanguage are the join tables behind User.Roles and
// User.SpokenLanguages.
type userRole struct {
	bun.BaseModel `bun:"table:userdesk_user_roles"`
	UserID        uuid.UUID `bun:"user_id,pk,type:uuid"`
	Role          Role      `bun:"role,pk"`
}

type userLanguage struct {
	bun.BaseModel `bun:"table:userdesk_user_languages"`
	UserID        uuid.UUID `bun:"user_id,pk,type:uuid"`
	Language      string    `bun:"language,pk"`
}
