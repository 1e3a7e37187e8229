package usermgmt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/userdesk/userdesk/fees"
)

// GetUser reads a user for an operator holding PermReadUsers. The fields
// of PersonalFields come masked (User.Masked) unless the operator holds
// PermReadPersonalData. An erased user (a tombstone) is not found.
// Returns a *PermissionError (ErrForbidden) or ErrNotFound.
func (s *Service) GetUser(ctx context.Context, db bun.IDB, actor, id uuid.UUID) (*User, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	u, err := getLiveUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !s.seesPersonalData(op) {
		u.maskPersonal()
	}
	return u, nil
}

// GetOwnUser reads the user for the user themself (the front office's
// "me"), in clear. Under an impersonation (ctx carries an Impersonator),
// the operator sees what the back office would show them: masked without
// PermReadPersonalData, and in clear with it, each clear view audited as
// ActionPersonalDataView. An erased user is not found.
// Returns ErrNotFound, or a *PermissionError when the impersonating
// operator is deactivated or may no longer impersonate.
func (s *Service) GetOwnUser(ctx context.Context, db bun.IDB, id uuid.UUID) (*User, error) {
	u, err := getLiveUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if imp, ok := ImpersonatorFrom(ctx); ok {
		clear, err := s.impersonatorView(ctx, db, imp, id, PersonalFields()[:6]...)
		if err != nil {
			return nil, err
		}
		if !clear {
			u.maskPersonal()
		}
	}
	return u, nil
}

// UserDetail is everything the back office's detail view shows of a user,
// read with one permission check: the user (with roles, languages,
// verification flags, counters), the bank account (always masked here;
// GetBankAccount reveals it), the guests, the fee card and the
// categories. Its User never carries the password hash nor the search and
// sort columns derived from personal data (PasswordHash, SearchText,
// NameText, PhoneDigits, SortName are empty), even in clear.
type UserDetail struct {
	*User
	// FullName is the user's name as the back office shows it.
	FullName string `json:"full_name"`
	// BankAccount is nil when the user has none.
	BankAccount *BankAccount `json:"bank_account"`
	Guests      []Guest      `json:"guests"`
	Fees        *UserFees    `json:"fee_card"`
	Categories  []Category   `json:"categories"`
}

// GetUserDetail reads the detail view of a user for an operator holding
// PermReadUsers; personal data (the user's and the guests' emails) is
// masked unless the operator holds PermReadPersonalData. The reads run on
// db as given, outside any transaction of their own, so that on SQLite
// they never wait behind writers. An erased user is not found.
// Returns a *PermissionError, ErrNotFound, or ErrNoBankKey when the user
// has a bank account and the Service no key to open it.
func (s *Service) GetUserDetail(ctx context.Context, db bun.IDB, actor, id uuid.UUID) (*UserDetail, error) {
	op, err := s.Authorize(ctx, db, actor, PermReadUsers)
	if err != nil {
		return nil, err
	}
	return s.userDetail(ctx, db, op, id)
}

// userDetail builds the detail view of user id for op, already
// authorized.
func (s *Service) userDetail(ctx context.Context, db bun.IDB, op *Operator, id uuid.UUID) (*UserDetail, error) {
	r, err := selectUserDetail(ctx, db, &s.hot, id)
	if err != nil {
		return nil, err
	}
	return s.detailOf(op, id, r)
}

// detailOf builds the detail view of user id for op from its read r:
// the fees resolved, personal data masked unless op sees it in clear, the
// bank account opened and masked.
func (s *Service) detailOf(op *Operator, id uuid.UUID, r *userDetailRead) (*UserDetail, error) {
	u := r.User
	clear := s.seesPersonalData(op)
	d := &UserDetail{User: u, FullName: u.FullName(), Guests: r.Guests, Categories: r.Categories}
	schedule, mode, err := fees.Resolve(r.Settings.StandardFees(), u.Fees)
	if err != nil {
		return nil, err
	}
	d.Fees = &UserFees{Override: u.Fees, Schedule: schedule, Mode: mode}
	if !clear {
		u.maskPersonal()
		for i := range d.Guests {
			d.Guests[i].maskPersonal()
		}
	}
	if r.Bank != nil {
		acct, err := s.openBankAccount(id, r.Bank.KeyID, r.Bank.Sealed, r.Bank.UpdatedAt)
		if err != nil {
			return nil, err
		}
		acct.mask()
		d.BankAccount = acct
	}
	return d, nil
}

