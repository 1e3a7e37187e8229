package usermgmt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// BankKeyring holds the AES-256 keys that seal bank details at rest. New
// records are sealed with the current key; records sealed with an older key
// still open as long as that key stays in the ring, so keys rotate without
// re-encrypting everything at once. The host supplies the keys (from its
// secret store); they never touch the database.
type BankKeyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewBankKeyring returns a key ring sealing with keys[current]. Each key
// must be 32 bytes (AES-256); key IDs are short names such as "2026-11".
func NewBankKeyring(current string, keys map[string][]byte) (*BankKeyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("usermgmt: bank keyring: current key %q not in the ring", current)
	}
	r := &BankKeyring{current: current, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if id == "" || len(id) > 64 {
			return nil, fmt.Errorf("usermgmt: bank keyring: key id %q must be 1-64 bytes", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("usermgmt: bank keyring: key %q is %d bytes, want 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("usermgmt: bank keyring: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("usermgmt: bank keyring: %w", err)
		}
		r.aeads[id] = aead
	}
	return r, nil
}

// seal encrypts plain with the current key; the user ID is bound as
// additional data, so a sealed record copied onto another user won't open.
func (r *BankKeyring) seal(userID uuid.UUID, plain []byte) (keyID string, sealed []byte, err error) {
	aead := r.aeads[r.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("usermgmt: bank seal: %w", err)
	}
	return r.current, aead.Seal(nonce, nonce, plain, userID[:]), nil
}

func (r *BankKeyring) open(userID uuid.UUID, keyID string, sealed []byte) ([]byte, error) {
	aead, ok := r.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w: key %q", ErrNoBankKey, keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("usermgmt: bank open: sealed record too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], userID[:])
	if err != nil {
		return nil, fmt.Errorf("usermgmt: bank open: %w", err)
	}
	return plain, nil
}
