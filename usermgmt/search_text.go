package usermgmt

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeSearch folds s the way the search columns are stored: Unicode
// NFKD with combining marks removed, lowercased, whitespace collapsed to
// single spaces. "Élodie  MÜLLER" becomes "elodie muller".
func NormalizeSearch(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Digits keeps the ASCII digits of s: "+33 6 12-34" becomes "3361234".
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// refreshSearch recomputes the search columns from the user's fields.
func (u *User) refreshSearch() {
	u.SearchText = NormalizeSearch(strings.Join([]string{u.FirstName, u.LastName, u.Email, u.CompanyName}, " "))
	u.PhoneDigits = Digits(u.Phone)
	u.SortName = sortName(u.LastName, u.FirstName)
}
