package verification

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"

	"github.com/google/uuid"
)

// TokenBytes is the size of a link token: 256 bits from the random source
// (at least 128 are required; DESIGN.md).
const TokenBytes = 32

// CodeDigits is the length of an SMS code.
const CodeDigits = 6

// newToken returns a fresh URL-safe link token and the hash that is stored
// in its place.
func newToken(r io.Reader) (token, hash string, err error) {
	b := make([]byte, TokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", "", fmt.Errorf("verification: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is the stored form of a link token. A token carries 256
// random bits, so a plain SHA-256 is enough: nobody can invert it or
// guess a preimage.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newCode returns CodeDigits decimal digits, uniformly distributed.
func newCode(r io.Reader) (string, error) {
	n, err := rand.Int(r, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verification: code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// hashCode is the stored form of a code: HMAC-SHA256 keyed with the
// host's code key (Config.CodeKey, possibly empty) over the code's row id
// and the code, so that equal codes of two rows never hash alike.
func hashCode(key []byte, id uuid.UUID, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write(id[:])
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// codeMatches compares a stored code hash with the hash of a candidate in
// constant time.
func codeMatches(stored, candidate string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(candidate)) == 1
}

// validCodeShape reports whether s is CodeDigits ASCII digits.
func validCodeShape(s string) bool {
	if len(s) != CodeDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
