package usermgmt

import "github.com/userdesk/userdesk/internal/searchtext"

// NormalizeSearch folds s the way the search columns are stored: Unicode
// NFKD with combining marks removed, the letters that do not decompose
// transliterated to ASCII (Ø→o, Ł→l, ı→i, ß→ss), lowercased, whitespace
// collapsed to single spaces. "Élodie  ØSTERGAARD" becomes
// "elodie ostergaard". The keyword of a users list search is folded the
// same way, so people find names as they type them.
func NormalizeSearch(s string) string { return searchtext.Normalize(s) }

// Digits keeps the ASCII digits of s: "+33 6 12-34" becomes "3361234".
func Digits(s string) string { return searchtext.Digits(s) }

// refreshSearch recomputes the search columns from the user's fields.
func (u *User) refreshSearch() {
	c := searchtext.Of(u.FirstName, u.LastName, u.Email, u.CompanyName, u.Phone)
	u.SearchText, u.NameText, u.PhoneDigits, u.SortName = c.Text, c.Names, c.PhoneDigits, c.SortName
}