// PublicProfile is what other users see of a user in the front office:
// no contact details, the last name shortened to its initial, the city
// and country of the location address.
type PublicProfile struct {
	ID              uuid.UUID `json:"id"`
	PictureURL      string    `json:"picture_url"`
	DisplayName     string    `json:"display_name"`
	Type            UserType  `json:"type"`
	CompanyName     string    `json:"company_name,omitempty"`
	MotherTongue    string    `json:"mother_tongue"`
	SpokenLanguages []string  `json:"spoken_languages"`
	City            string    `json:"city"`
	Country         string    `json:"country"`
	Listings        int64     `json:"listings"`
	ReviewsReceived int64     `json:"reviews_received"`
	// MemberSince is the month of registration, "2026-01".
	MemberSince string `json:"member_since"`
}

// GetPublicProfile returns a user's public profile as other users see it.
// A profile whose status hides it (Status.Allows(CanBeSeen) is false) and
// an erased user are ErrProfileHidden and ErrNotFound. No permission check:
// the profile is public by definition.
func (s *Service) GetPublicProfile(ctx context.Context, db bun.IDB, id uuid.UUID) (*PublicProfile, error) {
	u, err := getLiveUser(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !u.Status.Allows(CanBeSeen) {
		return nil, &ProfileHiddenError{Status: u.Status}
	}
	name := u.FirstName
	if last := []rune(u.LastName); len(last) > 0 {
		name += " " + string(last[0]) + "."
	}
	return &PublicProfile{
		ID: u.ID, PictureURL: u.PictureURL, DisplayName: name, Type: u.Type, CompanyName: u.CompanyName,
		MotherTongue: u.MotherTongue, SpokenLanguages: u.SpokenLanguages, City: u.LocationAddress.City,
		Country: u.LocationAddress.Country, Listings: u.Counters.Listings, ReviewsReceived: u.Counters.ReviewsReceived,
		MemberSince: u.CreatedAt.Format("2006-01"),
	}, nil
}

// ProfileHiddenError says that a user's status hides their public
// profile. It matches ErrProfileHidden with errors.Is.
type ProfileHiddenError struct {
	// Status is the user's status.
	Status Status
}

// Error describes the refusal.
func (e *ProfileHiddenError) Error() string {
	return "usermgmt: profile hidden: its status is " + string(e.Status)
}

// Is makes errors.Is(err, ErrProfileHidden) true.
func (e *ProfileHiddenError) Is(target error) bool { return target == ErrProfileHidden }

// Standing is the part of a user that access decisions need.
type Standing struct {
	Status  Status
	Deleted bool
}

// UserStanding reads a user's status and erasure mark in one indexed
// query, for hot paths such as verifying a token on every request.
// Returns ErrNotFound.
func (s *Service) UserStanding(ctx context.Context, db bun.IDB, id uuid.UUID) (Standing, error) {
	var row struct {
		Status    Status     `bun:"status"`
		DeletedAt *time.Time `bun:"deleted_at"`
	}
	err := db.NewSelect().Model((*User)(nil)).Column("status", "deleted_at").Where("id = ?", id).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return Standing{}, ErrNotFound
	}
	if err != nil {
		return Standing{}, fmt.Errorf("usermgmt: user standing: %w", err)
	}
	return Standing{Status: row.Status, Deleted: row.DeletedAt != nil}, nil
}
