package sevenrooms

import (
	"strings"
	"time"

	"github.com/userdesk/userdesk/thirdparty"
	"github.com/userdesk/userdesk/usermgmt"
)

// The merged fields, in the order shown. The app's fields are usermgmt's;
// SevenRooms' are the profile's. Fields only SevenRooms stores (alternate
// email and phone, tags, marketing consent) are not merged: the app user
// has nothing to merge them with, and SevenRooms keeps them as they are.
const (
	FieldFirstName  = "first_name"
	FieldLastName   = "last_name"
	FieldEmail      = "email"
	FieldPhone      = "phone"
	FieldBirthday   = "birthday"
	FieldLanguage   = "preferred_language"
	FieldAddress1   = "address_line1"
	FieldAddress2   = "address_line2"
	FieldPostalCode = "postal_code"
	FieldCity       = "city"
	FieldRegion     = "region"
	FieldCountry    = "country"
)

func foldEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// foldPhone keeps a leading plus and the digits: "+33 6 12-34" is
// "+33612 34" is "+3361234".
func foldPhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func verifiedAt(v usermgmt.Verification) *time.Time {
	if !v.Verified {
		return nil
	}
	return v.At
}

// mergeFields pairs the app user's fields with the profile's.
func mergeFields(u *usermgmt.User, p *Profile) []thirdparty.Field {
	text := func(name, app, prov string) thirdparty.Field {
		return thirdparty.Field{Name: name, Kind: thirdparty.KindSingle, App: thirdparty.Text(app), Provider: thirdparty.Text(prov)}
	}
	email := text(FieldEmail, u.Email, p.Email)
	email.Fold, email.AppVerifiedAt = foldEmail, verifiedAt(u.Verifications.Email)
	phone := text(FieldPhone, u.Phone, p.PhoneNumber)
	phone.Fold, phone.AppVerifiedAt = foldPhone, verifiedAt(u.Verifications.Phone)
	lang := text(FieldLanguage, u.PreferredLanguage, p.PreferredLanguage)
	lang.Fold = foldEmail
	country := text(FieldCountry, u.PostalAddress.Country, p.Country)
	country.Fold = foldEmail
	bday := thirdparty.Field{Name: FieldBirthday, Kind: thirdparty.KindBirthday, NeedsYear: thirdparty.SideApp}
	if d := u.DateOfBirth; d != nil {
		bday.App.Birthday = &thirdparty.Birthday{Year: d.Year(), Month: int(d.Month()), Day: d.Day()}
	}
	if p.BirthdayMonth != 0 && p.BirthdayDay != 0 {
		bday.Provider.Birthday = &thirdparty.Birthday{Month: p.BirthdayMonth, Day: p.BirthdayDay}
	}
	return []thirdparty.Field{
		text(FieldFirstName, u.FirstName, p.FirstName),
		text(FieldLastName, u.LastName, p.LastName),
		email, phone, bday, lang,
		text(FieldAddress1, u.PostalAddress.Line1, p.Address),
		text(FieldAddress2, u.PostalAddress.Line2, p.Address2),
		text(FieldPostalCode, u.PostalAddress.PostalCode, p.PostalCode),
		text(FieldCity, u.PostalAddress.City, p.City),
		text(FieldRegion, u.PostalAddress.Region, p.State),
		country,
	}
}

func ptr[T any](v T) *T { return &v }

// providerInput is what the plan writes to SevenRooms.
func providerInput(plan thirdparty.Plan) (ProfileInput, []string) {
	var in ProfileInput
	var names []string
	for _, f := range plan.Writes(thirdparty.SideProvider) {
		names = append(names, f.Name)
		v := f.Result.Text
		switch f.Name {
		case FieldFirstName:
			in.FirstName = ptr(v)
		case FieldLastName:
			in.LastName = ptr(v)
		case FieldEmail:
			in.Email = ptr(v)
		case FieldPhone:
			in.PhoneNumber = ptr(v)
		case FieldLanguage:
			in.Language = ptr(v)
		case FieldAddress1:
			in.Address = ptr(v)
		case FieldAddress2:
			in.Address2 = ptr(v)
		case FieldPostalCode:
			in.PostalCode = ptr(v)
		case FieldCity:
			in.City = ptr(v)
		case FieldRegion:
			in.State = ptr(v)
		case FieldCountry:
			in.Country = ptr(v)
		case FieldBirthday:
			day, month := 0, 0
			if b := f.Result.Birthday; b != nil {
				day, month = b.Day, b.Month
			}
			in.BirthdayDay, in.BirthdayMonth = ptr(day), ptr(month)
		}
	}
	return in, names
}

