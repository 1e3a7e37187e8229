package usermgmt

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// OwnData is the part of a user's own data export (GDPR art. 15 and 20)
// that usermgmt holds: the account with its roles, languages,
// verification flags and counters, the bank account, the guests and the
// categories, in clear, in a shape that encodes to JSON as is. Secrets are
// never in it (the password hash and invitation token hashes do not
// encode); neither is the audit log, which records operators' actions.
// Packages built on usermgmt add their own parts beside it (for example
// usermgmt/activity's ExportOwnActivity).
type OwnData struct {
	UserID     uuid.UUID `json:"user_id"`
	ExportedAt time.Time `json:"exported_at"`
	User       *User     `json:"user"`
	// BankAccount is nil when the user has none.
	BankAccount *BankAccount `json:"bank_account"`
	Guests      []Guest      `json:"guests"`
	Categories  []Category   `json:"categories"`
}

// ExportOwnData returns what usermgmt holds about the user, for the data
// export the user asks for in the front office. It is the user's alone:
// under an impersonation (ctx carries an Impersonator) it returns
// ErrUnderImpersonation, since an operator reads a user's data through the
// back office's audited, masked views, never as a bulk download. Returns
// ErrNotFound for an unknown or erased user.
func (s *Service) ExportOwnData(ctx context.Context, db bun.IDB, userID uuid.UUID) (*OwnData, error) {
	if _, ok := ImpersonatorFrom(ctx); ok {
		return nil, ErrUnderImpersonation
	}
	u, err := s.GetOwnUser(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	out := &OwnData{UserID: userID, ExportedAt: s.clock(), User: u, Guests: []Guest{}, Categories: []Category{}}
	if out.BankAccount, err = s.GetOwnBankAccount(ctx, db, userID); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	gs, err := s.ListOwnGuests(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if gs != nil {
		out.Guests = gs
	}
	cs, err := s.UserCategories(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	if cs != nil {
		out.Categories = cs
	}
	return out, nil
}
