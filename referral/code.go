package referral

import (
	"fmt"
	"io"
	"strings"
)

// Referral codes are CodeLength characters of Crockford's base32 alphabet:
// the digits and the letters without I, L, O and U, so that no two
// characters are confused when read aloud or off a screen. Each character
// carries 5 bits, a code 50 bits. With ten million live codes a guess hits
// one with probability 2^-26.7 (one in about 110 million).
const (
	// CodeLength is the number of characters of a referral code.
	CodeLength = 10
	// CodeBits is the randomness of a referral code.
	CodeBits = CodeLength * 5
	// codeAlphabet is Crockford's base32 alphabet.
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// newCode draws a code from r. 256 is a multiple of 32, so taking the low
// five bits of each byte is unbiased.
func newCode(r io.Reader) (string, error) {
	var b [CodeLength]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("referral: new code: %w", err)
	}
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:]), nil
}

// NormalizeCode returns the canonical form of a code as a person typed it:
// spaces and dashes removed, upper case, and the characters Crockford's
// alphabet leaves out read as the ones they look like (O as 0, I and L as
// 1). It reports false when the result is not a well-formed code.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(codeAlphabet, byte(r)) < 0 {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return "", false
	}
	return b.String(), true
}
