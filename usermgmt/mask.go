package usermgmt

import (
	"strings"
	"unicode/utf8"
)

// maskDots stands for the hidden characters of a masked value. Its length
// never depends on what it hides.
const maskDots = "•••"

// MaskEmail hides an email address for an operator who may not read
// personal data: the first character of the local part and of the domain
// stay, with the top-level domain, so the operator can tell addresses
// apart without reading them. "jean.dupont@example.com" becomes
// "j•••@e•••.com"; "ana@mail.example.co.uk" becomes "a•••@m•••.uk". A
// value without "@" keeps only its first character; "" stays "".
//
// The list, the detail view and the exports all mask with this function.
func MaskEmail(email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return ""
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return firstRune(email) + maskDots
	}
	out := firstRune(local) + maskDots + "@"
	if domain == "" {
		return out + maskDots
	}
	out += firstRune(domain) + maskDots
	if i := strings.LastIndexByte(domain, '.'); i > 0 && i < len(domain)-1 {
		out += domain[i:]
	}
	return out
}

// MaskPhone hides a phone number for an operator who may not read
// personal data: the country calling code of an E.164 number and the last
// two digits stay, the rest becomes a fixed "•• •• ••" whatever the
// number's length. "+33612345678" becomes "+33 •• •• •• 78";
// "0612345678" (no "+") becomes "•• •• •• 78". A number of fewer than six
// digits shows no digit at all; "" stays "".
//
// The list, the detail view and the exports all mask with this function.
func MaskPhone(phone string) string {
	digits := Digits(phone)
	switch {
	case strings.TrimSpace(phone) == "":
		return ""
	case len(digits) < 6:
		return "••"
	}
	const middle = "•• •• ••"
	last := digits[len(digits)-2:]
	if strings.HasPrefix(strings.TrimSpace(phone), "+") {
		cc := digits[:callingCodeLen(digits)]
		if len(digits)-len(cc) >= 4 {
			return "+" + cc + " " + middle + " " + last
		}
	}
	return middle + " " + last
}

// firstRune returns the first character of s, or "" for "".
func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

// callingCodeLen returns the length of the ITU-T E.164 country calling code
// that digits (an international number without "+") starts with: 1 for
// North America (+1) and Russia/Kazakhstan (+7), 2 for the two-digit
// codes, 3 for the others.
func callingCodeLen(digits string) int {
	if digits == "" {
		return 0
	}
	switch digits[0] {
	case '1', '7':
		return 1
	}
	if len(digits) < 2 {
		return len(digits)
	}
	if twoDigitCallingCodes[digits[:2]] {
		return 2
	}
	return min(3, len(digits))
}

// twoDigitCallingCodes are the two-digit country calling codes.
var twoDigitCallingCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49
		51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98`) {
		m[c] = true
	}
	return m
}()