// restoreInput is the write that puts back p's values of the fields in.
func restoreInput(in ProfileInput, p *Profile) ProfileInput {
	var out ProfileInput
	pick := func(set *string, dst **string, v string) {
		if set != nil {
			*dst = ptr(v)
		}
	}
	pick(in.ExternalUserID, &out.ExternalUserID, p.ExternalUserID)
	pick(in.FirstName, &out.FirstName, p.FirstName)
	pick(in.LastName, &out.LastName, p.LastName)
	pick(in.Email, &out.Email, p.Email)
	pick(in.PhoneNumber, &out.PhoneNumber, p.PhoneNumber)
	pick(in.Language, &out.Language, p.PreferredLanguage)
	pick(in.Address, &out.Address, p.Address)
	pick(in.Address2, &out.Address2, p.Address2)
	pick(in.PostalCode, &out.PostalCode, p.PostalCode)
	pick(in.City, &out.City, p.City)
	pick(in.State, &out.State, p.State)
	pick(in.Country, &out.Country, p.Country)
	if in.BirthdayDay != nil {
		out.BirthdayDay, out.BirthdayMonth = ptr(p.BirthdayDay), ptr(p.BirthdayMonth)
	}
	return out
}

// matches reports whether p holds the values in writes (what a merge
// wrote), so that an undo can tell whether someone changed them since.
func matches(in ProfileInput, p *Profile) bool {
	eq := func(want *string, have string, fold func(string) string) bool {
		return want == nil || fold(*want) == fold(have)
	}
	same := strings.TrimSpace
	return eq(in.ExternalUserID, p.ExternalUserID, same) && eq(in.FirstName, p.FirstName, same) && eq(in.LastName, p.LastName, same) &&
		eq(in.Email, p.Email, foldEmail) && eq(in.PhoneNumber, p.PhoneNumber, foldPhone) &&
		eq(in.Language, p.PreferredLanguage, foldEmail) && eq(in.Address, p.Address, same) &&
		eq(in.Address2, p.Address2, same) && eq(in.PostalCode, p.PostalCode, same) &&
		eq(in.City, p.City, same) && eq(in.State, p.State, same) && eq(in.Country, p.Country, foldEmail) &&
		(in.BirthdayDay == nil || (*in.BirthdayDay == p.BirthdayDay && *in.BirthdayMonth == p.BirthdayMonth))
}

// appUpdate is what the plan writes to the app user (without Version),
// and the names of the fields.
func appUpdate(plan thirdparty.Plan, u *usermgmt.User) (usermgmt.UserUpdate, []string) {
	var upd usermgmt.UserUpdate
	var names []string
	addr := u.PostalAddress
	addrChanged := false
	for _, f := range plan.Writes(thirdparty.SideApp) {
		names = append(names, f.Name)
		v := strings.TrimSpace(f.Result.Text)
		switch f.Name {
		case FieldFirstName:
			upd.FirstName = ptr(v)
		case FieldLastName:
			upd.LastName = ptr(v)
		case FieldEmail:
			upd.Email = ptr(v)
		case FieldPhone:
			upd.Phone = ptr(foldPhone(v)) // E.164 is digits after a plus
		case FieldLanguage:
			upd.PreferredLanguage = ptr(v)
		case FieldBirthday:
			if b := f.Result.Birthday; b != nil && b.Year != 0 {
				upd.DateOfBirth = ptr(time.Date(b.Year, time.Month(b.Month), b.Day, 0, 0, 0, 0, time.UTC))
			}
		case FieldAddress1:
			addr.Line1, addrChanged = v, true
		case FieldAddress2:
			addr.Line2, addrChanged = v, true
		case FieldPostalCode:
			addr.PostalCode, addrChanged = v, true
		case FieldCity:
			addr.City, addrChanged = v, true
		case FieldRegion:
			addr.Region, addrChanged = v, true
		case FieldCountry:
			addr.Country, addrChanged = strings.ToUpper(v), true
		}
	}
	if addrChanged {
		upd.PostalAddress = &addr
	}
	return upd, names
}

// appRestore is the update that puts back u's values of the fields upd
// sets.
func appRestore(upd usermgmt.UserUpdate, u *usermgmt.User) usermgmt.UserUpdate {
	var out usermgmt.UserUpdate
	if upd.FirstName != nil {
		out.FirstName = ptr(u.FirstName)
	}
	if upd.LastName != nil {
		out.LastName = ptr(u.LastName)
	}
	if upd.Email != nil {
		out.Email = ptr(u.Email)
	}
	if upd.Phone != nil {
		out.Phone = ptr(u.Phone)
	}
	if upd.PreferredLanguage != nil {
		out.PreferredLanguage = ptr(u.PreferredLanguage)
	}
	if upd.DateOfBirth != nil && u.DateOfBirth != nil {
		out.DateOfBirth = ptr(*u.DateOfBirth)
	}
	if upd.PostalAddress != nil {
		out.PostalAddress = ptr(u.PostalAddress)
	}
	return out
}
