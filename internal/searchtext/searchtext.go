// Package searchtext builds the users' search columns: the one
// normalisation that the users list's keyword search relies on, on both
// dialects, used by usermgmt when it writes a user and by the migration
// that rebuilds the stored columns when the normalisation changes.
//
// Folding: Unicode NFKD with combining marks removed, then a
// transliteration to ASCII of what does not decompose (gosimple/unidecode:
// Ø→O, Ł→L, ı→i, ß→ss, Þ→Th, and scripts such as Greek or Cyrillic to
// their usual Latin spelling), lowercased, whitespace collapsed. So
// "ostergaard", "lodz", "yilmaz" and "strasse" find Østergaard, Łódź,
// Yılmaz and Straße, as people type them on a keyboard without those
// letters.
package searchtext

import (
	"strings"
	"unicode"

	"github.com/gosimple/unidecode"
	"golang.org/x/text/unicode/norm"
)

// Normalize folds s as described in the package documentation:
// "Élodie  ØSTERGAARD" becomes "elodie ostergaard".
func Normalize(s string) string {
	var marks strings.Builder
	marks.Grow(len(s))
	ascii := true
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r >= 0x80 {
			ascii = false
		}
		marks.WriteRune(r)
	}
	folded := marks.String()
	if !ascii {
		folded = unidecode.Unidecode(folded)
	}
	var b strings.Builder
	b.Grow(len(folded))
	space := false
	for _, r := range folded {
		if unicode.IsSpace(r) {
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

// Columns are a user's search columns.
type Columns struct {
	// Text is every searchable text: names, email, company.
	Text string
	// Names holds the names and the company only: what an operator who
	// may not read personal data searches by fragments.
	Names string
	// PhoneDigits are the phone number's digits.
	PhoneDigits string
	// SortName is the alphabetical sort key: the normalised last name,
	// U+0001 (below every character a name holds), the normalised first
	// name. Compared bytewise, it orders by last name, then first name.
	SortName string
}

// Of returns the search columns of a user with these fields.
func Of(first, last, email, company, phone string) Columns {
	return Columns{
		Text:        Normalize(strings.Join([]string{first, last, email, company}, " ")),
		Names:       Normalize(strings.Join([]string{first, last, company}, " ")),
		PhoneDigits: Digits(phone),
		SortName:    Normalize(last) + "\x01" + Normalize(first),
	}
}
