package usermgmt

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// PersonalFields are the JSON names of the user fields that count as
// personal data: an operator without PermReadPersonalData (the support
// role) reads them masked, in every operator read of the library — the
// detail view (GetUser, GetUserDetail), guests, the users list, exports —
// and under an impersonation alike.
//
// What stays visible, and why: names, company name, picture, languages,
// time zone, country of residence, roles, status, fees, counters and
// verification flags. Support must find a user by name and help them with
// their profile; none of these lets anyone contact, locate, pay or
// identify a person beyond what their public profile shows.
//
// How each is masked:
//   - email: MaskEmail ("j•••@e•••.com"); guests' emails too;
//   - phone: MaskPhone ("+33 •• •• •• 78");
//   - date_of_birth: removed (nil); a masked date would still be a date;
//   - postal_address and location_address: every line, the postal code and
//     the region become "•••" when set; city and country stay, as on the
//     public profile;
//   - psp.account_id: the provider's identifier keeps its first character;
//   - the bank account: holder initials, IBAN country code and last four
//     (GetBankAccount; revealing it in clear needs the permission and is
//     audited).
func PersonalFields() []string {
	return []string{"email", "phone", "date_of_birth", "postal_address", "location_address", "psp.account_id", "bank_account"}
}

// maskPersonal hides the personal fields of u in place, clears the
// columns derived from them, and sets Masked.
func (u *User) maskPersonal() {
	u.Email, u.Phone = MaskEmail(u.Email), MaskPhone(u.Phone)
	u.DateOfBirth = nil
	u.PostalAddress, u.LocationAddress = maskAddress(u.PostalAddress), maskAddress(u.LocationAddress)
	if u.PSP.AccountID != "" {
		u.PSP.AccountID = firstRune(u.PSP.AccountID) + maskDots
	}
	u.EmailNormalized, u.SearchText, u.NameText, u.PhoneDigits, u.PasswordHash = "", "", "", "", ""
	u.Masked = true
}

func maskAddress(a Address) Address {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return maskDots
	}
	return Address{Line1: hide(a.Line1), Line2: hide(a.Line2), PostalCode: hide(a.PostalCode), City: a.City, Region: hide(a.Region), Country: a.Country}
}

// seesPersonalData says whether an operator reads personal data in clear.
func (s *Service) seesPersonalData(op *Operator) bool { return s.Can(op, PermReadPersonalData) }

// Impersonator is an operator acting in the front office as a user,
// through an impersonation token (package usermgmt/impersonation puts it
// in the request's context). The library's own-account reads and writes
// consult it: what the operator may not see is masked exactly as in the
// back office, every clear view of personal data is audited as a reveal,
// and the user's credentials cannot be changed.
type Impersonator struct {
	// OperatorID is the acting operator.
	OperatorID uuid.UUID
	// TokenID identifies the impersonation token, for the audit trail.
	TokenID uuid.UUID
}

type impersonatorKey struct{}

// WithImpersonator returns a copy of ctx that says the work is done by an
// operator impersonating the user. The impersonation package's middleware
// and NewContext call it; a host that runs impersonated work another way
// must call it too.
func WithImpersonator(ctx context.Context, imp Impersonator) context.Context {
	return context.WithValue(ctx, impersonatorKey{}, imp)
}

// ImpersonatorFrom returns the impersonator ctx carries, if any.
func ImpersonatorFrom(ctx context.Context) (Impersonator, bool) {
	imp, ok := ctx.Value(impersonatorKey{}).(Impersonator)
	return imp, ok
}

// NotImpersonated returns ErrUnderImpersonation when ctx carries an
// impersonator, and nil otherwise: the guard for a host's own actions that
// only the user may take (credentials, payouts, deleting the account).
func NotImpersonated(ctx context.Context) error {
	if _, ok := ImpersonatorFrom(ctx); ok {
		return ErrUnderImpersonation
	}
	return nil
}

// impersonatorView decides what an impersonating operator sees of the
// user's own data: masked without PermReadPersonalData; in clear with it,
// in which case the view is audited (ActionPersonalDataView, the fields
// named) on db. A deactivated or unknown operator sees nothing
// (ErrForbidden).
func (s *Service) impersonatorView(ctx context.Context, db bun.IDB, imp Impersonator, userID uuid.UUID, fields ...string) (clear bool, err error) {
	op, err := s.Authorize(ctx, db, imp.OperatorID, PermImpersonate)
	if err != nil {
		return false, err
	}
	if !s.seesPersonalData(op) {
		return false, nil
	}
	_, err = s.RecordAudit(ctx, db, AuditEntry{
		OperatorID: &op.ID, UserID: &userID, Action: ActionPersonalDataView, Fields: fields,
		After: map[string]any{"impersonation_token": imp.TokenID.String()},
	})
	return err == nil, err
}
