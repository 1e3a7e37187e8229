package impersonation

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"

	"aidanwoods.dev/go-paseto"
)

// Key is one Ed25519 key of the ring, named by an ID that travels in the
// token's footer so the verifier knows which public key to try.
type Key struct {
	// ID names the key: 1–64 characters from A–Z, a–z, 0–9, '.', '_' and
	// '-'. It is public (it is in every token's footer).
	ID string
	// Private signs tokens. Nil for a verify-only key (a front office
	// that verifies what the back office issues, or a retired key kept
	// until its last token expires).
	Private ed25519.PrivateKey
	// Public verifies tokens. Nil means the public half of Private; when
	// both are given they must match.
	Public ed25519.PublicKey
}

// KeyRing is the set of keys a Service signs and verifies with. A token
// signed by a key that is no longer in the ring fails verification with
// CheckKey: removing a key rotates it out.
//
// To rotate without invalidating live tokens: add the new key and make it
// Current, keep the old one (its private half may go) for at least MaxTTL
// plus ClockSkew, then remove it.
type KeyRing struct {
	// Current is the ID of the key that signs new tokens. Empty means the
	// first key with a private half; when no key has one, the Service
	// only verifies and Issue returns ErrNoSigningKey.
	Current string
	// Keys are the keys, signing and verify-only alike.
	Keys []Key
}

// GenerateKey makes a fresh Ed25519 key named id, reading randomness from
// r (nil means crypto/rand).
func GenerateKey(id string, r io.Reader) (Key, error) {
	if err := validKeyID(id); err != nil {
		return Key{}, fmt.Errorf("impersonation: generate key: %w", err)
	}
	if r == nil {
		r = rand.Reader
	}
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return Key{}, fmt.Errorf("impersonation: generate key: %w", err)
	}
	return Key{ID: id, Private: priv, Public: pub}, nil
}

// ring is a KeyRing checked and converted for the token library; it is
// immutable once built.
type ring struct {
	signID  string
	signer  paseto.V4AsymmetricSecretKey
	canSign bool
	verify  map[string]paseto.V4AsymmetricPublicKey
}

func newRing(kr KeyRing) (*ring, error) {
	if len(kr.Keys) == 0 {
		return nil, fmt.Errorf("impersonation: config: the key ring is empty")
	}
	r := &ring{verify: make(map[string]paseto.V4AsymmetricPublicKey, len(kr.Keys))}
	for i, k := range kr.Keys {
		if err := validKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("impersonation: config: key %d: %w", i, err)
		}
		if _, dup := r.verify[k.ID]; dup {
			return nil, fmt.Errorf("impersonation: config: key id %q appears twice", k.ID)
		}
		// Copies: the caller's slices may change after the ring is built.
		pub, priv := bytes.Clone(k.Public), bytes.Clone(k.Private)
		if priv != nil {
			if len(priv) != ed25519.PrivateKeySize {
				return nil, fmt.Errorf("impersonation: config: key %q: private key has %d bytes, want %d", k.ID, len(priv), ed25519.PrivateKeySize)
			}
			derived := ed25519.PrivateKey(priv).Public().(ed25519.PublicKey)
			if pub != nil && !bytes.Equal(pub, derived) {
				return nil, fmt.Errorf("impersonation: config: key %q: public key does not match the private key", k.ID)
			}
			pub = derived
		}
		if len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("impersonation: config: key %q: public key has %d bytes, want %d", k.ID, len(pub), ed25519.PublicKeySize)
		}
		pk, err := paseto.NewV4AsymmetricPublicKeyFromEd25519(pub)
		if err != nil {
			return nil, fmt.Errorf("impersonation: config: key %q: %w", k.ID, err)
		}
		r.verify[k.ID] = pk
		// The signer is the Current key, or else the first private one.
		if priv == nil || kr.Current != "" && kr.Current != k.ID || kr.Current == "" && r.canSign {
			continue
		}
		sk, err := paseto.NewV4AsymmetricSecretKeyFromEd25519(priv)
		if err != nil {
			return nil, fmt.Errorf("impersonation: config: key %q: %w", k.ID, err)
		}
		r.signID, r.signer, r.canSign = k.ID, sk, true
	}
	if kr.Current != "" && r.signID != kr.Current {
		if _, ok := r.verify[kr.Current]; ok {
			return nil, fmt.Errorf("impersonation: config: current key %q has no private key", kr.Current)
		}
		return nil, fmt.Errorf("impersonation: config: current key %q is not in the ring", kr.Current)
	}
	return r, nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("key id %q must have 1 to 64 characters", id)
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("key id %q may hold only A-Z a-z 0-9 . _ -", id)
		}
	}
	return nil
}
